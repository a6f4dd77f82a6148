"""Training throughput of the study's trainer against a plain tutorial loop.

What it measures (DCGAN, 28 px, batch 128 unless told otherwise; ``--size`` 32 or 64
for larger images):

1. images/s of :mod:`gan_study.training`'s train step (median over timed
   steps after warm-up; each step is synchronised by reading its losses);
2. the same for a from-scratch re-implementation of the TensorFlow DCGAN
   tutorial's loop (one ``@tf.function`` with two ``GradientTape``\\ s, binary
   cross-entropy from logits, two Adam optimisers) on the same model and data;
3. the model's achieved GFLOP/s, with FLOPs counted *analytically* from the
   layer shapes (2 * multiply-adds of every Dense / Conv2D / Conv2DTranspose;
   a backward pass costs twice its forward; normalisation and activations
   are not counted), against a measured fp32 matmul peak (a timed
   ``tf.matmul`` of two 4096 x 4096 matrices);
4. the trainer under the ``mixed_bfloat16`` policy;
5. with ``--precision dcgan,cdcgan,...``: float32 against ``mixed_bfloat16``
   for each model, in alternating rounds (the generator updates every
   ``n_critic``-th step, as in training);
6. with ``--devices N``: the trainer on one replica against ``N`` replicas
   (``TrainConfig.devices``; ``MirroredStrategy`` over ``N`` GPUs, or ``N``
   logical CPU devices when there is no GPU), at the same global batch, in
   alternating rounds: steps per second of each;
7. with ``--input``: whole epochs of the trainer fed by
   :func:`gan_study.data.epoch_batches` (NumPy slicing, what the trainer uses)
   against a prefetching ``tf.data`` pipeline (shuffle, batch, parallel map,
   ``prefetch(AUTOTUNE)``), alternating, so that both see the same machine load.

Per training step the trainer runs G forward once, D forward on a real and a
generated batch, back-propagates the D loss through both D passes and the G
loss through D (input gradients only) and G: 3 G-forwards + 7 D-forwards per
image. The tutorial loop does the same work.

Run it on a quiet machine; the figures are printed, never asserted::

    python bench/train_throughput.py            # real 28 px lesion split
    python bench/train_throughput.py --synthetic
    python bench/train_throughput.py --size 64 --no-bf16
    python bench/train_throughput.py --input --batch-size 32 --epochs 6
    python bench/train_throughput.py --devices 2 --synthetic --steps 20 --rounds 3
    python bench/train_throughput.py --precision seed_baseline,dcgan,cdcgan,wgan_gp \\
        --batch-size 32 --steps 100 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np


def _layer_forward_flops(model) -> int:
    """Forward FLOPs per image: 2 x multiply-adds of Dense/Conv2D/Conv2DTranspose."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            total += 2 * int(layer.kernel.shape[0]) * int(layer.kernel.shape[1])
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            kh, kw, cout, cin = layer.kernel.shape
            _, h, w, _ = layer.input.shape  # every input pixel scatters one kernel
            total += 2 * kh * kw * cin * cout * h * w
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            total += 2 * kh * kw * cin * cout * h * w
    return int(total)


