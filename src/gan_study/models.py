"""The GAN architectures of the study, one function per architecture.

Each architecture function returns an untrained ``(generator, discriminator)``
pair of Keras models for 28, 32 or 64 pixel RGB images; :func:`build` wraps
the pair in a :class:`GAN` together with the training defaults of the paper
that defines the model (loss, optimiser, learning rates, ...).

Conventions shared by all models
--------------------------------
* Generators map a latent code ``z`` of shape ``(latent_dim,)`` (standard
  normal) to an image of shape ``(S, S, 3)`` in ``[-1, 1]`` (``tanh``).
* Conditional models take ``[z, label]`` (generator) and ``[image, label]``
  (discriminator), where ``label`` is an integer class index of shape
  ``(batch,)`` in the order of :data:`gan_study.data.CLASS_NAMES`.
* Discriminators return one number per image, shape ``(batch, 1)``. Every
  model except ``seed_baseline`` returns an unbounded *logit* (or, for the
  WGAN-GP critic, a critic score), and the losses are computed from logits,
  which is numerically safer than the log of a sigmoid probability. The
  ``seed_baseline`` keeps the original report's sigmoid output; the trainer
  then computes binary cross-entropy on probabilities, exactly as the report
  did (``GAN.output == "probability"``).
* The last layer of every model computes in float32, so mixed-precision
  training keeps its losses and images in full precision.
* ``spectral_norm=True`` wraps every Conv2D and Dense layer of the
  discriminator in :class:`SpectralNorm` (Miyato et al. 2018); everything
  else, BatchNorm included, stays as the architecture defines it.

This module knows nothing about data files or training loops; see
:mod:`gan_study.training`.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from gan_study.custom_layers import ClassAffine, SpectralNorm

ARCHITECTURES = ("seed_baseline", "dcgan", "cdcgan", "wgan_gp")
SUPPORTED_SIZES = (28, 32, 64)
NUM_CLASSES = 7  # HAM10000 / DermaMNIST diagnostic classes (gan_study.data.CLASS_NAMES)


@dataclass
class GAN:
    """A generator/discriminator pair with the training defaults of its paper.

    Attributes
    ----------
    generator, discriminator : keras.Model
        The two networks (see the module docstring for their inputs/outputs).
    name : str
        Architecture name, one of :data:`ARCHITECTURES`.
    conditional : bool
        Whether both networks also take an integer class label.
    latent_dim : int
        Length of the latent code ``z``.
    image_size : int
        Side of the square RGB images, in pixels.
    num_classes : int
        Number of classes a conditional model knows (unused otherwise).
    output : str
        ``"logit"`` (unbounded discriminator output) or ``"probability"``
        (sigmoid output, ``seed_baseline`` only).
    loss : str
        Default loss: ``"minimax"``, ``"nonsaturating"`` or ``"wgan-gp"``.
    optimizer : str
        Default optimiser: ``"adam"`` or ``"rmsprop"``.
    lr_g, lr_d : float
        Default learning rates of the generator and discriminator optimisers.
    beta_1, beta_2 : float
        Default Adam moment decay rates (ignored by RMSprop).
    n_critic : int
        Default number of discriminator updates per generator update.
    reference : str
        The paper that defines the architecture and its defaults.
    """

    generator: keras.Model
    discriminator: keras.Model
    name: str
    conditional: bool
    latent_dim: int
    image_size: int
    num_classes: int
    output: str
    loss: str
    optimizer: str
    lr_g: float
    lr_d: float
    beta_1: float
    beta_2: float
    n_critic: int
    reference: str


# Training defaults of each architecture (the paper's values). Kept as plain data so
# that gan_study.config can resolve defaults without building any network.
DEFAULTS: dict[str, dict] = {
    "seed_baseline": {
        "conditional": False,
        "output": "probability",
        "loss": "nonsaturating",
        "optimizer": "rmsprop",
        # keras.optimizers.RMSprop() defaults, which the report's `optimizer="rmsprop"` used
        "lr_g": 1e-3,
        "lr_d": 1e-3,
        "beta_1": 0.9,
        "beta_2": 0.999,
        "n_critic": 1,
        "reference": "Mukesh, Joshi & Saraf (2023), Fig. 8 (section 4.1)",
    },
    "dcgan": {
        "conditional": False,
        "output": "logit",
        "loss": "nonsaturating",
        "optimizer": "adam",
        "lr_g": 2e-4,
        "lr_d": 2e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        "n_critic": 1,
        "reference": "Radford, Metz & Chintala (2015), arXiv:1511.06434",
    },
    "cdcgan": {
        "conditional": True,
        "output": "logit",
        "loss": "nonsaturating",
        "optimizer": "adam",
        "lr_g": 2e-4,
        "lr_d": 2e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        "n_critic": 1,
        "reference": (
            "Mirza & Osindero (2014), arXiv:1411.1784; Miyato & Koyama (2018), arXiv:1802.05637"
        ),
    },
    "wgan_gp": {
        "conditional": False,
        "output": "logit",
        "loss": "wgan-gp",
        "optimizer": "adam",
        "lr_g": 1e-4,
        "lr_d": 1e-4,
        "beta_1": 0.0,
        "beta_2": 0.9,
        "n_critic": 5,
        "reference": "Gulrajani et al. (2017), arXiv:1704.00028",
    },
}


def _sn(layer, spectral_norm: bool):
    """``layer`` wrapped in :class:`SpectralNorm` when asked, else unchanged."""
    if not spectral_norm:
        return layer
    return SpectralNorm(layer, name=f"{layer.name}_sn")


def _check(image_size: int, latent_dim: int) -> None:
    if image_size not in SUPPORTED_SIZES:
        raise ValueError(
            f"unsupported image_size {image_size!r}; valid values: "
            + ", ".join(map(str, SUPPORTED_SIZES))
        )
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}")


def _init():
    # Radford et al. (2015), section 4: all weights from N(0, 0.02).
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _plan(image_size: int) -> tuple[int, int]:
    """Start grid and number of stride-2 upsamplings for the DCGAN-style models.

    28 and 32 px start from an S/4 grid (7 or 8) and upsample twice; 64 px
    starts from 8x8 and upsamples three times.
    """
    if image_size == 64:
        return 8, 3
    return image_size // 4, 2


# ----------------------------------------------------------------- seed baseline
def seed_baseline(
    image_size: int = 28, latent_dim: int = 100, spectral_norm: bool = False
) -> tuple[keras.Model, keras.Model]:
    """The original report's GAN (its Fig. 8), reproduced with one fix.

    Generator: ``z`` -> Dense(g*g*128) -> Reshape(g, g, 128) -> BatchNorm ->
    Conv2DTranspose(64, 5, stride 2, SELU) -> BatchNorm ->
    Conv2DTranspose(3, 5, stride 2, tanh), with ``g = S / 4``.
    Discriminator: Conv2D(64, 5, stride 2, LeakyReLU 0.2) -> Dropout 0.4 ->
    Conv2D(128, 5, stride 2, LeakyReLU 0.2) -> Dropout 0.4 -> Flatten ->
    Dense(1, sigmoid). The report trains it with binary cross-entropy on the
    sigmoid probabilities and RMSprop (Keras defaults), which
    :data:`DEFAULTS` keeps.

    Departures from the report, each needed to make it run:

    * The report's generator emits 28x28x**1** images while its discriminator
      expects 32x32x**3**, so the two networks cannot be chained. Here both
      work on ``S x S x 3`` (28x28x3 at the report's size).
    * For 32 and 64 px the generator's starting grid is scaled to ``S / 4``
      (8x8 or 16x16 instead of 7x7); nothing else changes.
    * Keras default weight initialisation, as in the report (no N(0, 0.02)).

    Parameters
    ----------
    image_size : {28, 32, 64}
        Image side in pixels.
    latent_dim : int
        Length of the latent code (the report's ``codings_size = 100``).
    spectral_norm : bool
        Wrap the discriminator's Conv2D/Dense layers in :class:`SpectralNorm`.

    Returns
    -------
    generator, discriminator : keras.Model

    References
    ----------
    .. [1] Mukesh, Joshi & Saraf, "Empowering Biomedical Informatics through the
       Versatility of Generative Adversarial Networks", Chandigarh University
       project report (2023), section 4.1, Fig. 8.
    """
    _check(image_size, latent_dim)
    g = image_size // 4
    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(g * g * 128),
            layers.Reshape((g, g, 128)),
            layers.BatchNormalization(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", activation="selu"),
            layers.BatchNormalization(),
            layers.Conv2DTranspose(3, 5, strides=2, padding="same"),
            layers.Activation("tanh", dtype="float32"),
        ],
        name="seed_baseline_generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input((image_size, image_size, 3)),
            _sn(layers.Conv2D(64, 5, strides=2, padding="same"), spectral_norm),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.4),
            _sn(layers.Conv2D(128, 5, strides=2, padding="same"), spectral_norm),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.4),
            layers.Flatten(),
            _sn(layers.Dense(1), spectral_norm),
            layers.Activation("sigmoid", dtype="float32"),
        ],
        name="seed_baseline_discriminator",
    )
    return generator, discriminator


# ------------------------------------------------------------------------ DCGAN
def _batch_norm(x, label=None, num_classes: int = NUM_CLASSES):
    """BatchNorm, class-conditional (:class:`ClassAffine`) when ``label`` is given."""
    if label is None:
        return layers.BatchNormalization()(x)
    x = layers.BatchNormalization(center=False, scale=False)(x)
    return ClassAffine(num_classes)([x, label])


def _dcgan_generator_body(x, image_size: int, name: str, label=None, num_classes=NUM_CLASSES):
    """Project-and-reshape, then stride-2 transposed convolutions (Radford et al.).

    With ``label``, every batch norm is conditional (:class:`ClassAffine`).
    """
    g, n_up = _plan(image_size)
    width = 64 * 2**n_up  # 256 channels at 28/32 px, 512 at 64 px
    x = layers.Dense(g * g * width, use_bias=False, kernel_initializer=_init())(x)
    x = layers.Reshape((g, g, width))(x)
    x = _batch_norm(x, label, num_classes)
    x = layers.ReLU()(x)
    for i in range(n_up - 1):
        x = layers.Conv2DTranspose(
            width // 2 ** (i + 1),
            5,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_init(),
        )(x)
        x = _batch_norm(x, label, num_classes)
        x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(3, 5, strides=2, padding="same", kernel_initializer=_init())(x)
    return layers.Activation("tanh", dtype="float32", name=f"{name}_image")(x)


def _conv_features(x, image_size: int, norm: str | None, spectral_norm: bool = False):
    """Stride-2 convolutions with LeakyReLU 0.2; ``norm`` on all but the first."""
    _, n_down = _plan(image_size)
    for i in range(n_down):
        conv = layers.Conv2D(
            64 * 2**i,
            5,
            strides=2,
            padding="same",
            use_bias=(i == 0 or norm is None),
            kernel_initializer=_init(),
        )
        x = _sn(conv, spectral_norm)(x)
        if i > 0 and norm == "batch":
            x = layers.BatchNormalization()(x)
        elif i > 0 and norm == "layer":
            x = layers.LayerNormalization(axis=[1, 2, 3])(x)
        x = layers.LeakyReLU(0.2)(x)
    return layers.Flatten()(x)


def dcgan(
    image_size: int = 28, latent_dim: int = 100, spectral_norm: bool = False
) -> tuple[keras.Model, keras.Model]:
    """Deep convolutional GAN following Radford, Metz & Chintala (2015).

    The architecture guidelines of the paper (its section 3), applied at 28,
    32 and 64 px: no pooling (stride-2 convolutions in D, stride-2 transposed
    convolutions in G), BatchNorm in both networks except the generator's
    output layer and the discriminator's input layer, ReLU in G with a
    ``tanh`` output, LeakyReLU(0.2) in D, no fully connected hidden layers
    (only the projection of ``z`` and the final linear output), and weights
    from N(0, 0.02). Default training: Adam, learning rate 2e-4,
    beta_1 = 0.5, non-saturating loss.

    Shapes: G projects ``z`` to an S/4 grid with 256 channels (28, 32 px) or
    an 8x8 grid with 512 channels (64 px) and halves the channels at each
    upsampling; D mirrors it (64, 128[, 256] channels) and ends in one linear
    logit.

    Parameters
    ----------
    image_size : {28, 32, 64}
    latent_dim : int
    spectral_norm : bool
        Wrap the discriminator's Conv2D/Dense layers in :class:`SpectralNorm`
        (its BatchNorm stays).

    Returns
    -------
    generator, discriminator : keras.Model

    References
    ----------
    .. [1] A. Radford, L. Metz, S. Chintala, "Unsupervised Representation
       Learning with Deep Convolutional Generative Adversarial Networks",
       arXiv:1511.06434 (2015).
    """
    _check(image_size, latent_dim)
    z = keras.Input((latent_dim,), name="z")
    generator = keras.Model(z, _dcgan_generator_body(z, image_size, "g"), name="dcgan_generator")
    image = keras.Input((image_size, image_size, 3), name="image")
    logit = _sn(
        layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="logit"), spectral_norm
    )(_conv_features(image, image_size, norm="batch", spectral_norm=spectral_norm))
    discriminator = keras.Model(image, logit, name="dcgan_discriminator")
    return generator, discriminator


# ----------------------------------------------------------------------- cDCGAN
class _Projection(layers.Layer):
    """``<embed(y), phi(x)>``: the class term of a projection discriminator."""

    def __init__(self, num_classes: int, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes

    def build(self, input_shape):
        features_shape, _ = input_shape
        self.embedding = self.add_weight(
            shape=(self.num_classes, features_shape[-1]),
            initializer=_init(),
            name="class_embedding",
        )

    def call(self, inputs):
        features, label = inputs
        label = keras.ops.reshape(keras.ops.cast(label, "int32"), (-1,))
        embedded = keras.ops.take(self.embedding, label, axis=0)
        embedded = keras.ops.cast(embedded, features.dtype)
        return keras.ops.sum(embedded * features, axis=-1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def cdcgan(
    image_size: int = 28,
    latent_dim: int = 100,
    num_classes: int = NUM_CLASSES,
    spectral_norm: bool = False,
    conditional_bn: bool = False,
) -> tuple[keras.Model, keras.Model]:
    """Class-conditional DCGAN: label embedding in G, projection discriminator.

    The generator is the :func:`dcgan` generator fed with ``z`` concatenated
    with a learned 50-d embedding of the class label (the conditioning of
    Mirza & Osindero, 2014). The discriminator is the :func:`dcgan`
    discriminator turned into a *projection discriminator* (Miyato & Koyama,
    2018): ``D(x, y) = psi(phi(x)) + <e_y, phi(x)>``, with ``phi`` the
    convolutional features, ``psi`` a linear unconditional logit and ``e_y`` a
    learned class embedding.

    Why projection rather than concatenating the label to D's input: the
    projection form follows from writing the optimal discriminator as a
    log-density ratio of a conditional model, so the class enters as an inner
    product with the image features; Miyato & Koyama report clearly better
    class-conditional sample quality than input concatenation (ImageNet), and
    it adds only ``num_classes x features`` weights instead of seven constant
    input planes. That matters here because rare classes (115
    dermatofibroma images in HAM10000) give few gradient signals for an
    input-level label. On the generator side an embedding concatenated to
    ``z`` is the simplest conditioning that works with the DCGAN generator.

    Parameters
    ----------
    image_size : {28, 32, 64}
    latent_dim : int
    num_classes : int
        Number of classes (7 for HAM10000, in :data:`gan_study.data.CLASS_NAMES` order).
    spectral_norm : bool
        Wrap the discriminator's Conv2D/Dense layers in :class:`SpectralNorm`
        (the class embedding of the projection is not normalised).
    conditional_bn : bool
        Also condition every batch norm of the generator on the class
        (:class:`ClassAffine`: a learned gain and bias per class and channel,
        as in the generator of Miyato & Koyama), so the label reaches every
        layer instead of entering once with ``z``.

    Returns
    -------
    generator : keras.Model
        Inputs ``[z (batch, latent_dim), label (batch,) int]``.
    discriminator : keras.Model
        Inputs ``[image (batch, S, S, 3), label (batch,) int]``; returns logits.

    References
    ----------
    .. [1] M. Mirza, S. Osindero, "Conditional Generative Adversarial Nets",
       arXiv:1411.1784 (2014).
    .. [2] T. Miyato, M. Koyama, "cGANs with Projection Discriminator",
       ICLR 2018, arXiv:1802.05637.
    .. [3] A. Radford, L. Metz, S. Chintala, arXiv:1511.06434 (2015).
    .. [4] H. de Vries, F. Strub, J. Mary, H. Larochelle, O. Pietquin,
       A. Courville, "Modulating early visual processing by language",
       NeurIPS 2017, arXiv:1707.00683.
    """
    _check(image_size, latent_dim)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, 50)(label)
    h = layers.Concatenate()([z, embedded])
    body = _dcgan_generator_body(h, image_size, "g", label if conditional_bn else None, num_classes)
    generator = keras.Model([z, label], body, name="cdcgan_generator")

    image = keras.Input((image_size, image_size, 3), name="image")
    d_label = keras.Input((), dtype="int32", name="label")
    features = _conv_features(image, image_size, norm="batch", spectral_norm=spectral_norm)
    features = layers.Activation("linear", dtype="float32")(features)
    unconditional = _sn(
        layers.Dense(1, kernel_initializer=_init(), dtype="float32"), spectral_norm
    )(features)
    projection = _Projection(num_classes, dtype="float32")([features, d_label])
    logit = layers.Add(dtype="float32", name="logit")([unconditional, projection])
    discriminator = keras.Model([image, d_label], logit, name="cdcgan_discriminator")
    return generator, discriminator


# ---------------------------------------------------------------------- WGAN-GP
def wgan_gp(
    image_size: int = 28, latent_dim: int = 100, spectral_norm: bool = False
) -> tuple[keras.Model, keras.Model]:
    """Wasserstein GAN with gradient penalty (Gulrajani et al., 2017).

    The generator is the :func:`dcgan` generator. The critic is the DCGAN
    discriminator with BatchNorm replaced by layer normalisation over each
    sample's feature map: the gradient penalty is defined per sample, and
    batch normalisation makes a sample's critic score depend on the other
    samples of the batch (section 4 of the paper recommends layer
    normalisation as the drop-in replacement). Its output is an unbounded
    critic score. Default training: Wasserstein loss with gradient penalty
    weight 10, 5 critic updates per generator update, Adam with learning
    rate 1e-4 and betas (0, 0.9) (the paper's Algorithm 1).

    Parameters
    ----------
    image_size : {28, 32, 64}
    latent_dim : int
    spectral_norm : bool
        Wrap the critic's Conv2D/Dense layers in :class:`SpectralNorm`.

    Returns
    -------
    generator, critic : keras.Model

    References
    ----------
    .. [1] I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville,
       "Improved Training of Wasserstein GANs", NeurIPS 2017, arXiv:1704.00028.
    """
    _check(image_size, latent_dim)
    z = keras.Input((latent_dim,), name="z")
    generator = keras.Model(z, _dcgan_generator_body(z, image_size, "g"), name="wgan_gp_generator")
    image = keras.Input((image_size, image_size, 3), name="image")
    score = _sn(
        layers.Dense(1, kernel_initializer=_init(), dtype="float32", name="critic_score"),
        spectral_norm,
    )(_conv_features(image, image_size, norm="layer", spectral_norm=spectral_norm))
    critic = keras.Model(image, score, name="wgan_gp_critic")
    return generator, critic


_BUILDERS = {"seed_baseline": seed_baseline, "dcgan": dcgan, "cdcgan": cdcgan, "wgan_gp": wgan_gp}


def build(
    name: str,
    image_size: int = 28,
    latent_dim: int = 100,
    num_classes: int = NUM_CLASSES,
    spectral_norm: bool = False,
    conditional_bn: bool = False,
) -> GAN:
    """Build an untrained GAN by name, with its paper's training defaults.

    Parameters
    ----------
    name : {"seed_baseline", "dcgan", "cdcgan", "wgan_gp"}
    image_size : {28, 32, 64}
    latent_dim : int
    num_classes : int
        Used by the conditional model only.
    spectral_norm : bool
        Spectral normalisation (:class:`SpectralNorm`) of every Conv2D and
        Dense kernel of the discriminator. The architecture is otherwise
        unchanged: the DCGAN-style discriminators keep their BatchNorm (the
        SN-GAN discriminators of Miyato et al. have none; BatchNorm after a
        normalised convolution rescales its output again, so the network as a
        whole is not 1-Lipschitz, only each kernel is normalised).
    conditional_bn : bool
        Class-conditional batch norm in the generator (conditional models only).

    Returns
    -------
    GAN

    Raises
    ------
    ValueError
        For an unknown name or unsupported image size (the message lists the valid values).
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(ARCHITECTURES)}")
    if name == "cdcgan":
        generator, discriminator = cdcgan(
            image_size, latent_dim, num_classes, spectral_norm, conditional_bn
        )
    elif conditional_bn:
        raise ValueError(f"conditional_bn needs a conditional model (cdcgan), not {name!r}")
    else:
        generator, discriminator = _BUILDERS[name](image_size, latent_dim, spectral_norm)
    return GAN(
        generator=generator,
        discriminator=discriminator,
        name=name,
        latent_dim=latent_dim,
        image_size=image_size,
        num_classes=num_classes,
        **DEFAULTS[name],
    )


def from_config(config) -> GAN:
    """Build the untrained GAN of a run configuration.

    Parameters
    ----------
    config : gan_study.config.TrainConfig
        Read for ``model``, ``image_size``, ``latent_dim`` and the network
        options ``spectral_norm`` and ``conditional_bn``; the rest of the
        configuration is the trainer's.

    Returns
    -------
    GAN
    """
    return build(
        config.model,
        config.image_size,
        config.latent_dim,
        spectral_norm=config.spectral_norm,
        conditional_bn=config.conditional_bn,
    )
