"""Scaling to [-1, 1] and back, and the shuffled training batches."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study.data import epoch_batches, to_float, to_uint8


def test_to_float_range_and_exact_round_trip():
    u = np.arange(256, dtype=np.uint8).reshape(4, 8, 8, 1)
    x = to_float(u)
    assert x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    np.testing.assert_array_equal(to_uint8(x), u)


def test_to_uint8_clips_out_of_range_values():
    out = to_uint8(np.array([-3.0, -1.0, 0.0, 1.0, 7.0]))
    assert out.dtype == np.uint8
    assert out.tolist() == [0, 0, 128, 255, 255]


def test_to_float_refuses_floats():
    with pytest.raises(TypeError, match="uint8"):
        to_float(np.zeros((2, 2), dtype=np.float32))


def _images(n=10, size=4):
    return np.stack([np.full((size, size, 3), 20 * k, dtype=np.uint8) for k in range(n)])


def _epoch(images, labels=None, **kw):
    return list(epoch_batches(images, labels, **kw))


def test_epoch_batches_images_only():
    images = _images()
    batches = _epoch(images, batch_size=4, seed=0)
    assert [x.shape for x, _ in batches] == [(4, 4, 4, 3), (4, 4, 4, 3)]  # remainder dropped
    assert all(y is None for _, y in batches)
    assert all(x.dtype == np.float32 and x.min() >= -1 and x.max() <= 1 for x, _ in batches)
    seen = {int(to_uint8(x[i])[0, 0, 0]) for x, _ in batches for i in range(len(x))}
    assert seen <= set(range(0, 200, 20)) and len(seen) == 8  # no image twice


def test_epoch_batches_seeded_shuffle_and_labels():
    images, labels = _images(), np.arange(10, dtype=np.int32) % 7

    def epoch(seed):
        return _epoch(images, labels, batch_size=3, seed=seed, drop_remainder=False)

    a, b, c = epoch(1), epoch(1), epoch(2)
    order = np.concatenate([y for _, y in a])
    assert len(order) == 10 and order.dtype == np.int64  # the remainder is kept
    assert np.array_equal(order, np.concatenate([y for _, y in b]))
    assert not all(np.array_equal(x, z) for (x, _), (z, _) in zip(a, c, strict=True))
    for x, y in a:  # labels stay with their images
        k = np.rint((x[:, 0, 0, 0] + 1) * 127.5).astype(int) // 20
        np.testing.assert_array_equal(y, k % 7)


def test_epoch_batches_without_shuffle_keeps_order():
    images = _images()
    batches = _epoch(images, batch_size=5, seed=0, shuffle=False)
    np.testing.assert_array_equal(to_uint8(np.concatenate([x for x, _ in batches])), images)


def test_epoch_batches_bad_input():
    with pytest.raises(ValueError, match="labels"):
        _epoch(_images(), np.zeros(3), batch_size=2, seed=0)
    with pytest.raises(TypeError, match="uint8"):
        _epoch(_images().astype(np.float32), batch_size=2, seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        _epoch(_images(), batch_size=0, seed=0)


def _imbalanced(n_major=90, n_minor=10):
    labels = np.array([0] * n_major + [1] * n_minor)
    images = np.zeros((len(labels), 2, 2, 3), np.uint8)
    images[:, 0, 0, 0] = np.arange(len(labels))  # the image's index, to recover the draw
    return images, labels


def test_class_balance_draws_every_class_equally_often():
    images, labels = _imbalanced()
    seen = []
    for epoch in range(50):
        for x, y in epoch_batches(images, labels, batch_size=10, seed=epoch, class_balance=1.0):
            seen.extend(y.tolist())
            index = np.rint((x[:, 0, 0, 0] + 1) * 127.5).astype(int)
            np.testing.assert_array_equal(labels[index], y)  # labels stay with their images
    share = np.mean(np.array(seen) == 1)
    assert len(seen) == 50 * 100  # still N images per epoch
    assert 0.45 < share < 0.55  # 10 % of the images, half of the draws
    root = [
        y
        for e in range(50)
        for _, y in epoch_batches(images, labels, batch_size=10, seed=e, class_balance=0.5)
    ]
    assert 0.2 < np.mean(np.concatenate(root) == 1) < 0.3  # sqrt rule: 1/(1+3) = 0.25


def test_class_balance_zero_is_the_plain_permutation_and_a_seed_fixes_the_draw():
    images, labels = _imbalanced()
    plain = [y for _, y in epoch_batches(images, labels, batch_size=10, seed=3)]
    zero = [y for _, y in epoch_batches(images, labels, batch_size=10, seed=3, class_balance=0.0)]
    np.testing.assert_array_equal(np.concatenate(plain), np.concatenate(zero))
    a = [y for _, y in epoch_batches(images, labels, batch_size=10, seed=3, class_balance=1.0)]
    b = [y for _, y in epoch_batches(images, labels, batch_size=10, seed=3, class_balance=1.0)]
    np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))


def test_class_balance_refuses_what_it_cannot_do():
    images, labels = _imbalanced()
    with pytest.raises(ValueError, match="needs labels"):
        next(epoch_batches(images, batch_size=10, seed=0, class_balance=1.0))
    with pytest.raises(ValueError, match="between 0 and 1"):
        next(epoch_batches(images, labels, batch_size=10, seed=0, class_balance=1.5))
