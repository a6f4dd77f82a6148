"""The one definition of a training run's configuration: :class:`TrainConfig`.

Every parameter that changes what a run computes is a field here, so that a
run directory's name (:meth:`TrainConfig.run_name`) and its ``config.json``
identify the run completely: equal parameters give the same directory and the
finished run is reused. Fields left at ``None`` take the default of the chosen
model's paper (see :data:`gan_study.models.DEFAULTS`); :meth:`TrainConfig.resolved`
fills them in, and the run directory is named after the resolved values, so
``TrainConfig(model="dcgan")`` and ``TrainConfig(model="dcgan", lr_g=2e-4)``
are the same run.

The fields of the faster-converging recipe (DiffAugment, hinge loss,
spectral normalisation, R1, EMA start, learning-rate warm-up) and the EMA
snapshots of a learning curve (see
:data:`RECIPE_FIELDS`) are off by default and leave the hash of
:meth:`TrainConfig.run_name` untouched while they are: a configuration that
does not use them keeps the run directory it had before they existed.

:meth:`TrainConfig.validate` rejects a bad configuration before any work is
done, with the valid values in the message. TensorFlow is imported only when
a configuration is resolved or validated (through :mod:`gan_study.models`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, fields

from gan_study.data import SOURCES, SPLITS

LOSSES = ("minimax", "nonsaturating", "wgan-gp", "hinge")
OPTIMIZERS = ("adam", "rmsprop")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
RECIPE_FIELDS = {
    "diffaugment": None,
    "spectral_norm": False,
    "r1_weight": 0.0,
    "ema_start": 0,
    "lr_warmup": 0,
    "snapshot_every": 0,
    "class_balance": 0.0,
    "conditional_bn": False,
    "devices": 1,
}
"""Fields added after the first study runs, with their (off) defaults. At
these values they are left out of :meth:`TrainConfig.run_name`'s hash, so
older run directories keep their names."""


@dataclass(frozen=True)
class TrainConfig:
    """Every parameter of one GAN training run.

    Parameters
    ----------
    model : {"seed_baseline", "dcgan", "cdcgan", "wgan_gp"}
        Architecture (:func:`gan_study.models.build`).
    epochs : int
        Passes over the training images.
    batch_size : int
        Real images per discriminator update (Radford et al. used 128).
    seed : int
        Seeds weights, latent codes, dropout and the data order.
    image_size : {28, 32, 64}
        Side of the square RGB images.
    latent_dim : int
        Length of the latent code (100 in the report and in Radford et al.).
    loss : {"minimax", "nonsaturating", "wgan-gp", "hinge"}, optional
        Adversarial loss; ``None``: the model's default. ``minimax`` is the
        saturating loss of Goodfellow et al. (2014) (G minimises
        ``log(1 - D(G(z)))``), ``nonsaturating`` its practical variant (G
        maximises ``log D(G(z))``), ``wgan-gp`` the Wasserstein loss with
        gradient penalty (needs a model with a linear output), ``hinge`` the
        hinge loss of Lim & Ye (2017) and Miyato et al. (2018) (D minimises
        ``relu(1 - D(x)) + relu(1 + D(G(z)))``, G minimises ``-D(G(z))``;
        needs a model with a linear output).
    optimizer : {"adam", "rmsprop"}, optional
        ``None``: the model's default.
    lr_g, lr_d : float, optional
        Learning rates of generator and discriminator; ``None``: model default.
    beta_1, beta_2 : float, optional
        Adam moment decay rates; ``None``: model default (ignored by RMSprop).
    n_critic : int, optional
        Discriminator updates per generator update; ``None``: 5 for
        ``wgan-gp``, else 1.
    gp_weight : float
        Gradient-penalty weight lambda (Gulrajani et al. 2017: 10); used by ``wgan-gp``.
    label_smoothing : float
        One-sided label smoothing (Salimans et al. 2016): real targets become
        ``1 - label_smoothing``; 0 disables it. Not used by ``wgan-gp``.
    ema_decay : float
        Decay of the exponential moving average of the generator weights
        (``generator_ema.keras``); 0 makes the EMA generator a copy.
    ema_start : int
        Generator updates during which the EMA generator just copies the
        generator; the average (with its warm-up) starts after them. 0: from
        the first update.
    diffaugment : str, optional
        DiffAugment policy (Zhao et al. 2020): comma-separated transforms
        from ``color``, ``translation``, ``cutout`` (the paper's:
        ``color,translation,cutout``), applied to every real and generated
        image the discriminator sees, in both updates. ``None``: off.
    spectral_norm : bool
        Spectral normalisation (Miyato et al. 2018) of every Conv2D and Dense
        kernel of the discriminator; its BatchNorm, if any, stays.
    r1_weight : float
        R1 penalty weight gamma (Mescheder et al. 2018): adds
        ``gamma / 2 * mean ||grad_x D(x)||^2`` at the real images to the
        discriminator loss; 0 disables it. For the minimax, nonsaturating and
        hinge losses of models with a linear output (typical gamma: 0.1 to 10).
    lr_warmup : int
        Linear warm-up of both learning rates over this many discriminator
        updates (the rate of update ``k`` is ``lr * min(1, k / lr_warmup)``);
        0: off.
    checkpoint_every : int
        Write a resumable checkpoint every this many epochs (and after the last).
    snapshot_every : int
        Keep the EMA generator's weights every this many epochs, as
        ``snapshots/epoch_NNN.npz`` (:func:`gan_study.training.snapshots`), so
        that the run's learning curve can be measured afterwards
        (:func:`gan_study.evaluation.learning_curve`); 0: none. Snapshots do not
        change the training, but a run with them is another run directory.
    class_balance : float
        Conditional models only: draw each epoch's real images with
        probability proportional to ``n_c ** -class_balance`` (``n_c``: the
        images of their class; :func:`gan_study.data.epoch_batches`), so the
        rare diagnoses are seen more often; 1: every class equally often,
        0 (default): every image once per epoch.
    conditional_bn : bool
        Conditional models only: every batch norm of the generator takes a
        learned gain and bias per class (:class:`gan_study.models.ClassAffine`,
        de Vries et al. 2017), as well as the label embedding joined to ``z``.
    devices : int
        Train on this many replicas with ``tf.distribute``
        (:func:`gan_study.distribute.strategy`): 1 (default) trains on one
        device without a strategy; more uses ``MirroredStrategy`` over the
        first ``devices`` GPUs (or as many logical CPU devices when there is
        no GPU), or ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` is set
        (then the replicas of all workers together). ``batch_size`` stays the
        global batch, split evenly between the replicas, so it must be a
        multiple of ``devices``; the learning rates are those of that global
        batch, and the same configuration on 1 or N replicas computes the
        same updates up to rounding.
    source : {"ham10000", "dermamnist"}
        Data source (:func:`gan_study.data.load`).
    split : {"lesion", "dermamnist"}, optional
        Data split; ``None``: ``lesion`` for HAM10000, ``dermamnist`` for the official arrays.
    max_train_images : int, optional
        Train on this many images only (``None``: all): the first
        ``max_train_images`` of a fixed permutation (seed 0, independent of
        ``seed``), so smaller subsets are nested in larger ones.
    mixed_precision : {"float32", "mixed_float16", "mixed_bfloat16"}
        Keras dtype policy while building and training the models.
    """

    model: str = "dcgan"
    epochs: int = 30
    batch_size: int = 128
    seed: int = 0
    image_size: int = 28
    latent_dim: int = 100
    loss: str | None = None
    optimizer: str | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    beta_1: float | None = None
    beta_2: float | None = None
    n_critic: int | None = None
    gp_weight: float = 10.0
    label_smoothing: float = 0.0
    ema_decay: float = 0.999
    checkpoint_every: int = 1
    source: str = "ham10000"
    split: str | None = None
    max_train_images: int | None = None
    mixed_precision: str = "float32"
    ema_start: int = 0
    diffaugment: str | None = None
    spectral_norm: bool = False
    r1_weight: float = 0.0
    lr_warmup: int = 0
    snapshot_every: int = 0
    class_balance: float = 0.0
    conditional_bn: bool = False
    devices: int = 1

    # ------------------------------------------------------------ defaults
    def resolved(self) -> TrainConfig:
        """A copy with every ``None`` replaced by the model's paper default.

        Raises
        ------
        ValueError
            For an unknown model (the message lists the valid models).
        """
        from gan_study.models import ARCHITECTURES, DEFAULTS

        if self.model not in ARCHITECTURES:
            raise ValueError(
                f"unknown model {self.model!r}; valid models: {', '.join(ARCHITECTURES)}"
            )
        d = DEFAULTS[self.model]
        loss = self.loss if self.loss is not None else d["loss"]
        n_critic = self.n_critic
        if n_critic is None:
            n_critic = 5 if loss == "wgan-gp" else 1
        split = self.split
        if split is None:
            split = "lesion" if self.source == "ham10000" else "dermamnist"
        return dataclasses.replace(
            self,
            loss=loss,
            optimizer=self.optimizer if self.optimizer is not None else d["optimizer"],
            lr_g=self.lr_g if self.lr_g is not None else d["lr_g"],
            lr_d=self.lr_d if self.lr_d is not None else d["lr_d"],
            beta_1=self.beta_1 if self.beta_1 is not None else d["beta_1"],
            beta_2=self.beta_2 if self.beta_2 is not None else d["beta_2"],
            n_critic=n_critic,
            split=split,
        )

    # ---------------------------------------------------------- validation
    def validate(self, n_train: int | None = None) -> TrainConfig:
        """Check every field; return the resolved configuration.

        Parameters
        ----------
        n_train : int, optional
            Number of training images, once known: the batch must fit in it.

        Returns
        -------
        TrainConfig
            :meth:`resolved` (no ``None`` left except ``max_train_images``).

        Raises
        ------
        ValueError
            Naming the bad field and listing its valid values.
        """
        from gan_study.models import ARCHITECTURES, DEFAULTS, SUPPORTED_SIZES

        c = self.resolved()
        _choice("loss", c.loss, LOSSES)
        _choice("optimizer", c.optimizer, OPTIMIZERS)
        _choice("image_size", c.image_size, SUPPORTED_SIZES)
        _choice("mixed_precision", c.mixed_precision, PRECISIONS)
        _choice("source", c.source, SOURCES)
        _choice("split", c.split, SPLITS)
        if c.source == "dermamnist" and c.split != "dermamnist":
            raise ValueError("source='dermamnist' has only split='dermamnist'")
        for name in ("epochs", "batch_size", "latent_dim", "n_critic", "checkpoint_every"):
            _positive_int(name, getattr(c, name))
        _int("seed", c.seed)
        if c.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {c.seed}")
        for name in ("lr_g", "lr_d"):
            value = _number(name, getattr(c, name))
            if not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value}")
        for name in ("beta_1", "beta_2", "ema_decay"):
            value = _number(name, getattr(c, name))
            if not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if not 0 <= _number("label_smoothing", c.label_smoothing) < 0.5:
            raise ValueError(f"label_smoothing must be in [0, 0.5), got {c.label_smoothing}")
        if not _number("gp_weight", c.gp_weight) >= 0:
            raise ValueError(f"gp_weight must be a non-negative number, got {c.gp_weight}")
        if c.loss == "wgan-gp" and DEFAULTS[c.model]["output"] != "logit":
            valid = [m for m in ARCHITECTURES if DEFAULTS[m]["output"] == "logit"]
            raise ValueError(
                f"loss 'wgan-gp' needs an unbounded critic output, but {c.model!r} ends in a "
                f"sigmoid; use one of the models {', '.join(valid)} or the losses minimax, "
                "nonsaturating"
            )
        if c.label_smoothing and c.loss in ("wgan-gp", "hinge"):
            raise ValueError("label_smoothing applies to the minimax/nonsaturating losses only")
        c._validate_recipe()
        if c.max_train_images is not None:
            _positive_int("max_train_images", c.max_train_images)
        if n_train is not None:
            available = min(n_train, c.max_train_images or n_train)
            if c.batch_size > available:
                raise ValueError(
                    f"batch_size {c.batch_size} is larger than the training set "
                    f"({available} images); valid values: 1 to {available}"
                )
        return c

    def _validate_recipe(self) -> None:
        """Check the fields of :data:`RECIPE_FIELDS` and the hinge loss (resolved config)."""
        from gan_study.models import ARCHITECTURES, DEFAULTS

        logit = [m for m in ARCHITECTURES if DEFAULTS[m]["output"] == "logit"]
        if self.loss == "hinge" and DEFAULTS[self.model]["output"] != "logit":
            raise ValueError(
                f"loss 'hinge' needs an unbounded discriminator output, but {self.model!r} ends "
                f"in a sigmoid; use one of the models {', '.join(logit)} or the losses minimax, "
                "nonsaturating"
            )
        if self.diffaugment is not None:
            from gan_study.diffaugment import parse_policy

            parse_policy(self.diffaugment)
        if not isinstance(self.spectral_norm, bool):
            raise ValueError(
                f"spectral_norm must be a bool (valid values: True, False), "
                f"got {self.spectral_norm!r}"
            )
        if not _number("r1_weight", self.r1_weight) >= 0:
            raise ValueError(f"r1_weight must be a non-negative number, got {self.r1_weight}")
        if self.r1_weight and self.loss not in ("minimax", "nonsaturating", "hinge"):
            raise ValueError(
                f"r1_weight applies to the losses minimax, nonsaturating, hinge only, "
                f"not {self.loss!r} (which has its own gradient penalty, gp_weight)"
            )
        if self.r1_weight and DEFAULTS[self.model]["output"] != "logit":
            raise ValueError(
                f"r1_weight needs a discriminator with an unbounded (logit) output, but "
                f"{self.model!r} ends in a sigmoid; use one of the models {', '.join(logit)}"
            )
        balance = _number("class_balance", self.class_balance)
        if not 0.0 <= balance <= 1.0:
            raise ValueError(f"class_balance must be between 0 and 1, got {self.class_balance}")
        if balance and not DEFAULTS[self.model]["conditional"]:
            conditional = [m for m in ARCHITECTURES if DEFAULTS[m]["conditional"]]
            raise ValueError(
                f"class_balance reweights the classes a conditional generator is asked for; "
                f"{self.model!r} takes no labels (use {', '.join(conditional)})"
            )
        if not isinstance(self.conditional_bn, bool):
            raise ValueError(
                f"conditional_bn must be a bool (valid values: True, False), "
                f"got {self.conditional_bn!r}"
            )
        if self.conditional_bn and not DEFAULTS[self.model]["conditional"]:
            conditional = [m for m in ARCHITECTURES if DEFAULTS[m]["conditional"]]
            raise ValueError(
                f"conditional_bn conditions the generator's batch norms on the class; "
                f"{self.model!r} takes no labels (use {', '.join(conditional)})"
            )
        self._validate_devices()
        for name in ("ema_start", "lr_warmup", "snapshot_every"):
            if _int(name, getattr(self, name)) < 0:
                raise ValueError(
                    f"{name} must be a non-negative integer (0 = off), got {getattr(self, name)}"
                )

    def _validate_devices(self) -> None:
        """Check ``devices`` against the global batch and the model."""
        _positive_int("devices", self.devices)
        if self.devices == 1:
            return
        if self.batch_size % self.devices:
            lower = self.batch_size - self.batch_size % self.devices
            near = " or ".join(
                str(b) for b in sorted({max(lower, self.devices), lower + self.devices})
            )
            raise ValueError(
                f"batch_size {self.batch_size} does not split evenly over devices={self.devices} "
                f"replicas (batch_size is the global batch, the sum over the replicas); use a "
                f"multiple of {self.devices}, e.g. {near}"
            )
        if self.model == "seed_baseline":
            raise ValueError(
                "seed_baseline's discriminator has Dropout, whose masks Keras draws inside "
                "each replica from the layer's own seed, so every replica's share would get "
                f"the same masks; train seed_baseline with devices=1, not {self.devices}"
            )

    # ------------------------------------------------------------ identity
    def to_dict(self) -> dict:
        """Every field as a JSON-ready dict (in field order)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are rejected.

        Raises
        ------
        ValueError
            When ``d`` holds keys that are not fields (listing the valid ones).
        """
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise ValueError(
                f"unknown TrainConfig field(s) {', '.join(unknown)}; valid fields: {', '.join(names)}"
            )
        return cls(**d)

    def run_name(self) -> str:
        """A readable directory name plus a hash of every resolved parameter.

        For example ``dcgan-28px-seed0-f134a446``: equal parameters (after
        filling in the model defaults) give the same name. Fields of
        :data:`RECIPE_FIELDS` at their default (off) values are not hashed,
        so the names of configurations that do not use them are those from
        before the fields existed.
        """
        c = self.resolved()
        d = {
            k: v
            for k, v in c.to_dict().items()
            if not (k in RECIPE_FIELDS and _same(v, RECIPE_FIELDS[k]))
        }
        blob = json.dumps(d, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(blob.encode()).hexdigest()[:8]
        return f"{c.model}-{c.image_size}px-seed{c.seed}-{digest}"


def _same(value, default) -> bool:
    """``value == default`` of the same kind (``False`` is not ``0``; ``0`` is ``0.0``)."""
    return isinstance(value, bool) == isinstance(default, bool) and value == default


def _choice(name: str, value, valid: tuple) -> None:
    if value not in valid:
        raise ValueError(
            f"unsupported {name} {value!r}; valid values: {', '.join(map(str, valid))}"
        )


def _int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


def _positive_int(name: str, value) -> int:
    _int(name, value)
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more), got {value}")
    return value


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


#: The fields a :class:`RunGrid` sets itself; its ``recipe`` holds any other.
_GRID_FIELDS = (
    "model",
    "seed",
    "epochs",
    "batch_size",
    "image_size",
    "source",
    "split",
    "max_train_images",
    "snapshot_every",
)


def _check_recipe_fields(recipe: dict, where: str) -> None:
    """Refuse a recipe entry that names no :class:`TrainConfig` field or one the grid sets."""
    names = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(recipe) - names)
    if unknown:
        raise ValueError(
            f"{where} sets unknown TrainConfig field(s) {', '.join(unknown)}; "
            f"valid: {', '.join(sorted(names - set(_GRID_FIELDS)))}, or a model name "
            "mapping to fields for that model alone"
        )
    fixed = sorted(set(recipe) & set(_GRID_FIELDS))
    if fixed:
        raise ValueError(
            f"{where} sets {', '.join(fixed)}, which the run grid sets itself: "
            "use gan_models, gan_seeds, gan_epochs, gan_batch_size, image_size, "
            "source, split, gan_max_train_images or gan_snapshot_every"
        )


#: Each :class:`RunGrid` field and the shared parameter (``gan_runs`` of
#: :data:`gan_study.profiles.SHARED`) that sets it in the chapters.
GRID_PARAMETERS = {
    "models": "gan_models",
    "seeds": "gan_seeds",
    "epochs": "gan_epochs",
    "batch_size": "gan_batch_size",
    "image_size": "image_size",
    "source": "source",
    "split": "split",
    "max_train_images": "gan_max_train_images",
    "snapshot_every": "gan_snapshot_every",
    "recipe": "gan_recipe",
}


@dataclass(frozen=True)
class RunGrid:
    """The study's reference GAN runs: every model trained with every seed, alike.

    Chapters 3, 4, 6 and 7 use the same runs. They are defined once, by the
    ``gan_runs`` group of :data:`gan_study.profiles.SHARED`, and each of those
    chapters builds this object from its parameters, so that an override
    (``gan-study book -p gan_epochs 16``) changes the runs of every chapter
    together and no chapter trains a variant of its own.

    Parameters
    ----------
    models : tuple of str
        Architectures (:func:`gan_study.models.build`), each trained with every seed.
    seeds : tuple of int
        Training seeds; the first is the seed of the runs that chapter 3
        shows and chapters 6 and 7 reuse.
    epochs, batch_size, image_size, source, split, max_train_images, snapshot_every
        The :class:`TrainConfig` fields of the same names, the same for every run
        (``snapshot_every``: the EMA snapshots of the learning curves in chapter 4).
    recipe : dict
        Any other :class:`TrainConfig` fields. A field name applies to every
        model (``{"diffaugment": "color,translation,cutout"}``); a model name
        maps to fields for that model alone and overrides the common ones
        (``{"cdcgan": {"class_balance": 1.0}}``), and is ignored while that
        model is not among ``models``. Empty: each model's paper defaults.
    """

    models: tuple[str, ...]
    seeds: tuple[int, ...]
    epochs: int
    batch_size: int
    image_size: int = 28
    source: str = "ham10000"
    split: str | None = None
    max_train_images: int | None = None
    snapshot_every: int = 0
    recipe: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.models, str) or isinstance(self.seeds, (str, int)):
            raise ValueError(
                f"models and seeds must be lists, got models={self.models!r}, seeds={self.seeds!r}"
            )
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        if not self.models or not self.seeds:
            raise ValueError("a run grid needs at least one model and one seed")
        for kind, values in (("models", self.models), ("seeds", self.seeds)):
            if len(set(values)) != len(values):
                raise ValueError(f"{kind} has duplicates: {list(values)}")
        if not isinstance(self.recipe, dict):
            raise ValueError(f"recipe must be a dict of TrainConfig fields, got {self.recipe!r}")
        from gan_study.models import ARCHITECTURES

        for model in sorted(set(self.recipe) & set(ARCHITECTURES)):
            if not isinstance(self.recipe[model], dict):
                raise ValueError(
                    f"recipe[{model!r}] must be a dict of TrainConfig fields for {model} alone, "
                    f"got {self.recipe[model]!r}"
                )
            _check_recipe_fields(self.recipe[model], f"recipe[{model!r}]")
        _check_recipe_fields(
            {k: v for k, v in self.recipe.items() if k not in ARCHITECTURES}, "recipe"
        )
        for model in self.models:
            for seed in self.seeds:
                self.config(model, seed).validate()  # a bad value fails here, not later

    @classmethod
    def from_parameters(cls, params, **changes) -> RunGrid:
        """The grid that a chapter's shared parameters define (see :data:`GRID_PARAMETERS`).

        ``params`` maps the ``gan_runs`` parameters of
        :data:`gan_study.profiles.SHARED` (``gan_models``, ``gan_epochs``, ...)
        to their values, as a profile gives them to a chapter; ``changes``
        replace fields by their own names (``models=["cdcgan"]``).
        """
        missing = sorted(set(GRID_PARAMETERS.values()) - set(params))
        if missing:
            raise ValueError(f"the run grid needs the parameter(s) {', '.join(missing)}")
        fields_ = {name: params[parameter] for name, parameter in GRID_PARAMETERS.items()}
        return cls(**{**fields_, **changes})

    def train_params(self, model: str) -> dict:
        """The :class:`TrainConfig` fields of ``model``'s runs (all but model and seed)."""
        from gan_study.models import ARCHITECTURES

        common = {name: getattr(self, name) for name in _GRID_FIELDS[2:]}
        shared = {k: v for k, v in self.recipe.items() if k not in ARCHITECTURES}
        return {**common, **shared, **self.recipe.get(model, {})}

    def config(self, model: str, seed: int | None = None) -> TrainConfig:
        """The configuration of one run (``seed`` default: the first seed).

        Raises
        ------
        ValueError
            When ``model`` or ``seed`` is not in the grid: a chapter that needs
            it must not train a run of its own.
        """
        seed = self.seeds[0] if seed is None else seed
        if model not in self.models:
            raise ValueError(
                f"model {model!r} is not among the study's runs (gan_models = {list(self.models)}); "
                f'add it to gan_models, e.g. -p gan_models "{[*self.models, model]}"'
            )
        if seed not in self.seeds:
            raise ValueError(
                f"seed {seed} is not among the study's runs (gan_seeds = {list(self.seeds)})"
            )
        return TrainConfig(model=model, seed=int(seed), **self.train_params(model))

    def configs(
        self, seeds: tuple[int, ...] | None = None, first: tuple[str, ...] = ()
    ) -> list[TrainConfig]:
        """One configuration per (model, seed), model-major; ``seeds`` default: all.

        ``first`` names models whose runs come before the others (in the
        grid's order otherwise): chapter 4 trains the conditional model's
        runs first, because chapter 6, running beside it, needs them.
        """
        models = [m for m in self.models if m in first] + [m for m in self.models if m not in first]
        return [self.config(m, s) for m in models for s in (self.seeds if seeds is None else seeds)]
