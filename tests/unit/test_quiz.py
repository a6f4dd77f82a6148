"""The real-or-synthetic quiz keeps its answer key in step with its images."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study.quiz import make_quiz


def _pools():
    real = np.zeros((20, 4, 4, 3), np.uint8)
    real[:, 0, 0, 0] = np.arange(20)  # 0..19 marks real
    fake = np.zeros((30, 4, 4, 3), np.uint8)
    fake[:, 0, 0, 0] = 100 + np.arange(30)  # >= 100 marks synthetic
    return real, fake


def test_key_matches_images_and_halves():
    real, fake = _pools()
    q = make_quiz(real, fake, n=16, seed=4)
    marks = q.images[:, 0, 0, 0]
    np.testing.assert_array_equal(marks < 100, q.is_real)
    assert q.is_real.sum() == 8
    np.testing.assert_array_equal(np.where(q.is_real, marks, marks - 100), q.source_index)
    assert len(set(marks.tolist())) == 16  # drawn without replacement
    key = q.answer_key()
    assert list(key.answer[q.is_real].unique()) == ["real"]
    assert key.row.max() == 4 and key.column.max() == 4


def test_seed_fixes_the_order_and_changes_it():
    real, fake = _pools()
    a = make_quiz(real, fake, seed=1)
    b = make_quiz(real, fake, seed=1)
    c = make_quiz(real, fake, seed=2)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.is_real, c.is_real) or not np.array_equal(a.images, c.images)


def test_bad_input():
    real, fake = _pools()
    with pytest.raises(ValueError, match="need 8 real"):
        make_quiz(real[:3], fake)
    with pytest.raises(ValueError, match="differ in shape"):
        make_quiz(real, np.zeros((20, 5, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="at least 2"):
        make_quiz(real, fake, n=1)
