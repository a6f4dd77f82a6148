"""The trainer of one GAN: networks, optimisers, EMA generator, RNG and the train step.

:class:`Trainer` holds everything one training step changes, and its
resumable state (:meth:`Trainer.state_variables`, written and read by
:meth:`Trainer.save` and :meth:`Trainer.restore`). :func:`gan_study.training.train`
drives it epoch by epoch; the module docstring there says how one step works
and how a run stays reproducible.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np

from gan_study import distribute, losses, rundir
from gan_study.config import TrainConfig


def sync_batch_norm(model, synchronized: bool) -> None:
    """Make every ``BatchNormalization`` of ``model`` (nested models too) synchronised or not.

    Synchronised, each batch norm computes its batch statistics over the
    global batch, all replicas together (Keras' ``synchronized=True``, an
    all-reduce in replica context), so several replicas normalise as one
    device does. Without a strategy it makes no difference.
    """
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.synchronized = synchronized
        elif hasattr(layer, "layers"):
            sync_batch_norm(layer, synchronized)


# ------------------------------------------------------------ the trainer
class Trainer:
    """Models, optimisers, EMA generator, RNG and the one train step.

    The options of the faster recipe, all off by default (and then not one
    operation or random draw differs from the plain step):

    * ``diffaugment``: the real and the generated batch each go through
      :func:`gan_study.diffaugment.augment` (fresh draws from ``self.rng``)
      before D sees them; the one augmented fake feeds both losses, as in
      the paper's code. With ``wgan-gp`` the gradient penalty interpolates
      between the augmented batches (the images D sees).
    * ``r1_weight``: D's forward pass on the real batch runs inside
      :func:`gan_study.losses.r1_penalty`, which returns both the scores and
      the penalty (the gradient is taken with respect to the un-augmented
      images, through DiffAugment, as in the paper's code); the loss gets
      ``r1_weight / 2 * R1`` and the ``gp`` column reports R1.
    * ``spectral_norm``: built into D by :func:`gan_study.models.from_config`; its
      power-iteration vectors are weights of D, hence checkpointed.
    * ``lr_warmup``: a linear warm-up schedule on each optimiser
      (:meth:`_warmup_schedule`), a function of the optimiser's
      (checkpointed) iteration count.
    * ``ema_start``: see :meth:`_update_ema`.

    With a ``tf.distribute`` strategy of ``N > 1`` replicas
    (``TrainConfig.devices``, :mod:`gan_study.distribute`) the step computes
    what one device computes, up to rounding:

    * models and optimisers are created under the strategy's scope (mirrored
      variables); the RNG outside it, and every random draw of a step (the
      latent batch, DiffAugment's parameters for the real and the generated
      batch, the gradient penalty's weights) is made in cross-replica
      context for the global batch, in the order of the one-device step
      (:meth:`_draw`); each replica takes its rows (:meth:`_share`);
    * each replica's loss is divided by ``N`` (:meth:`_share_of_mean`) and
      the optimisers sum the gradients over the replicas;
    * batch norm is synchronised (:func:`sync_batch_norm`), and the batch-norm
      statistics and power-iteration vectors it writes in the replica step
      are kept equal on every replica
      (:func:`gan_study.distribute.replicated_state`);
    * the reported losses and means are averaged over the replicas, and the
      gradient norms are those of the summed gradients;
    * the EMA generator is updated after the step, in cross-replica context.
    """

    def __init__(self, config: TrainConfig, strategy=None):
        import keras
        import tensorflow as tf

        from gan_study import models

        self.config = c = config
        self.strategy = strategy
        self.replicas = 1 if strategy is None else int(strategy.num_replicas_in_sync)
        scope = contextlib.nullcontext() if strategy is None else strategy.scope()
        with scope:
            with distribute.replicated_state(strategy):
                self.gan = gan = models.from_config(c)
            self.G, self.D = gan.generator, gan.discriminator
            self.G_ema = keras.models.clone_model(self.G)
            self.G_ema.set_weights(self.G.get_weights())
            # G's k-th update comes with D's (k * n_critic)-th: both warm up over D updates
            self.opt_g = self._optimizer(c.lr_g, d_updates_per_update=c.n_critic)
            self.opt_d = self._optimizer(c.lr_d)
            self.opt_g.build(self.G.trainable_variables)
            self.opt_d.build(self.D.trainable_variables)
        if self.replicas > 1:  # batch statistics of the global batch, as on one device
            sync_batch_norm(self.G, True)
            sync_batch_norm(self.D, True)
        # outside the strategy's scope: one generator, drawn from in cross-replica context
        self.rng = tf.random.Generator.from_seed(c.seed)
        self.step = tf.function(self._step)

    def _optimizer(self, lr, d_updates_per_update: int = 1):
        import keras

        c = self.config
        if c.lr_warmup:
            lr = self._warmup_schedule(lr, c.lr_warmup, d_updates_per_update)
        if c.optimizer == "adam":
            opt = keras.optimizers.Adam(lr, beta_1=c.beta_1, beta_2=c.beta_2)
        else:
            opt = keras.optimizers.RMSprop(lr)
        if c.mixed_precision == "mixed_float16":
            opt = keras.optimizers.LossScaleOptimizer(opt)
        return opt

    @staticmethod
    def _warmup_schedule(lr: float, warmup: int, d_updates_per_update: int):
        """``lr * min(1, k / warmup)`` at the optimiser's update that is D's ``k``-th.

        A function of the optimiser's iteration count ``i`` (its ``i + 1``-th
        update is D's ``k = (i + 1) * d_updates_per_update``-th), which the
        checkpoint holds, so a resumed run continues the same schedule.
        """
        import keras
        from keras import ops

        class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step):
                k = (ops.cast(step, "float32") + 1.0) * float(d_updates_per_update)
                return lr * ops.minimum(1.0, k / float(warmup))

            def get_config(self):
                return {"lr": lr, "warmup": warmup, "d_updates_per_update": d_updates_per_update}

        return LinearWarmup()

    # variables that make up the resumable state, in a fixed order
    def state_variables(self) -> dict[str, list]:
        return {
            "g": list(self.G.variables),
            "d": list(self.D.variables),
            "ema": list(self.G_ema.variables),
            "opt_g": list(self.opt_g.variables),
            "opt_d": list(self.opt_d.variables),
            "rng": [self.rng.state],
        }

    def _inputs(self, x, labels):
        return [x, labels] if self.gan.conditional else x

    def _draw(self, batch) -> dict:
        """Every random draw of one step, for the whole (global) batch.

        In the order the step has always used: the latent batch, DiffAugment's
        parameters for the real and then the generated images, then the
        interpolation weights of the gradient penalty (``wgan-gp``).
        """
        c = self.config
        draws = {"z": self.rng.normal((batch, c.latent_dim))}
        if c.diffaugment is not None:
            from gan_study import diffaugment

            size = (c.image_size, c.image_size)
            draws["real"] = diffaugment.draw(batch, size, c.diffaugment, self.rng)
            draws["fake"] = diffaugment.draw(batch, size, c.diffaugment, self.rng)
        if c.loss == "wgan-gp":
            draws["eps"] = self.rng.uniform((batch, 1, 1, 1))
        return draws

    def _augment(self, images, params):
        """DiffAugment with drawn ``params`` when configured, else ``images``."""
        if self.config.diffaugment is None:
            return images
        from gan_study import diffaugment

        return diffaugment.apply(images, self.config.diffaugment, params)

    def _step(self, real, labels, update_g: bool):
        """One discriminator update (and a generator update if ``update_g``), then the EMA.

        The random draws are made here, in cross-replica context, for the
        global batch; with a strategy every replica runs :meth:`_replica_step`
        on its share, and the returned means are averaged over the replicas
        (equal shares: the means of the global batch).
        """
        import tensorflow as tf

        draws = self._draw(tf.shape(real)[0])
        if self.strategy is None:
            out = self._replica_step(real, labels, draws, update_g)
        else:
            per_replica = self.strategy.run(
                lambda: self._replica_step(real, labels, draws, update_g)
            )
            mean = tf.distribute.ReduceOp.MEAN
            out = {k: self.strategy.reduce(mean, v, axis=None) for k, v in per_replica.items()}
        if update_g:
            self._update_ema()
        return out

    def _share(self, tensors):
        """This replica's rows of every tensor in ``tensors`` (global batch first)."""
        import tensorflow as tf

        ctx = tf.distribute.get_replica_context()
        n = tf.shape(tensors[0])[0] // self.replicas
        start = ctx.replica_id_in_sync_group * n
        return tf.nest.map_structure(lambda t: t[start : start + n], tensors)

    def _replica_step(self, real, labels, draws, update_g: bool):
        import tensorflow as tf

        c, gan = self.config, self.gan
        if self.replicas > 1:
            real, labels, draws = self._share((real, labels, draws))
        labels = tf.cast(labels, tf.int32)

        def critic(x):
            return self.D(self._inputs(x, labels), training=True)

        with (
            tf.GradientTape() as d_tape,
            tf.GradientTape(watch_accessed_variables=update_g) as g_tape,
        ):
            fake = self.G(self._inputs(draws["z"], labels), training=True)
            gp = tf.constant(0.0)
            if c.r1_weight:  # R1 through DiffAugment, w.r.t. the un-augmented reals
                gp, d_real = losses.r1_penalty(
                    lambda x: critic(self._augment(x, draws.get("real"))), real
                )
            else:
                real_seen = self._augment(real, draws.get("real"))
                d_real = critic(real_seen)
            fake_seen = self._augment(fake, draws.get("fake"))  # feeds both losses
            d_fake = critic(fake_seen)
            d_loss = losses.discriminator_loss(
                d_real, d_fake, c.loss, gan.output, c.label_smoothing
            )
            if c.r1_weight:
                d_loss = d_loss + 0.5 * c.r1_weight * gp
            if c.loss == "wgan-gp":  # never with r1_weight (validate refuses it)
                gp = losses.gradient_penalty(
                    critic, real_seen, tf.stop_gradient(fake_seen), draws["eps"]
                )
                d_loss = d_loss + c.gp_weight * gp
            g_loss = losses.generator_loss(d_fake, c.loss, gan.output)
            d_scaled = self._scale(self.opt_d, self._share_of_mean(d_loss))
            g_scaled = self._scale(self.opt_g, self._share_of_mean(g_loss))
        # LossScaleOptimizer.apply unscales the gradients itself; the norms are unscaled here
        d_grads = d_tape.gradient(d_scaled, self.D.trainable_variables)
        d_norm = self._norm(self.opt_d, d_grads)
        self.opt_d.apply(d_grads, self.D.trainable_variables)
        g_norm = tf.constant(0.0)
        if update_g:
            g_grads = g_tape.gradient(g_scaled, self.G.trainable_variables)
            g_norm = self._norm(self.opt_g, g_grads)
            self.opt_g.apply(g_grads, self.G.trainable_variables)
        # probabilities for the cross-entropy losses; raw scores for wgan-gp and hinge
        if gan.output == "logit" and c.loss in ("minimax", "nonsaturating"):
            d_real, d_fake = tf.sigmoid(d_real), tf.sigmoid(d_fake)
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "gp": gp,
            "d_real": tf.reduce_mean(tf.cast(d_real, tf.float32)),
            "d_fake": tf.reduce_mean(tf.cast(d_fake, tf.float32)),
            "grad_norm_d": d_norm,
            "grad_norm_g": g_norm,
        }

    def _share_of_mean(self, loss):
        """A replica's loss divided by the replica count.

        The optimisers sum the replicas' gradients (Keras 3 all-reduces with
        SUM in replica context), so each replica's mean over its equal share
        is divided by the replica count: the sum is then the gradient of the
        mean over the global batch, as on one device.
        """
        return loss / float(self.replicas) if self.replicas > 1 else loss

    def _scale(self, opt, loss):
        return opt.scale_loss(loss) if self.config.mixed_precision == "mixed_float16" else loss

    def _norm(self, opt, grads):
        """Global gradient norm, without the loss scale of mixed_float16.

        With several replicas it is the norm of the summed gradient (the one
        the optimiser applies), so the gradients are all-reduced for it.
        """
        import tensorflow as tf

        if self.replicas > 1:
            ctx = tf.distribute.get_replica_context()
            grads = ctx.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        norm = tf.linalg.global_norm(grads)
        if self.config.mixed_precision == "mixed_float16":
            norm = norm / tf.cast(opt.dynamic_scale, norm.dtype)
        return norm

    def _update_ema(self) -> None:
        """Move the EMA generator towards G (called after G's update, in cross-replica context).

        ``t`` is the number of generator updates so far. With ``ema_start``
        ``s > 0`` the EMA generator copies G while ``t <= s`` and the warm-up
        rule restarts from there: ``decay = min(ema_decay, (1 + t - s) / (10
        + t - s))``. Both depend on the checkpointed iteration count only.
        """
        import tensorflow as tf

        t = tf.cast(self.opt_g.iterations, tf.float32)
        start = self.config.ema_start
        if start:
            t = tf.maximum(t - float(start), 0.0)
        decay = tf.minimum(self.config.ema_decay, (1.0 + t) / (10.0 + t))
        if start:
            decay = tf.where(t > 0.0, decay, 0.0)
        for e, v in zip(self.G_ema.trainable_variables, self.G.trainable_variables, strict=True):
            e.assign(decay * e + (1.0 - decay) * tf.cast(v, e.dtype))
        for e, v in zip(
            self.G_ema.non_trainable_variables, self.G.non_trainable_variables, strict=True
        ):
            e.assign(v)

    # -------------------------------------------------------- checkpoints
    def save_snapshot(self, path: Path) -> None:
        """The EMA generator's weights (``G_ema.get_weights()``, in order) as an ``.npz``."""
        arrays = {f"w{i:04d}": np.asarray(w) for i, w in enumerate(self.G_ema.get_weights())}
        rundir.write_npz(path, arrays)

    def save(self, path: Path, epoch: int, history: list[dict], steps: list[dict]) -> None:
        arrays = {}
        for group, variables in self.state_variables().items():
            for i, v in enumerate(variables):
                arrays[f"{group}/{i:04d}"] = np.asarray(v.numpy())
        arrays["epoch"] = np.asarray(epoch)
        arrays["history"] = np.asarray(json.dumps(history))
        arrays["steps"] = np.asarray(json.dumps(steps))
        arrays["config"] = np.asarray(json.dumps(self.config.to_dict(), sort_keys=True))
        rundir.write_npz(path, arrays)

    def restore(self, path: Path) -> tuple[int, list[dict], list[dict]]:
        with np.load(path, allow_pickle=False) as f:
            if "steps" not in f:
                raise ValueError(
                    f"checkpoint {path} has no per-step log (written by an older version); "
                    "delete the run directory to train it again"
                )
            # through from_dict: a checkpoint written before a field existed gets its default
            stored = TrainConfig.from_dict(json.loads(str(f["config"]))).to_dict()
            if json.loads(json.dumps(stored, sort_keys=True)) != json.loads(
                json.dumps(self.config.to_dict(), sort_keys=True)
            ):
                raise ValueError(f"checkpoint {path} belongs to a different configuration")
            for group, variables in self.state_variables().items():
                for i, v in enumerate(variables):
                    key = f"{group}/{i:04d}"
                    if key not in f or f[key].shape != tuple(v.shape):
                        raise ValueError(
                            f"checkpoint {path} does not match the model ({key}); "
                            "delete the run directory to start again"
                        )
                    v.assign(f[key])
            return int(f["epoch"]), json.loads(str(f["history"])), json.loads(str(f["steps"]))
