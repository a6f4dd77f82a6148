"""TrainConfig: defaults from the papers, validation messages, identity."""

from __future__ import annotations

import dataclasses

import pytest

from gan_study.config import TrainConfig


def test_paper_defaults_are_resolved():
    c = TrainConfig(model="wgan_gp").validate()
    assert (c.loss, c.optimizer, c.lr_g, c.beta_1, c.beta_2, c.n_critic) == (
        "wgan-gp",
        "adam",
        1e-4,
        0.0,
        0.9,
        5,
    )
    c = TrainConfig(model="dcgan").validate()
    assert (c.loss, c.lr_g, c.lr_d, c.beta_1, c.n_critic) == ("nonsaturating", 2e-4, 2e-4, 0.5, 1)
    c = TrainConfig(model="seed_baseline").validate()
    assert c.optimizer == "rmsprop"
    assert c.split == "lesion"


def test_run_name_is_stable_and_uses_resolved_values():
    a = TrainConfig(model="dcgan", seed=3)
    b = TrainConfig(model="dcgan", seed=3, lr_g=2e-4, loss="nonsaturating")
    assert a.run_name() == b.run_name()
    assert a.run_name().startswith("dcgan-28px-seed3-")
    assert a.run_name() != TrainConfig(model="dcgan", seed=4).run_name()
    assert a.run_name() != TrainConfig(model="dcgan", seed=3, epochs=31).run_name()


def test_dict_round_trip_and_unknown_keys():
    c = TrainConfig(model="cdcgan", epochs=3, max_train_images=100)
    assert TrainConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="valid fields: model, epochs"):
        TrainConfig.from_dict({**c.to_dict(), "learning_rate": 1})


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().epochs = 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"epochs": -1}, "epochs must be a positive integer"),
        ({"epochs": 2.5}, "epochs must be an integer"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"model": "gan"}, "valid models: seed_baseline, dcgan, cdcgan, wgan_gp"),
        ({"loss": "lsgan"}, "valid values: minimax, nonsaturating, wgan-gp, hinge"),
        ({"model": "seed_baseline", "loss": "hinge"}, "'hinge' needs an unbounded"),
        ({"loss": "hinge", "label_smoothing": 0.1}, "label_smoothing applies"),
        ({"diffaugment": "colour"}, "valid values: color, translation, cutout"),
        ({"diffaugment": "color, cutout"}, "valid values: color, translation, cutout"),
        ({"diffaugment": ""}, "or None to disable it"),
        ({"diffaugment": "cutout,cutout"}, "names a transform twice"),
        ({"spectral_norm": 1}, r"spectral_norm must be a bool \(valid values: True, False\)"),
        ({"model": "cdcgan", "conditional_bn": 1}, "conditional_bn must be a bool"),
        ({"model": "dcgan", "conditional_bn": True}, "'dcgan' takes no labels"),
        ({"r1_weight": -1.0}, "r1_weight must be a non-negative number"),
        ({"r1_weight": float("inf")}, "r1_weight must be a finite number"),
        ({"model": "wgan_gp", "r1_weight": 1.0}, "r1_weight applies to the losses minimax"),
        ({"model": "seed_baseline", "r1_weight": 1.0}, "r1_weight needs a discriminator"),
        ({"ema_start": -1}, "ema_start must be a non-negative integer"),
        ({"ema_start": 1.5}, "ema_start must be an integer"),
        ({"lr_warmup": -5}, "lr_warmup must be a non-negative integer"),
        ({"optimizer": "sgd"}, "valid values: adam, rmsprop"),
        ({"image_size": 48}, "valid values: 28, 32, 64"),
        ({"mixed_precision": "fp16"}, "valid values: float32, mixed_float16, mixed_bfloat16"),
        ({"source": "isic"}, "valid values: ham10000, dermamnist"),
        ({"split": "random"}, "valid values: lesion, dermamnist"),
        ({"lr_g": 0.0}, "lr_g must be a positive number"),
        ({"lr_d": float("nan")}, "lr_d must be a finite number"),
        ({"beta_1": 1.0}, r"beta_1 must be in \[0, 1\)"),
        ({"ema_decay": -0.1}, r"ema_decay must be in \[0, 1\)"),
        ({"label_smoothing": 0.6}, r"label_smoothing must be in \[0, 0.5\)"),
        ({"gp_weight": -1.0}, "gp_weight must be a non-negative"),
        ({"n_critic": 0}, "n_critic must be a positive integer"),
        ({"checkpoint_every": 0}, "checkpoint_every must be a positive integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"latent_dim": 0}, "latent_dim must be a positive integer"),
        ({"max_train_images": 0}, "max_train_images must be a positive integer"),
        ({"model": "seed_baseline", "loss": "wgan-gp"}, "use one of the models dcgan"),
        ({"model": "wgan_gp", "label_smoothing": 0.1}, "label_smoothing applies"),
        ({"source": "dermamnist", "split": "lesion"}, "only split='dermamnist'"),
    ],
)
def test_bad_values_are_rejected_with_valid_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs).validate()


