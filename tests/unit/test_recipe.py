"""The faster training recipe: DiffAugment, and the trainer with every recipe option on.

DiffAugment (Zhao et al. 2020) is checked piece by piece: shapes and ranges,
what each transform does, differentiability and determinism given the RNG
state. The trainer is checked with DiffAugment (full policy), hinge loss,
spectral normalisation, R1, a late EMA start and learning-rate warm-up all
on: same seed gives the same run, and a run interrupted after its first
checkpoint resumes to exactly the uninterrupted run (weights, optimiser and
power-iteration state, RNG, logs).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

tf = pytest.importorskip("tensorflow")

from gan_study import diffaugment, models, training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402

RECIPE = dict(
    model="dcgan",
    epochs=3,
    batch_size=16,
    seed=5,
    diffaugment="color,translation,cutout",
    loss="hinge",
    spectral_norm=True,
    r1_weight=1.0,
    ema_start=2,
    lr_warmup=6,  # spans the interruption after epoch 1 (4 updates per epoch)
)


def _images(n=8, size=28, seed=0):
    return tf.constant(np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)), tf.float32)


def _rng(seed=1):
    return tf.random.Generator.from_seed(seed)


# ---------------------------------------------------------------- DiffAugment
@pytest.mark.parametrize("policy", [*diffaugment.POLICIES, diffaugment.DEFAULT_POLICY])
def test_diffaugment_keeps_shape_and_dtype_and_a_sane_range(policy):
    x = _images()
    y = diffaugment.augment(x, policy, _rng())
    assert y.shape == x.shape and y.dtype == x.dtype
    values = y.numpy()
    assert np.isfinite(values).all()
    if "color" in policy:  # brightness +-0.5, saturation x2, contrast x1.5: bounded, not clipped
        assert np.abs(values).max() < 8
        assert not np.allclose(values, x.numpy())
    else:  # translation and cutout only move or zero pixels
        assert values.min() >= -1 and values.max() <= 1


def test_translation_is_an_integer_shift_with_zero_padding():
    x = _images(n=16, seed=2)
    y = diffaugment.translation(x, _rng(3)).numpy()
    r = round(28 / 8)
    shifted = 0
    for xi, yi in zip(x.numpy(), y, strict=True):
        matches = [
            (dy, dx)
            for dy in range(-r, r + 1)
            for dx in range(-r, r + 1)
            if np.array_equal(yi, _shift(xi, dy, dx))
        ]
        assert len(matches) == 1, "each output is exactly one shift of its input"
        shifted += matches[0] != (0, 0)
    assert shifted > 8  # 1 in 81 shifts is the identity


def _shift(x, dy, dx):
    """``out[i, j] = x[i + dy, j + dx]``, zero outside."""
    s = x.shape[0]
    out = np.zeros_like(x)
    for i in range(s):
        for j in range(s):
            if 0 <= i + dy < s and 0 <= j + dx < s:
                out[i, j] = x[i + dy, j + dx]
    return out


def test_cutout_zeroes_one_square_of_half_the_side():
    x = tf.ones((32, 28, 28, 3))
    y = diffaugment.cutout(x, _rng(4)).numpy()
    for img in y:
        zero = np.all(img == 0, axis=-1)
        assert np.all((img == 0) | (img == 1))
        rows, cols = np.nonzero(zero.any(axis=1))[0], np.nonzero(zero.any(axis=0))[0]
        assert 1 <= len(rows) <= 14 and 1 <= len(cols) <= 14
        # a (possibly clipped) rectangle: every pixel in its bounding box is zero
        assert zero[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].all()
        assert zero.sum() == len(rows) * len(cols)
    assert max(np.all(img == 0, axis=-1).sum() for img in y) == 14 * 14


def test_color_transforms_follow_the_paper():
    x = _images(n=4, seed=5)
    # brightness adds one constant per image, in [-0.5, 0.5)
    d = (diffaugment.brightness(x, _rng(6)) - x).numpy()
    per_image = d.reshape(4, -1)
    np.testing.assert_allclose(
        per_image, np.broadcast_to(per_image[:, :1], per_image.shape), atol=1e-6
    )
    assert np.all(np.abs(per_image[:, 0]) <= 0.5)
    # saturation keeps each pixel's channel mean; contrast keeps each image's mean
    sat = diffaugment.saturation(x, _rng(7)).numpy()
    np.testing.assert_allclose(sat.mean(-1), x.numpy().mean(-1), atol=1e-5)
    con = diffaugment.contrast(x, _rng(8)).numpy()
    np.testing.assert_allclose(con.mean((1, 2, 3)), x.numpy().mean((1, 2, 3)), atol=1e-5)


@pytest.mark.parametrize("policy", [*diffaugment.POLICIES, diffaugment.DEFAULT_POLICY])
def test_diffaugment_is_differentiable(policy):
    x = _images(n=4, seed=9)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(tf.square(diffaugment.augment(x, policy, _rng(10))))
    grad = tape.gradient(loss, x)
    assert grad is not None and np.isfinite(grad.numpy()).all()
    assert np.abs(grad.numpy()).sum() > 0


def test_diffaugment_is_deterministic_given_the_rng_state():
    x = _images()
    policy = diffaugment.DEFAULT_POLICY
    a = diffaugment.augment(x, policy, _rng(11)).numpy()
    b = diffaugment.augment(x, policy, _rng(11)).numpy()
    np.testing.assert_array_equal(a, b)
    rng = _rng(11)
    first = diffaugment.augment(x, policy, rng).numpy()
    second = diffaugment.augment(x, policy, rng).numpy()  # the state advanced
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)
    # restoring the state (what a checkpoint does) repeats the draw
    rng.reset_from_seed(11)
    np.testing.assert_array_equal(diffaugment.augment(x, policy, rng).numpy(), a)
    # and inside a tf.function too
    graph = tf.function(lambda x: diffaugment.augment(x, policy, rng))
    rng.reset_from_seed(11)
    np.testing.assert_allclose(graph(x).numpy(), a, rtol=0, atol=1e-6)


def test_diffaugment_rejects_bad_policies():
    with pytest.raises(ValueError, match="valid values: color, translation, cutout"):
        diffaugment.parse_policy("color,flip")
    with pytest.raises(ValueError, match="or None to disable it"):
        diffaugment.parse_policy("")
    assert diffaugment.parse_policy("cutout,color") == ("cutout", "color")


# ------------------------------------------------------------ trainer pieces
def test_learning_rate_warmup_is_linear_in_discriminator_updates():
    from gan_study.training import _Trainer

    d = _Trainer._warmup_schedule(1e-3, 4, 1)
    g = _Trainer._warmup_schedule(1e-3, 4, 2)  # G updates every 2nd D update
    assert [float(d(i)) for i in range(6)] == pytest.approx(
        [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]
    )
    assert [float(g(i)) for i in range(3)] == pytest.approx([5e-4, 1e-3, 1e-3])


def test_ema_generator_copies_the_generator_until_ema_start():
    from gan_study.training import _Trainer

    config = TrainConfig(model="dcgan", batch_size=4, ema_start=2, ema_decay=0.9).validate()
    trainer = _Trainer(config)
    real, labels = _images(n=4), tf.zeros((4,), tf.int64)

    def same():
        pairs = zip(trainer.G_ema.get_weights(), trainer.G.get_weights(), strict=True)
        return all(np.array_equal(a, b) for a, b in pairs)

    for _ in range(2):
        trainer.step(real, labels, True)
        assert same()
    trainer.step(real, labels, True)
    assert not same()


# ------------------------------------------------------- the whole recipe
def _data():
    return np.random.default_rng(42).integers(0, 256, (64, 28, 28, 3), dtype=np.uint8)


def _same_run(a, b):
    ha = training.load_history(a).drop(columns="seconds")
    hb = training.load_history(b).drop(columns="seconds")
    pd.testing.assert_frame_equal(ha, hb, check_exact=True)
    pd.testing.assert_frame_equal(training.load_steps(a), training.load_steps(b), check_exact=True)
    for ema in (False, True):
        wa = training.load_generator(a, ema=ema).get_weights()
        wb = training.load_generator(b, ema=ema).get_weights()
        for x, y in zip(wa, wb, strict=True):
            np.testing.assert_array_equal(x, y)
    # the final checkpoint: D (with its power-iteration vectors), optimisers, RNG
    with (
        np.load(a / "checkpoints" / "state.npz") as fa,
        np.load(b / "checkpoints" / "state.npz") as fb,
    ):
        keys = [k for k in fa.files if k not in ("history", "steps")]
        assert sorted(keys) == sorted(k for k in fb.files if k not in ("history", "steps"))
        assert any(k.startswith("d/") for k in keys)
        for k in keys:
            np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)


def test_recipe_same_seed_same_run(tmp_path):
    images = _data()
    config = TrainConfig(**{**RECIPE, "epochs": 2})
    a = training.train(config, run_dir=tmp_path / "a", images=images, progress=False)
    b = training.train(config, run_dir=tmp_path / "b", images=images, progress=False)
    _same_run(a, b)
    steps = training.load_steps(a)
    assert np.isfinite(steps[["d_loss", "g_loss", "gp"]].to_numpy()).all()
    assert (steps["gp"] > 0).all()  # the R1 penalty is reported in the gp column
    c = training.train(
        TrainConfig(**{**RECIPE, "epochs": 2, "seed": 6}),
        run_dir=tmp_path / "c",
        images=images,
        progress=False,
    )
    with pytest.raises(AssertionError):
        _same_run(a, c)


class _Killed(Exception):
    """Stands for a kill between two checkpoints (the process state is lost)."""


def _die_after_the_first_checkpoint(monkeypatch) -> None:
    """Make the trainer raise :class:`_Killed` right after it writes a checkpoint."""
    save = training._Trainer.save

    def save_then_die(self, *args, **kwargs):
        save(self, *args, **kwargs)
        raise _Killed("killed after the first checkpoint")

    monkeypatch.setattr(training._Trainer, "save", save_then_die)


def test_recipe_interrupted_run_resumes_exactly(tmp_path, monkeypatch):
    images = _data()
    config = TrainConfig(**RECIPE)
    interrupted = tmp_path / "interrupted"
    _die_after_the_first_checkpoint(monkeypatch)
    with pytest.raises(_Killed):
        training.train(config, run_dir=interrupted, images=images, progress=False)
    monkeypatch.undo()
    assert not training.is_finished(interrupted)
    assert len(training.load_history(interrupted)) == 1

    training.train(config, run_dir=interrupted, images=images, progress=False)
    whole = training.train(config, run_dir=tmp_path / "whole", images=images, progress=False)
    assert len(training.load_history(interrupted)) == RECIPE["epochs"]
    _same_run(interrupted, whole)


def test_class_balance_is_for_conditional_models_and_resumes_exactly(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="takes no labels"):
        TrainConfig(model="dcgan", class_balance=1.0).validate()
    with pytest.raises(ValueError, match="between 0 and 1"):
        TrainConfig(model="cdcgan", class_balance=2.0).validate()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 28, 28, 3), dtype=np.uint8)
    labels = np.array([5] * 50 + [0, 1, 2, 3, 4, 6, 0] * 2)
    config = TrainConfig(model="cdcgan", epochs=3, batch_size=16, seed=2, class_balance=1.0)
    assert config.run_name() != TrainConfig(**{**config.to_dict(), "class_balance": 0.0}).run_name()

    def run(name):
        return training.train(
            config, run_dir=tmp_path / name, images=images, labels=labels, progress=False
        )

    _die_after_the_first_checkpoint(monkeypatch)
    with pytest.raises(_Killed):
        run("interrupted")
    monkeypatch.undo()
    run("interrupted")
    _same_run(tmp_path / "interrupted", run("whole"))
    plain = training.train(
        TrainConfig(**{**config.to_dict(), "class_balance": 0.0}),
        run_dir=tmp_path / "plain",
        images=images,
        labels=labels,
        progress=False,
    )
    with pytest.raises(AssertionError):
        _same_run(tmp_path / "whole", plain)


def test_conditional_batch_norm_is_deterministic_and_resumes_exactly(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (48, 28, 28, 3), dtype=np.uint8)
    labels = np.arange(48) % 7
    config = TrainConfig(model="cdcgan", epochs=3, batch_size=16, seed=4, conditional_bn=True)
    plain_config = dataclasses.replace(config, conditional_bn=False)
    assert config.run_name() != plain_config.run_name()

    def run(name, c=config):
        return training.train(
            c, run_dir=tmp_path / name, images=images, labels=labels, progress=False
        )

    _die_after_the_first_checkpoint(monkeypatch)
    with pytest.raises(_Killed):
        run("interrupted")
    monkeypatch.undo()
    run("interrupted")
    whole = run("whole")
    _same_run(tmp_path / "interrupted", whole)
    _same_run(whole, run("again"))
    generator = training.load_generator(whole)
    assert sum(isinstance(layer, models.ClassAffine) for layer in generator.layers) == 2
    # a fresh process that has not built a model loads it too (the layer registers itself)
    code = f"from gan_study import training; training.load_generator({str(whole)!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with pytest.raises(AssertionError):
        _same_run(whole, run("plain", plain_config))


def test_a_bfloat16_run_is_deterministic_and_resumes_exactly(tmp_path, monkeypatch):
    """The standard profile's arithmetic on a CPU with bfloat16 (``auto``)."""
    config = TrainConfig(
        model="dcgan", epochs=3, batch_size=16, seed=3, mixed_precision="mixed_bfloat16"
    )
    images = _data()
    _die_after_the_first_checkpoint(monkeypatch)
    with pytest.raises(_Killed):
        training.train(config, run_dir=tmp_path / "interrupted", images=images, progress=False)
    monkeypatch.undo()
    training.train(config, run_dir=tmp_path / "interrupted", images=images, progress=False)
    whole = training.train(config, run_dir=tmp_path / "whole", images=images, progress=False)
    _same_run(tmp_path / "interrupted", whole)
    again = training.train(config, run_dir=tmp_path / "again", images=images, progress=False)
    _same_run(whole, again)
    f32 = dataclasses.replace(config, mixed_precision="float32")
    other = training.train(f32, run_dir=tmp_path / "f32", images=images, progress=False)
    with pytest.raises(AssertionError):  # the arithmetic is part of the run
        _same_run(whole, other)
