"""Training on several replicas (``TrainConfig.devices``) with ``tf.distribute``.

The two-replica runs need two logical CPU devices, which TensorFlow can only
make before it starts; this process has started it long before. So one
subprocess (:data:`_SCRIPT`, run once per module) splits the CPU in two and
trains, into a temporary folder, every run the tests below compare:

* ``dcgan`` and ``wgan_gp`` with DiffAugment, each on one and on two replicas
  at the same global batch and seed: the per-step losses, means and gradient
  norms must agree within :data:`RTOL` for the first :data:`STEPS` steps
  (measured on machine C: at most 9.3e-7 relative for dcgan and 2.3e-6 for
  wgan_gp over those steps, the same with one thread). The two are not bit-equal: synchronised batch
  norm computes its variance as ``E[x^2] - E[x]^2`` over two shares, and the
  replicas' gradients are summed, so rounding differs and training, being
  chaotic, lets it grow step by step;
* a two-replica ``dcgan`` run killed after its first checkpoint and resumed,
  which must equal the uninterrupted two-replica run exactly;
* the classifier trained on two replicas.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from gan_study import distribute, training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402

STEPS = 8
"""Steps compared between one and two replicas (2 epochs of 32 images at batch 8)."""

RTOL = 1e-3
"""Relative tolerance of that comparison."""

RUNS = {
    "dcgan": dict(model="dcgan"),
    "wgan_gp": dict(model="wgan_gp", diffaugment="color,translation,cutout", n_critic=2),
}
COMMON = dict(epochs=2, batch_size=8, seed=3)

_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    from gan_study import distribute

    distribute.split_cpu(2)  # before any TensorFlow work

    import numpy as np

    from gan_study import classifier, training
    from gan_study.config import TrainConfig

    out = Path(sys.argv[1])
    runs, common = json.loads(sys.argv[2]), json.loads(sys.argv[3])
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28, 3), dtype=np.uint8)

    def train(name, devices, run_dir=None):
        config = TrainConfig(**runs[name], **common, devices=devices)
        run_dir = run_dir or out / f"{name}-{devices}"
        return training.train(config, run_dir=run_dir, images=images, progress=False)

    for name in runs:
        for devices in (1, 2):
            train(name, devices)

    class Killed(Exception):
        pass

    save = training._Trainer.save

    def save_then_die(self, *args, **kwargs):
        save(self, *args, **kwargs)
        raise Killed()

    training._Trainer.save = save_then_die
    try:
        train("dcgan", 2, out / "resumed")
    except Killed:
        (out / "killed_epochs.txt").write_text(str(len(training.load_history(out / "resumed"))))
    training._Trainer.save = save
    train("dcgan", 2, out / "resumed")

    labels = np.arange(64) % 7
    clf = classifier.train_classifier(
        images.repeat(2, axis=0), labels, images[:14], labels[:14],
        classifier.ClassifierConfig(epochs=1, batch_size=16, augment=False, devices=2),
    )
    proba = clf.predict_proba(images[:5])
    (out / "classifier.json").write_text(json.dumps({"params": clf.params, "proba": proba.tolist()}))
    """
)


@pytest.fixture(scope="module")
def two_devices(tmp_path_factory):
    """The folder of the runs :data:`_SCRIPT` trained on one and two logical CPU devices."""
    out = tmp_path_factory.mktemp("two_devices")
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(out), json.dumps(RUNS), json.dumps(COMMON)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def _columns(steps: pd.DataFrame) -> list[str]:
    return [c for c in steps.columns if c not in ("step", "epoch")]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_one_and_two_replicas_give_the_same_losses(two_devices, name):
    one = training.load_steps(two_devices / f"{name}-1")
    two = training.load_steps(two_devices / f"{name}-2")
    assert len(one) == len(two) == STEPS
    cols = _columns(one)
    np.testing.assert_allclose(
        two[cols].to_numpy()[:STEPS], one[cols].to_numpy()[:STEPS], rtol=RTOL, atol=1e-6
    )
    # the tolerance tells steps apart: each step against the next one is far outside it
    shifted = two[cols].to_numpy()[1:STEPS], one[cols].to_numpy()[: STEPS - 1]
    assert not np.allclose(*shifted, rtol=RTOL, atol=1e-6, equal_nan=True)


def test_a_two_replica_run_records_its_strategy(two_devices):
    meta = json.loads((two_devices / "dcgan-2" / "config.json").read_text())
    assert meta["config"]["devices"] == 2
    distribution = meta["environment"]["distribution"]
    assert distribution["strategy"] == "MirroredStrategy"
    assert distribution["replicas"] == 2 and len(distribution["devices"]) == 2
    single = json.loads((two_devices / "dcgan-1" / "config.json").read_text())
    assert single["environment"]["distribution"] == {"strategy": None, "replicas": 1}
    # the saved generator is a plain one: no synchronised batch norm in it
    assert '"synchronized": true' not in _keras_config(two_devices / "dcgan-2")


