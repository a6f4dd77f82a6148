"""Unit tests of gan_study.classifier_config: validation, settings and defaults."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gan_study.classifier_config import CLASS_WEIGHTINGS, ClassifierConfig


def test_defaults_are_the_study_classifier():
    c = ClassifierConfig()
    assert c.settings() == {
        "seed": 0,
        "epochs": 30,
        "class_weighting": "sqrt",
        "augment": True,
        "batch_size": 64,
        "learning_rate": 1e-3,
        "width": 32,
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"class_weighting": "log"},
            r"class_weighting must be one of \('none', 'sqrt', 'inverse'\)",
        ),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"epochs": 2.5}, "epochs must be a positive integer"),
        ({"batch_size": True}, "batch_size must be a positive integer"),
        ({"width": -1}, "width must be a positive integer"),
        ({"devices": 0}, "devices must be a positive integer"),
        ({"steps_per_epoch": 0}, "steps_per_epoch must be a positive integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": "0"}, "seed must be a non-negative integer"),
        ({"learning_rate": 0.0}, "learning_rate must be a positive finite number"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive finite number"),
        ({"augment": "yes"}, "augment must be True or False"),
    ],
)
def test_invalid_fields_are_named_with_their_valid_values(changes, message):
    with pytest.raises(ValueError, match=message):
        ClassifierConfig(**changes)
    with pytest.raises(ValueError, match=message):
        ClassifierConfig().replace(**changes)


def test_every_weighting_is_accepted():
    for weighting in CLASS_WEIGHTINGS:
        assert ClassifierConfig(class_weighting=weighting).class_weighting == weighting


def test_numpy_values_become_plain_python_values():
    c = ClassifierConfig(
        seed=np.int64(3), augment=np.bool_(False), learning_rate=1, width=np.int32(8)
    )
    assert (c.seed, c.augment, c.learning_rate, c.width) == (3, False, 1.0, 8)
    assert [type(v) for v in (c.seed, c.augment, c.learning_rate, c.width)] == [
        int,
        bool,
        float,
        int,
    ]
    assert c == ClassifierConfig(seed=3, augment=False, learning_rate=1e0, width=8)


def test_optional_settings_are_left_out_at_their_defaults():
    assert "steps_per_epoch" not in ClassifierConfig().settings()
    assert "devices" not in ClassifierConfig().settings()
    changed = ClassifierConfig(steps_per_epoch=5, devices=2).settings()
    assert changed["steps_per_epoch"] == 5 and changed["devices"] == 2


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ClassifierConfig().epochs = 3  # type: ignore[misc]
