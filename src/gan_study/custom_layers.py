"""The Keras layers the study's networks add to Keras's own.

* :class:`SpectralNorm` -- spectral normalisation of a wrapped layer's
  kernel (Miyato et al. 2018), for the discriminators' ``spectral_norm``
  option;
* :class:`ClassAffine` -- the per-class gain and bias of conditional batch
  norm (de Vries et al. 2017), for the conditional generator's
  ``conditional_bn`` option.

Both are registered as Keras serialisables (package ``gan_study``), so a
saved generator that holds them loads again once this module is imported
(:mod:`gan_study.models` imports it).
"""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="gan_study")
class SpectralNorm(layers.Wrapper):
    """Spectral normalisation of a Conv2D or Dense kernel (Miyato et al. 2018).

    The wrapped layer computes with ``W / sigma(W)``, where ``sigma(W)`` is the
    largest singular value of the kernel reshaped to ``(fan_in, units)``,
    estimated by power iteration with a persistent vector ``u``: each call in
    training mode runs ``power_iterations`` steps ``v = normalise(W u)``,
    ``u = normalise(W^T v)`` and stores ``u``; then ``sigma = v^T W u`` with
    ``u`` and ``v`` held constant, so the gradient flows through
    ``W / sigma(W)`` as in the paper's Algorithm 1. In inference mode ``u`` is
    not updated. ``u`` is a non-trainable weight of this layer, so it is part
    of ``model.variables`` and therefore of the trainer's checkpoint.

    Why not ``keras.layers.SpectralNormalization``: that wrapper *assigns*
    ``W / sigma`` to the kernel variable on every training call and then
    differentiates with respect to the normalised kernel, i.e. it projects
    the weights instead of reparameterising them; the gradient misses the
    ``d sigma / d W`` term of the paper, and each extra discriminator call in
    a step (real, fake, R1) rescales the stored kernel again.

    Parameters
    ----------
    layer : keras.layers.Conv2D or keras.layers.Dense
        The layer to normalise (its kernel is still its own trainable weight).
    power_iterations : int
        Power-iteration steps per training call (the paper: 1).
    eps : float
        Added to norms before dividing.

    References
    ----------
    .. [1] T. Miyato, T. Kataoka, M. Koyama, Y. Yoshida, "Spectral
       Normalization for Generative Adversarial Networks", ICLR 2018,
       arXiv:1802.05957.
    """

    def __init__(self, layer, power_iterations: int = 1, eps: float = 1e-12, **kwargs):
        if not isinstance(layer, (layers.Conv2D, layers.Dense)):
            raise TypeError(
                f"SpectralNorm wraps Conv2D or Dense layers, got {type(layer).__name__}"
            )
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}")
        kwargs.setdefault("dtype", layer.dtype_policy)
        kwargs["autocast"] = False  # the power iteration reads the float32 kernel
        super().__init__(layer, **kwargs)
        self.power_iterations = power_iterations
        self.eps = eps

    def build(self, input_shape):
        super().build(input_shape)
        units = int(self.layer.kernel.shape[-1])
        self.u = self.add_weight(
            shape=(1, units),
            initializer=keras.initializers.RandomNormal(0.0, 1.0),
            trainable=False,
            name="power_iteration_u",
            dtype="float32",
        )

    def _normalise(self, x):
        return x / (ops.sqrt(ops.sum(ops.square(x))) + self.eps)

    def sigma(self, training: bool = False):
        """The power-iteration estimate of the kernel's largest singular value.

        In training mode it also advances (and stores) ``u`` first.
        """
        w = ops.reshape(ops.cast(self.layer.kernel, "float32"), (-1, self.u.shape[-1]))
        u = ops.convert_to_tensor(self.u)
        steps = self.power_iterations if training else 0
        for _ in range(steps):
            v = self._normalise(ops.matmul(u, ops.transpose(w)))
            u = self._normalise(ops.matmul(v, w))
        u = ops.stop_gradient(u)
        if steps:
            self.u.assign(u)
        v = ops.stop_gradient(self._normalise(ops.matmul(u, ops.transpose(w))))
        return ops.sum(ops.matmul(v, w) * u)

    def normalized_kernel(self, training: bool = False):
        """``W / sigma(W)`` in float32 (see :meth:`sigma`)."""
        return ops.cast(self.layer.kernel, "float32") / self.sigma(training)

    def call(self, inputs, training=None):
        layer = self.layer
        dtype = layer.compute_dtype
        kernel = ops.cast(self.normalized_kernel(bool(training)), dtype)
        x = ops.cast(inputs, dtype)
        if isinstance(layer, layers.Conv2D):
            x = layer.convolution_op(x, kernel)
            if layer.use_bias:
                shape = (1, 1, 1, -1) if layer.data_format == "channels_last" else (1, -1, 1, 1)
                x = ops.add(x, ops.reshape(ops.cast(layer.bias, dtype), shape))
        else:
            x = ops.matmul(x, kernel)
            if layer.bias is not None:
                x = ops.add(x, ops.cast(layer.bias, dtype))
        return layer.activation(x) if layer.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("autocast", None)
        return {**config, "power_iterations": self.power_iterations, "eps": self.eps}


@keras.saving.register_keras_serializable(package="gan_study")
class ClassAffine(layers.Layer):
    """Per-class gain and bias: the affine half of conditional batch norm.

    Placed after a ``BatchNormalization(center=False, scale=False)``, it makes
    ``gamma_y * x_hat + beta_y`` with one learned ``(gamma, beta)`` pair per
    class and channel (de Vries et al. 2017; Dumoulin et al. 2017), the
    generator conditioning of the projection-discriminator cGAN (Miyato &
    Koyama 2018). Gains start at one and biases at zero, so an untrained layer
    is plain batch norm.

    Call it on ``[features (batch, ..., channels), label (batch,) int]``.
    """

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        features_shape, _ = input_shape
        channels = features_shape[-1]
        self.gain = self.add_weight(
            shape=(self.num_classes, channels), initializer="ones", name="class_gain"
        )
        self.bias = self.add_weight(
            shape=(self.num_classes, channels), initializer="zeros", name="class_bias"
        )

    def call(self, inputs):
        features, label = inputs
        label = keras.ops.reshape(keras.ops.cast(label, "int32"), (-1,))
        shape = (-1,) + (1,) * (len(features.shape) - 2) + (features.shape[-1],)
        gain = keras.ops.reshape(keras.ops.take(self.gain, label, axis=0), shape)
        bias = keras.ops.reshape(keras.ops.take(self.bias, label, axis=0), shape)
        return features * keras.ops.cast(gain, features.dtype) + keras.ops.cast(
            bias, features.dtype
        )

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}