def _keras_config(run_dir) -> str:
    import zipfile

    with zipfile.ZipFile(training.generator_path(run_dir, ema=False)) as z:
        return z.read("config.json").decode()


def test_a_killed_two_replica_run_resumes_to_the_uninterrupted_run(two_devices):
    assert (two_devices / "killed_epochs.txt").read_text() == "1"
    a, b = two_devices / "resumed", two_devices / "dcgan-2"
    ha = training.load_history(a).drop(columns="seconds")
    hb = training.load_history(b).drop(columns="seconds")
    pd.testing.assert_frame_equal(ha, hb, check_exact=True)
    pd.testing.assert_frame_equal(training.load_steps(a), training.load_steps(b), check_exact=True)
    for ema in (False, True):
        wa = training.load_generator(a, ema=ema).get_weights()
        wb = training.load_generator(b, ema=ema).get_weights()
        for x, y in zip(wa, wb, strict=True):
            np.testing.assert_array_equal(x, y)
    with (
        np.load(a / "checkpoints" / "state.npz") as fa,
        np.load(b / "checkpoints" / "state.npz") as fb,
    ):
        keys = [k for k in fa.files if k not in ("history", "steps")]
        assert any(k.startswith("opt_d/") for k in keys)
        for k in keys:
            np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)


def test_the_classifier_trains_on_two_replicas(two_devices):
    result = json.loads((two_devices / "classifier.json").read_text())
    assert result["params"]["devices"] == 2
    proba = np.asarray(result["proba"])
    assert proba.shape == (5, 7) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


# ------------------------------------------------------------ the field itself
@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_devices_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="devices must be (a positive integer|an integer)"):
        TrainConfig(devices=bad).validate()


def test_the_global_batch_must_split_evenly_over_the_replicas():
    with pytest.raises(ValueError, match=r"batch_size 30 .* devices=4 .* e\.g\. 28 or 32"):
        TrainConfig(batch_size=30, devices=4).validate()
    with pytest.raises(ValueError, match=r"multiple of 4, e\.g\. 4$"):
        TrainConfig(batch_size=3, devices=4).validate()
    assert TrainConfig(batch_size=32, devices=4).validate().devices == 4


def test_seed_baseline_trains_on_one_device_only():
    with pytest.raises(ValueError, match="train seed_baseline with devices=1"):
        TrainConfig(model="seed_baseline", batch_size=16, devices=2).validate()


def test_one_device_keeps_the_run_names_of_before():
    # names computed before the field existed
    assert TrainConfig().run_name() == "dcgan-28px-seed0-f134a446"
    wgan = TrainConfig(model="wgan_gp", batch_size=64, diffaugment="color")
    assert wgan.run_name() == "wgan_gp-28px-seed0-95d8c384"
    assert TrainConfig(devices=2).run_name() != TrainConfig().run_name()


def test_one_device_has_no_strategy(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert distribute.strategy(1) is None
    with pytest.raises(ValueError, match="devices must be a positive integer"):
        distribute.strategy(0)
    assert distribute.describe(None) == {"strategy": None, "replicas": 1}


def test_too_few_cpu_devices_once_tensorflow_has_started():
    import tensorflow as tf

    tf.constant(1.0)  # TensorFlow has started in this process
    have = len(tf.config.list_logical_devices("CPU"))
    with pytest.raises(RuntimeError, match=rf"split_cpu\({have + 1}\) before any TensorFlow"):
        distribute.split_cpu(have + 1)
    distribute.split_cpu(have)  # enough already: nothing to do


def test_non_chief_workers_write_beside_the_run_directory(monkeypatch, tmp_path):
    run = tmp_path / "dcgan-28px-seed0-x"
    cluster = {"worker": ["a:1", "b:1"]}
    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 0}})
    )
    assert distribute.worker_run_dir(run) == run
    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": cluster, "task": {"type": "worker", "index": 1}})
    )
    assert distribute.worker_run_dir(run) == tmp_path / "dcgan-28px-seed0-x.worker1"
    with_chief = {"chief": ["c:1"], **cluster}
    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": with_chief, "task": {"type": "worker", "index": 0}})
    )
    assert distribute.worker_run_dir(run) == tmp_path / "dcgan-28px-seed0-x.worker0"
    monkeypatch.delenv("TF_CONFIG")
    assert distribute.worker_run_dir(run) == run


def test_sync_batch_norm_switches_every_batch_norm():
    from gan_study import models

    gan = models.build("dcgan", 28, 100)
    norms = [
        layer for layer in gan.generator.layers if type(layer).__name__ == "BatchNormalization"
    ]
    assert norms
    training.sync_batch_norm(gan.generator, True)
    assert all(layer.synchronized for layer in norms)
    training.sync_batch_norm(gan.generator, False)
    assert not any(layer.synchronized for layer in norms)