def _time_steps(fn, warmup: int, steps: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _matmul_peak(n: int = 4096, repeats: int = 5) -> float:
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    times = _time_steps(lambda: tf.matmul(a, b).numpy(), 1, repeats)
    return 2 * n**3 / statistics.median(times) / 1e9


def _batches(images: np.ndarray, batch_size: int, count: int):
    import tensorflow as tf

    from gan_study.data import to_float

    rng = np.random.default_rng(0)
    return [
        tf.constant(to_float(images[rng.choice(len(images), batch_size, replace=False)]))
        for _ in range(count)
    ]


def _trainer_runner(
    precision: str,
    batches,
    batch_size: int,
    model: str = "dcgan",
    image_size: int = 28,
    devices: int = 1,
):
    import keras
    import tensorflow as tf

    from gan_study import distribute
    from gan_study.config import TrainConfig
    from gan_study.trainer import Trainer

    keras.utils.set_random_seed(0)
    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(precision)
    try:
        config = TrainConfig(
            model=model,
            batch_size=batch_size,
            mixed_precision=precision,
            image_size=image_size,
            devices=devices,
        )
        config = config.validate()
        trainer = Trainer(config, distribute.strategy(devices))
    finally:
        keras.mixed_precision.set_global_policy(previous)
    labels = tf.zeros((batch_size,), tf.int64)
    it = iter(range(10**9))

    n_critic = config.n_critic or 1

    def run():
        i = next(it)  # G updates on every n_critic-th step, as in training
        out = trainer.step(batches[i % len(batches)], labels, (i + 1) % n_critic == 0)
        return float(out["d_loss"].numpy())

    return trainer, run


def _precision_comparison(
    batches, batch_size: int, models, warmup: int, steps: int, rounds: int, image_size: int = 28
):
    """Median ms/step of each model under float32 and mixed_bfloat16, alternating rounds."""
    for model in models:
        runners = {
            p: _trainer_runner(p, batches, batch_size, model, image_size)[1]
            for p in ("float32", "mixed_bfloat16")
        }
        times: dict[str, list[float]] = {p: [] for p in runners}
        for _ in range(rounds):  # alternate, so that both see the same machine load
            for p, run in runners.items():
                times[p].append(statistics.median(_time_steps(run, warmup, steps)))
        f32, bf16 = (statistics.median(times[p]) for p in runners)
        rounds_text = ", ".join(
            f"{a / b:.2f}" for a, b in zip(times["float32"], times["mixed_bfloat16"], strict=True)
        )
        print(
            f"{model:14s}: float32 {f32 * 1e3:7.1f} ms/step, mixed_bfloat16 {bf16 * 1e3:7.1f} "
            f"ms/step: {f32 / bf16:.2f}x (per round: {rounds_text})",
            flush=True,
        )


def _devices_comparison(
    batches, batch_size: int, devices: int, warmup: int, steps: int, rounds: int, image_size: int
):
    """Steps per second of the trainer on one and on ``devices`` replicas, alternating rounds."""
    from gan_study import distribute

    names = distribute.local_devices(devices)
    print(f"replicas: 1 (no strategy) against {devices} on {', '.join(names)}", flush=True)
    runners = {
        n: _trainer_runner("float32", batches, batch_size, image_size=image_size, devices=n)[1]
        for n in (1, devices)
    }
    times: dict[int, list[float]] = {n: [] for n in runners}
    for _ in range(rounds):  # alternate, so that both see the same machine load
        for n, run in runners.items():
            times[n].append(statistics.median(_time_steps(run, warmup, steps)))
    for n in runners:
        t = statistics.median(times[n])
        per_round = ", ".join(f"{1 / r:.2f}" for r in times[n])
        print(
            f"{n} replica(s): {1 / t:6.2f} steps/s ({t * 1e3:7.1f} ms/step, "
            f"{batch_size / t:7.1f} images/s; per round: {per_round} steps/s)",
            flush=True,
        )
    one, many = (statistics.median(times[n]) for n in runners)
    print(f"{devices} replicas / 1 replica throughput: {one / many:.2f}x", flush=True)


def _tutorial_runner(batches, batch_size: int, image_size: int = 28):
    """The TensorFlow DCGAN tutorial's training step, written out, on our DCGAN."""
    import keras
    import tensorflow as tf

    from gan_study import models

    keras.utils.set_random_seed(0)
    generator, discriminator = models.dcgan(image_size)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    generator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    discriminator_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, 100])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
                tf.zeros_like(fake_output), fake_output
            )
        gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(
            disc_loss, discriminator.trainable_variables
        )
        generator_optimizer.apply_gradients(
            zip(gradients_of_generator, generator.trainable_variables, strict=True)
        )
        discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, discriminator.trainable_variables, strict=True)
        )
        return disc_loss

    it = iter(range(10**9))

    def run():
        return float(train_step(batches[next(it) % len(batches)]).numpy())

    return run


