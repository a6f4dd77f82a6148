"""DiffAugment: differentiable augmentation of everything the discriminator sees.

A GAN trained on a few thousand images lets its discriminator memorise the
training set; its feedback to the generator then degrades and training
diverges. Zhao et al. (2020) augment *both* the real and the generated
images with the same family of random, differentiable transforms ``T``,
every time the discriminator sees an image -- in the discriminator's update
(``D(T(x))`` and ``D(T(G(z)))``) and in the generator's (``D(T(G(z)))``,
back-propagated through ``T``). Augmenting only the real images would teach
the generator to produce augmented images; augmenting both leaves the
target distribution unchanged while D never sees the same input twice.

The three policies of the paper (its ``DiffAugment_tf.py``), for images in
``[-1, 1]`` of shape ``(batch, S, S, C)``; every random draw is per image:

===============  ============================================================
``color``        brightness ``x + b``, ``b ~ U(-0.5, 0.5)``; saturation
                 ``(x - mean_c) * s + mean_c``, ``s ~ U(0, 2)`` (``mean_c``:
                 mean over the channels of each pixel); contrast
                 ``(x - mean) * k + mean``, ``k ~ U(0.5, 1.5)`` (``mean``:
                 mean over the whole image)
``translation``  shift by an integer in ``[-r, r]`` pixels along each axis,
                 ``r = round(S / 8)`` (4 at 28 px), zero padding
``cutout``       zero one square of side ``round(S / 2)`` at a random centre
                 (it may stick out of the image)
===============  ============================================================

Zero is mid-grey in ``[-1, 1]``. The colour transforms are not clipped (as
in the paper), so their output may leave ``[-1, 1]``; translation and cutout
only move or zero pixels. All transforms are written with arithmetic,
comparisons and matrix products (no gather/scatter), so they are
differentiable with respect to the images and deterministic under
``tf.config.experimental.enable_op_determinism()``.

Randomness comes from a ``tf.random.Generator`` passed in, the trainer's,
whose state is checkpointed: a resumed run draws the same augmentations as
an uninterrupted one. :func:`augment` is :func:`draw` (every per-image
parameter of a policy, for the whole batch) followed by :func:`apply`; the
multi-device trainer draws once for the global batch and lets each replica
apply its rows, so one and several replicas see the same augmentations.

References
----------
.. [1] S. Zhao, Z. Liu, J. Lin, J.-Y. Zhu, S. Han, "Differentiable
   Augmentation for Data-Efficient GAN Training", NeurIPS 2020,
   arXiv:2006.10738.
"""

from __future__ import annotations

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")
"""The policy names a DiffAugment policy string may combine."""

DEFAULT_POLICY = "color,translation,cutout"
"""The paper's policy for its low-data experiments."""

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(policy: str) -> tuple[str, ...]:
    """Split a comma-separated policy string and check every name.

    Parameters
    ----------
    policy : str
        For example ``"color,translation,cutout"`` (applied in that order).

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        For a non-string, an empty policy, an unknown or a repeated name.
    """
    valid = ", ".join(POLICIES)
    if not isinstance(policy, str) or not policy:
        raise ValueError(
            f"diffaugment must be a comma-separated policy from {valid} "
            f"(or None to disable it), got {policy!r}"
        )
    names = tuple(policy.split(","))
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(
            f"unsupported diffaugment policy {unknown[0]!r} in {policy!r}; valid values: "
            f"{valid}, comma-separated without spaces (the paper's: {DEFAULT_POLICY})"
        )
    if len(set(names)) != len(names):
        raise ValueError(f"diffaugment policy {policy!r} names a transform twice")
    return names


def _uniform(n, rng, low: float, high: float):
    """One float32 draw uniform in ``[low, high)`` per image, shaped ``(n, 1, 1, 1)``."""
    u = rng.uniform(tf.stack([n, 1, 1, 1]), dtype=tf.float32)
    return low + (high - low) * u


def _randint(rng, n, low, high):
    """``n`` integers uniform in ``[low, high)`` (int32)."""
    return rng.uniform(tf.reshape(n, [1]), minval=low, maxval=high, dtype=tf.int32)


