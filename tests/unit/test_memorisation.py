"""Copying proxies class by class."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study import memorisation

NAMES = ["a", "b", "c"]


def test_a_copying_class_stands_out_and_an_honest_one_does_not():
    rng = np.random.default_rng(0)
    held = rng.uniform(1.0, 2.0, 300)
    held_cls = np.repeat([0, 1, 2], 100)
    # class 0: like held-out images; class 1: near-copies (tiny distances); class 2: 5 images
    fake = np.concatenate([rng.uniform(1.0, 2.0, 100), rng.uniform(0.0, 0.05, 60), [1.5] * 5])
    fake_cls = np.repeat([0, 1, 2], [100, 60, 5])
    table = memorisation.per_class_memorisation(fake, fake_cls, held, held_cls, NAMES)
    honest, copying, few = table.to_dict(orient="records")
    assert (honest["n_fake"], copying["n_fake"], few["n_fake"]) == (100, 60, 5)
    assert 0.8 < honest["median_ratio"] < 1.2 and copying["median_ratio"] < 0.1
    assert copying["fake_below_p1"] == 1.0 and honest["fake_below_p5"] < 0.15
    assert copying["heldout_below_p5"] < 0.15  # the class's own held-out images
    assert copying["z_u"] < -5 < honest["z_u"]
    assert np.isnan(few["z_u"]) and "needs >= 20 generated" in few["note"]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="equal lengths"):
        memorisation.per_class_memorisation(np.ones(3), np.zeros(2), np.ones(2), np.zeros(2), NAMES)
    with pytest.raises(ValueError, match="no held-out distances"):
        memorisation.per_class_memorisation(np.ones(3), np.zeros(3), np.ones(0), np.zeros(0), NAMES)