def _tf_data_epoch(images, labels, batch_size: int, seed: int):
    """A prefetching ``tf.data`` pipeline over one epoch, for comparison."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int64)))
    ds = ds.shuffle(len(images), seed=seed).batch(batch_size, drop_remainder=True)
    ds = ds.map(
        lambda x, y: (tf.cast(x, tf.float32) / 127.5 - 1.0, y),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    return ds.prefetch(tf.data.AUTOTUNE)


def _input_comparison(
    images: np.ndarray, batch_size: int, epochs: int, image_size: int = 28
) -> None:
    """Seconds per training epoch with each input pipeline, alternating."""
    import tensorflow as tf

    from gan_study.data import epoch_batches

    labels = np.zeros(len(images), np.int64)
    trainer, _ = _trainer_runner(
        "float32", _batches(images, batch_size, 1), batch_size, image_size=image_size
    )
    feeds = {
        "tf.data, prefetch": lambda seed: _tf_data_epoch(images, labels, batch_size, seed),
        "epoch_batches": lambda seed: (
            (tf.constant(x), tf.constant(y))
            for x, y in epoch_batches(images, labels, batch_size=batch_size, seed=seed)
        ),
    }
    for x, y in feeds["epoch_batches"](0):  # trace once, untimed
        trainer.step(x, y, True).get("d_loss").numpy()
        break
    seconds: dict[str, list[float]] = {name: [] for name in feeds}
    for epoch in range(1, epochs + 1):
        for name, feed in feeds.items():
            t0 = time.perf_counter()
            outs = [trainer.step(x, y, True) for x, y in feed(epoch)]
            float(outs[-1]["d_loss"].numpy())
            seconds[name].append(time.perf_counter() - t0)
            print(f"epoch {epoch} {name:18s}: {seconds[name][-1]:7.1f} s", flush=True)
    steps = len(images) // batch_size
    for name, values in seconds.items():
        med = statistics.median(values)
        print(
            f"{name:18s}: median {med:6.1f} s/epoch ({steps} steps, "
            f"{med / steps * 1e3:.1f} ms/step), slowest {max(values):.1f} s"
        )
    ratio = statistics.median(seconds["tf.data, prefetch"]) / statistics.median(
        seconds["epoch_batches"]
    )
    print(f"ratio tf.data / epoch_batches (median epoch): {ratio:.2f}x")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="random images, no data")
    parser.add_argument("--data-dir", default=None, help="data root ($GAN_STUDY_DATA_DIR)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--size", type=int, default=28, choices=(28, 32, 64), help="image side in pixels"
    )
    parser.add_argument("--steps", type=int, default=20, help="timed steps per variant")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps (tracing)")
    parser.add_argument("--no-bf16", action="store_true", help="skip the mixed_bfloat16 run")
    parser.add_argument(
        "--input", action="store_true", help="compare input pipelines over whole epochs"
    )
    parser.add_argument("--epochs", type=int, default=4, help="epochs per pipeline (--input)")
    parser.add_argument(
        "--precision",
        default=None,
        metavar="MODELS",
        help="comma-separated models: float32 against mixed_bfloat16 for each, alternating",
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=None,
        metavar="N",
        help="one replica against N (GPUs, else logical CPU devices), alternating",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds (--precision, --devices)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.devices:
        from gan_study import distribute

        distribute.local_devices(args.devices)  # logical CPUs must exist before TensorFlow starts
    import keras
    import tensorflow as tf

    from gan_study.training import describe_device

    if args.synthetic:
        images = np.random.default_rng(0).integers(
            0, 256, (2048, args.size, args.size, 3), dtype=np.uint8
        )
        source = "synthetic uniform noise"
    else:
        from gan_study import data

        try:
            images = data.load(image_size=args.size, data_dir=args.data_dir).train.images
        except FileNotFoundError as exc:
            print(
                f"train_throughput: error: real data not found ({exc}); set "
                "GAN_STUDY_DATA_DIR or pass --data-dir, or run with --synthetic",
                file=sys.stderr,
            )
            return 2
        source = f"HAM10000 lesion split, train, {len(images)} images"
    print(f"machine: {describe_device()}; {platform.platform()}")
    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python {sys.version.split()[0]}"
    )
    print(
        f"data: {source}; dcgan {args.size} px, batch {args.batch_size}; "
        f"median of {args.steps} steps after {args.warmup} warm-up"
    )
    if args.input:
        _input_comparison(images, args.batch_size, args.epochs, args.size)
        return 0
    if args.devices:
        batches = _batches(images, args.batch_size, 8)
        _devices_comparison(
            batches, args.batch_size, args.devices, args.warmup, args.steps, args.rounds, args.size
        )
        return 0
    if args.precision:
        models = [m.strip() for m in args.precision.split(",") if m.strip()]
        batches = _batches(images, args.batch_size, 8)
        _precision_comparison(
            batches, args.batch_size, models, args.warmup, args.steps, args.rounds, args.size
        )
        return 0
    batches = _batches(images, args.batch_size, 8)

    trainer, ours = _trainer_runner("float32", batches, args.batch_size, image_size=args.size)
    t_ours = statistics.median(_time_steps(ours, args.warmup, args.steps))
    tutorial = _tutorial_runner(batches, args.batch_size, args.size)
    t_tut = statistics.median(_time_steps(tutorial, args.warmup, args.steps))

    flops_g = _layer_forward_flops(trainer.G)
    flops_d = _layer_forward_flops(trainer.D)
    step_flops = args.batch_size * (3 * flops_g + 7 * flops_d)
    peak = _matmul_peak()
    achieved = step_flops / t_ours / 1e9

    b = args.batch_size
    print(f"gan_study trainer : {t_ours * 1e3:8.1f} ms/step  {b / t_ours:8.1f} images/s")
    print(f"tutorial loop     : {t_tut * 1e3:8.1f} ms/step  {b / t_tut:8.1f} images/s")
    print(f"ratio trainer / tutorial throughput: {t_tut / t_ours:.2f}x (target >= 1.0x)")
    print(
        f"model FLOPs per step (analytical): {step_flops / 1e9:.2f} GFLOP "
        f"(G forward {flops_g / 1e6:.1f} MFLOP/image, D forward {flops_d / 1e6:.1f} MFLOP/image)"
    )
    print(
        f"achieved {achieved:.1f} GFLOP/s; fp32 matmul peak {peak:.1f} GFLOP/s; "
        f"ratio {achieved / peak:.0%} (target >= 50%)"
    )
    if not args.no_bf16:
        _, bf16 = _trainer_runner("mixed_bfloat16", batches, args.batch_size, image_size=args.size)
        t_bf = statistics.median(_time_steps(bf16, args.warmup, args.steps))
        print(
            f"mixed_bfloat16    : {t_bf * 1e3:8.1f} ms/step  {b / t_bf:8.1f} images/s "
            f"({t_ours / t_bf:.2f}x float32)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
