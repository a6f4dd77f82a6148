"""evaluate_run with an explicit classifier: the stored metrics.json belongs to that classifier."""

from __future__ import annotations

import json
import sys
import types

import numpy as np

from gan_study import evaluation


def test_evaluate_run_reuses_metrics_only_for_the_same_classifier(tmp_path, monkeypatch):
    calls = []

    def fake_evaluate_images(
        fake, labels, data, clf, *, n, seed, train_images=None, reference=None
    ):
        calls.append(clf.name)
        return {
            "schema": evaluation.SCHEMA_VERSION,
            "n": n,
            "seed": seed,
            "feature_extractor": {"name": clf.name},
        }

    config = types.SimpleNamespace(
        source="toy", split="toy", image_size=28, model="dcgan", max_train_images=None
    )
    images = np.zeros((4, 28, 28, 3), np.uint8)
    from gan_study import training as real_training

    fake_training = types.SimpleNamespace(
        data_fingerprint=real_training.data_fingerprint,
        generator_path=real_training.generator_path,
        load_config=lambda run_dir: config,
        load_generator=lambda run_dir, ema=True: types.SimpleNamespace(inputs=[object()]),
        generate=lambda generator, n, seed, labels=None: np.zeros((n, 28, 28, 3), np.uint8),
        training_images=lambda config, data_dir, images, labels: (images, labels),
    )
    split = types.SimpleNamespace(images=images, labels=np.zeros(4, np.int64))
    toy = types.SimpleNamespace(train=split, test=split)
    import gan_study
    import gan_study.data

    monkeypatch.setitem(sys.modules, "gan_study.training", fake_training)
    monkeypatch.setattr(gan_study, "training", fake_training, raising=False)
    monkeypatch.setattr(gan_study.data, "load", lambda **kw: toy)
    monkeypatch.setattr(evaluation, "evaluate_images", fake_evaluate_images)
    # the fake metrics are too thin for a model card; cards have their own tests
    monkeypatch.setattr(evaluation.model_card, "write_model_card", lambda run_dir: None)

    def default_classifier(data):
        raise AssertionError("an explicit classifier must be used, not the default one")

    monkeypatch.setattr(evaluation.classifier_mod, "load_or_train", default_classifier)

    run = tmp_path / "run"
    run.mkdir()
    fingerprint = real_training.data_fingerprint(images, split.labels)
    from gan_study.config import TrainConfig

    stored = TrainConfig(model="dcgan").resolved().to_dict()
    (run / "config.json").write_text(
        json.dumps({"config": stored, "data": {"fingerprint": fingerprint, "n_train": 4}})
    )
    (run / "generator_ema.keras").write_bytes(b"weights")
    short = types.SimpleNamespace(name="classifier-e2", path=tmp_path / "classifier-e2")
    long = types.SimpleNamespace(name="classifier-e30", path=tmp_path / "classifier-e30")
    first = evaluation.evaluate_run(run, n=20, seed=0, clf=short)
    assert first["feature_extractor"]["name"] == "classifier-e2"
    evaluation.evaluate_run(run, n=20, seed=0, clf=short)
    assert calls == ["classifier-e2"]  # reused
    again = evaluation.evaluate_run(run, n=20, seed=0, clf=long)
    assert calls == ["classifier-e2", "classifier-e30"]  # another classifier: recomputed
    assert again["feature_extractor"]["name"] == "classifier-e30"