def test_batch_larger_than_training_set():
    with pytest.raises(ValueError, match="valid values: 1 to 100"):
        TrainConfig(batch_size=128).validate(n_train=100)
    with pytest.raises(ValueError, match=r"\(50 images\)"):
        TrainConfig(batch_size=64, max_train_images=50).validate(n_train=100)
    TrainConfig(batch_size=100).validate(n_train=100)


RECIPE = dict(
    diffaugment="color,translation,cutout",
    loss="hinge",
    spectral_norm=True,
    r1_weight=1.0,
    ema_start=10,
    lr_warmup=100,
)


def test_recipe_fields_are_off_by_default():
    c = TrainConfig()
    assert (c.diffaugment, c.spectral_norm, c.r1_weight, c.ema_start, c.lr_warmup) == (
        None,
        False,
        0.0,
        0,
        0,
    )


def test_recipe_fields_at_their_defaults_keep_the_old_run_names():
    # the names of these configurations before the recipe fields existed
    assert TrainConfig().run_name() == "dcgan-28px-seed0-f134a446"
    assert TrainConfig(model="wgan_gp", seed=3).run_name() == "wgan_gp-28px-seed3-0b6f8b34"
    explicit = TrainConfig(model="wgan_gp", seed=3, diffaugment=None, r1_weight=0, lr_warmup=0)
    assert explicit.run_name() == "wgan_gp-28px-seed3-0b6f8b34"


@pytest.mark.parametrize("field", sorted(RECIPE))
def test_each_recipe_field_changes_the_run_name(field):
    base = TrainConfig()
    assert dataclasses.replace(base, **{field: RECIPE[field]}).run_name() != base.run_name()


def test_recipe_validates_and_round_trips():
    c = TrainConfig(**RECIPE).validate()
    assert c.loss == "hinge" and c.n_critic == 1
    assert TrainConfig.from_dict(c.to_dict()) == c
    assert {k: c.to_dict()[k] for k in RECIPE} == RECIPE
    # a config.json written before the fields existed still loads, with them off
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in RECIPE}
    assert TrainConfig.from_dict(old) == TrainConfig()
    for policy in ("color", "translation", "cutout", "cutout,color"):
        TrainConfig(diffaugment=policy).validate()


# ------------------------------------------------------------ the run grid
from gan_study.config import RunGrid  # noqa: E402


def _grid(**kw):
    return RunGrid(
        **{"models": ["dcgan", "cdcgan"], "seeds": [0, 1], "epochs": 2, "batch_size": 16, **kw}
    )


def test_run_grid_makes_the_trainconfigs_of_its_runs():
    grid = _grid(max_train_images=64, recipe={"diffaugment": "color", "lr_warmup": 10})
    assert grid.models == ("dcgan", "cdcgan") and grid.seeds == (0, 1)
    configs = grid.configs()
    assert [(c.model, c.seed) for c in configs] == [
        ("dcgan", 0),
        ("dcgan", 1),
        ("cdcgan", 0),
        ("cdcgan", 1),
    ]
    direct = TrainConfig(
        model="cdcgan",
        seed=0,
        epochs=2,
        batch_size=16,
        max_train_images=64,
        diffaugment="color",
        lr_warmup=10,
    )
    assert grid.config("cdcgan") == direct  # the first seed by default
    assert grid.config("cdcgan").run_name() == direct.run_name()
    assert [c.seed for c in grid.configs(seeds=[1])] == [1, 1]
    assert [(c.model, c.seed) for c in grid.configs(first=("cdcgan",))] == [
        ("cdcgan", 0),
        ("cdcgan", 1),
        ("dcgan", 0),
        ("dcgan", 1),
    ]