def _draw_color(n, size, rng) -> dict:
    """Brightness, saturation and contrast factors, drawn in that order."""
    return {
        "brightness": _uniform(n, rng, -0.5, 0.5),
        "saturation": _uniform(n, rng, 0.0, 2.0),
        "contrast": _uniform(n, rng, 0.5, 1.5),
    }


def _apply_brightness(x, b):
    return x + tf.cast(b, x.dtype)


def _apply_saturation(x, s):
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    return (x - mean) * tf.cast(s, x.dtype) + mean


def _apply_contrast(x, k):
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * tf.cast(k, x.dtype) + mean


def _apply_color(x, params: dict):
    x = _apply_brightness(x, params["brightness"])
    x = _apply_saturation(x, params["saturation"])
    return _apply_contrast(x, params["contrast"])


def brightness(x, rng):
    """Add ``b ~ U(-0.5, 0.5)`` to every pixel of an image."""
    return _apply_brightness(x, _uniform(tf.shape(x)[0], rng, -0.5, 0.5))


def saturation(x, rng):
    """Scale each pixel's deviation from its channel mean by ``s ~ U(0, 2)``."""
    return _apply_saturation(x, _uniform(tf.shape(x)[0], rng, 0.0, 2.0))


def contrast(x, rng):
    """Scale the deviation from the image mean by ``k ~ U(0.5, 1.5)``."""
    return _apply_contrast(x, _uniform(tf.shape(x)[0], rng, 0.5, 1.5))


def color(x, rng):
    """The paper's ``color`` policy: brightness, then saturation, then contrast."""
    return _apply_color(x, _draw_color(tf.shape(x)[0], _size(x), rng))


def _shift_matrices(shift, size: int, dtype):
    """``M[b, i, j] = 1`` where ``j == i + shift[b]``: row ``i`` of ``M @ x`` is ``x[i + shift]``."""
    i = tf.range(size)[None, :, None]
    j = tf.range(size)[None, None, :]
    return tf.cast(tf.equal(j, i + shift[:, None, None]), dtype)


def _draw_translation(n, size, rng, ratio: float = TRANSLATION_RATIO) -> dict:
    """The shifts ``dy, dx``, integers uniform in ``[-r, r]`` with ``r = round(ratio * S)``."""
    height, width = size
    ry, rx = int(height * ratio + 0.5), int(width * ratio + 0.5)
    return {"dy": _randint(rng, n, -ry, ry + 1), "dx": _randint(rng, n, -rx, rx + 1)}


def _apply_translation(x, params: dict):
    height, width = _size(x)
    x = tf.einsum("bij,bjwc->biwc", _shift_matrices(params["dy"], height, x.dtype), x)
    return tf.einsum("bkw,biwc->bikc", _shift_matrices(params["dx"], width, x.dtype), x)


def translation(x, rng, ratio: float = TRANSLATION_RATIO):
    """Shift each image by up to ``round(ratio * S)`` pixels per axis, zero padding.

    Output pixel ``(i, j)`` is input pixel ``(i + dy, j + dx)``, or 0 where that
    falls outside the image; ``dy, dx`` are integers uniform in ``[-r, r]``.
    Written as two batched matrix products with 0/1 shift matrices, so the
    gradient with respect to ``x`` is the inverse shift.
    """
    return _apply_translation(x, _draw_translation(tf.shape(x)[0], _size(x), rng, ratio))


def _band(offset, size: int, length: int):
    """``(batch, size)`` booleans: ``offset - length // 2 <= k < offset - length // 2 + length``."""
    k = tf.range(size)[None, :]
    start = offset[:, None] - length // 2
    return (k >= start) & (k < start + length)


def _cutout_side(size: int, ratio: float) -> int:
    return int(size * ratio + 0.5)


def _draw_cutout(n, size, rng, ratio: float = CUTOUT_RATIO) -> dict:
    """The square's centre ``oy, ox``: uniform over ``0 .. S - (c mod 2)`` per axis."""
    height, width = size
    ch, cw = _cutout_side(height, ratio), _cutout_side(width, ratio)
    return {
        "oy": _randint(rng, n, 0, height + (1 - ch % 2)),
        "ox": _randint(rng, n, 0, width + (1 - cw % 2)),
    }


def _apply_cutout(x, params: dict, ratio: float = CUTOUT_RATIO):
    height, width = _size(x)
    ch, cw = _cutout_side(height, ratio), _cutout_side(width, ratio)
    inside = (
        _band(params["oy"], height, ch)[:, :, None] & _band(params["ox"], width, cw)[:, None, :]
    )
    return x * tf.cast(~inside, x.dtype)[..., None]


def cutout(x, rng, ratio: float = CUTOUT_RATIO):
    """Zero one square of side ``round(ratio * S)`` per image, centred at random.

    The centre is drawn as in the paper: uniform over ``0 .. S - (c mod 2)``
    along each axis for a square of side ``c``, so the square may reach past
    the border (and is then clipped by it).
    """
    return _apply_cutout(x, _draw_cutout(tf.shape(x)[0], _size(x), rng, ratio), ratio)


def _size(x) -> tuple[int, int]:
    """The static ``(height, width)`` of an image batch."""
    return int(x.shape[1]), int(x.shape[2])


_DRAWS = {"color": _draw_color, "translation": _draw_translation, "cutout": _draw_cutout}
_APPLIES = {"color": _apply_color, "translation": _apply_translation, "cutout": _apply_cutout}


def draw(n, size, policy: str, rng) -> dict:
    """Every random parameter of a DiffAugment policy for a batch of ``n`` images.

    The draws come from ``rng`` in the order :func:`augment` makes them, so
    ``apply(images, policy, draw(...))`` equals ``augment(images, policy,
    rng)`` for the same state of ``rng``. Every parameter has the batch as its
    first axis: rows ``i:j`` of each belong to images ``i:j``, which is how
    the trainer draws once for the global batch and lets each replica take
    its share.

    Parameters
    ----------
    n : int or scalar tf.Tensor
        Images in the batch.
    size : tuple of int
        The images' static ``(height, width)``.
    policy : str
        Comma-separated names from :data:`POLICIES`.
    rng : tf.random.Generator
        Source of every random draw (its state advances).

    Returns
    -------
    dict
        ``{transform name: {parameter name: tf.Tensor}}``, one entry per
        transform of ``policy``.

    Raises
    ------
    ValueError
        For a bad policy (see :func:`parse_policy`).
    """
    size = (int(size[0]), int(size[1]))
    return {name: _DRAWS[name](n, size, rng) for name in parse_policy(policy)}


def apply(images, policy: str, params: dict):
    """Apply a DiffAugment policy with parameters from :func:`draw`.

    Parameters
    ----------
    images : tf.Tensor
        ``(batch, S, S, C)`` float, in ``[-1, 1]``; the static ``S`` must be known.
    policy : str
        The policy ``params`` were drawn for, applied in its order.
    params : dict
        :func:`draw`'s result for ``batch`` images (or the matching rows of a
        draw for a larger batch).

    Returns
    -------
    tf.Tensor
        Same shape and dtype as ``images``; differentiable with respect to them.
    """
    x = images
    for name in parse_policy(policy):
        x = _APPLIES[name](x, params[name])
    return x


def augment(images, policy: str, rng):
    """Apply a DiffAugment policy to a batch of images.

    Parameters
    ----------
    images : tf.Tensor
        ``(batch, S, S, C)`` float, in ``[-1, 1]``; the static ``S`` must be known.
    policy : str
        Comma-separated names from :data:`POLICIES`, applied in order.
    rng : tf.random.Generator
        Source of every random draw (its state advances).

    Returns
    -------
    tf.Tensor
        Same shape and dtype as ``images``; differentiable with respect to them.

    Raises
    ------
    ValueError
        For a bad policy (see :func:`parse_policy`).
    """
    params = draw(tf.shape(images)[0], _size(images), policy, rng)
    return apply(images, policy, params)