def test_a_model_name_in_the_recipe_sets_fields_for_that_model_alone():
    grid = _grid(recipe={"lr_warmup": 10, "cdcgan": {"class_balance": 1.0, "lr_warmup": 20}})
    dcgan, cdcgan = grid.config("dcgan"), grid.config("cdcgan", 1)
    assert (dcgan.lr_warmup, dcgan.class_balance) == (10, 0.0)
    assert (cdcgan.lr_warmup, cdcgan.class_balance, cdcgan.seed) == (20, 1.0, 1)
    assert cdcgan == TrainConfig(
        model="cdcgan", seed=1, epochs=2, batch_size=16, lr_warmup=20, class_balance=1.0
    )
    # an entry for a model outside the grid is kept but trains nothing
    only_dcgan = _grid(models=["dcgan"], recipe={"cdcgan": {"class_balance": 1.0}})
    assert [c.class_balance for c in only_dcgan.configs()] == [0.0, 0.0]


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"models": "dcgan"}, "models and seeds must be lists"),
        ({"models": []}, "at least one model and one seed"),
        ({"seeds": [0, 0]}, r"seeds has duplicates: \[0, 0\]"),
        (
            {"recipe": {"lr_warmpu": 5}},
            "recipe sets unknown TrainConfig field.*lr_warmpu; valid: .*lr_warmup",
        ),
        (
            {"recipe": {"epochs": 5}},
            "recipe sets epochs, which the run grid sets itself.*gan_epochs",
        ),
        ({"recipe": "hinge"}, "recipe must be a dict"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"recipe": {"lr_warmup": -1}}, "lr_warmup must be a non-negative integer"),
        ({"recipe": {"cdcgan": 1.0}}, r"recipe\['cdcgan'\] must be a dict"),
        (
            {"recipe": {"cdcgan": {"clas_balance": 1.0}}},
            r"recipe\['cdcgan'\] sets unknown TrainConfig field.*clas_balance",
        ),
        ({"recipe": {"cdcgan": {"seed": 3}}}, r"recipe\['cdcgan'\] sets seed, which the run grid"),
        # every model's runs are validated when the grid is made, not only the first model's
        ({"recipe": {"class_balance": 1.0}}, "class_balance reweights the classes"),
    ],
)
def test_a_bad_run_grid_is_refused_when_it_is_made(kw, message):
    with pytest.raises(ValueError, match=message):
        _grid(**kw)


def test_a_chapter_cannot_ask_for_a_run_outside_the_grid():
    grid = _grid()
    with pytest.raises(
        ValueError, match=r"model 'wgan_gp' is not among the study's runs.*-p gan_models"
    ):
        grid.config("wgan_gp")
    with pytest.raises(
        ValueError, match=r"seed 5 is not among the study's runs \(gan_seeds = \[0, 1\]\)"
    ):
        grid.config("dcgan", 5)


def test_run_grid_from_the_parameters_a_chapter_gets():
    from gan_study import profiles
    from gan_study.config import RunGrid

    params = profiles.PROFILES["standard"]["04_evaluation"]
    grid = RunGrid.from_parameters(params)
    assert grid.models == tuple(params["gan_models"]) and grid.epochs == params["gan_epochs"]
    assert grid.snapshot_every == params["gan_snapshot_every"]
    assert RunGrid.from_parameters(params, models=["cdcgan"]).models == ("cdcgan",)
    with pytest.raises(ValueError, match="needs the parameter.* gan_epochs"):
        RunGrid.from_parameters({k: v for k, v in params.items() if k != "gan_epochs"})
