"""Several devices for one run: the ``tf.distribute`` strategy of ``TrainConfig.devices``.

``TrainConfig.devices = N`` trains one run on ``N`` replicas (data
parallelism: each replica holds a copy of the models and computes the
gradient of its share of the global batch; the gradients are summed across
replicas before every update):

* no ``TF_CONFIG`` in the environment, ``N = 1``: no strategy at all; the
  trainer runs exactly as it always has.
* no ``TF_CONFIG``, ``N > 1``: ``tf.distribute.MirroredStrategy`` over the
  first ``N`` GPUs of this machine, or, on a machine without a GPU, over
  ``N`` logical CPU devices made from the CPU (:func:`split_cpu`; useful for
  tests, not for speed: they share the same cores).
* ``TF_CONFIG`` set: ``tf.distribute.MultiWorkerMirroredStrategy``: every
  worker (one process per machine, each with its own ``TF_CONFIG`` naming
  the cluster and its own task) runs the same command; the replicas are all
  devices of all workers, and there must be exactly ``N`` of them. The chief
  (task ``chief``, or ``worker`` 0 when the cluster has no chief) trains into
  the run directory; every other worker writes the same run into a directory
  of its own beside it (:func:`worker_run_dir`), which may be deleted
  afterwards.

Keras 3's own ``keras.distribution`` API does not support the TensorFlow
backend, so the trainer uses ``tf.distribute`` directly
(:class:`gan_study.trainer.Trainer`).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

_STRATEGIES: dict = {}
"""One strategy per set of devices and process. ``MultiWorkerMirroredStrategy``
can be made once per process; two ``MirroredStrategy`` objects over the same
devices number their collective operations alike, so a second one in the same
process would clash with the first one's (TensorFlow aborts the collective)."""


def split_cpu(n: int) -> None:
    """Make (at least) ``n`` logical CPU devices of the first CPU, before TensorFlow starts.

    Parameters
    ----------
    n : int
        Logical CPU devices wanted (``/cpu:0`` to ``/cpu:{n-1}``).

    Raises
    ------
    RuntimeError
        When TensorFlow has already started with fewer CPU devices: the
        logical devices of a process are fixed once it has run any operation.
    """
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is not None and len(configured) >= n:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
        )
    except RuntimeError:
        have = len(tf.config.list_logical_devices("CPU"))
        if have >= n:
            return
        raise RuntimeError(
            f"TensorFlow has already started with {have} CPU device(s), too few for "
            f"devices={n}: call gan_study.distribute.split_cpu({n}) before any TensorFlow work "
            f"in this process, or train in a new process (gan-study train --devices {n})"
        ) from None


def local_devices(n: int) -> list[str]:
    """The names of ``n`` devices of this machine: its first ``n`` GPUs, else ``n`` CPUs.

    Raises
    ------
    ValueError
        When the machine has GPUs, but fewer than ``n``.
    RuntimeError
        See :func:`split_cpu` (no GPU, and TensorFlow started with too few CPU devices).
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        if len(gpus) < n:
            raise ValueError(
                f"devices={n}, but this machine has {len(gpus)} GPU(s); set devices to at most "
                f"{len(gpus)} (gan-study train --devices {len(gpus)})"
            )
        return [f"/gpu:{i}" for i in range(n)]
    split_cpu(n)
    return [f"/cpu:{i}" for i in range(n)]


def multi_worker() -> bool:
    """Whether ``TF_CONFIG`` is set, so that training spans several worker processes."""
    return bool(os.environ.get("TF_CONFIG"))


def strategy(devices: int):
    """The strategy that trains on ``devices`` replicas, or None for one device.

    Parameters
    ----------
    devices : int
        ``TrainConfig.devices``: the number of replicas, over all workers.

    Returns
    -------
    tf.distribute.Strategy or None
        None when ``devices == 1`` and ``TF_CONFIG`` is not set;
        ``MultiWorkerMirroredStrategy`` when ``TF_CONFIG`` is set;
        ``MirroredStrategy`` over :func:`local_devices` otherwise.

    Raises
    ------
    ValueError
        Too few GPUs, or a cluster whose replica count is not ``devices``.
    RuntimeError
        See :func:`split_cpu`.
    """
    import tensorflow as tf

    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise ValueError(f"devices must be a positive integer (1 or more), got {devices!r}")
    if multi_worker():
        if "multi-worker" not in _STRATEGIES:
            _STRATEGIES["multi-worker"] = tf.distribute.MultiWorkerMirroredStrategy()
        found = _STRATEGIES["multi-worker"]
        if found.num_replicas_in_sync != devices:
            raise ValueError(
                f"TF_CONFIG describes a cluster with {found.num_replicas_in_sync} replica(s) "
                f"(all devices of all workers), but devices={devices}; set devices to "
                f"{found.num_replicas_in_sync}, or change the cluster (or CUDA_VISIBLE_DEVICES)"
            )
        return found
    if devices == 1:
        return None
    names = tuple(local_devices(devices))
    if names not in _STRATEGIES:
        _STRATEGIES[names] = tf.distribute.MirroredStrategy(list(names))
    return _STRATEGIES[names]


def describe(found) -> dict:
    """What a run's ``config.json`` records of the strategy (None: one device, no strategy)."""
    if found is None:
        return {"strategy": None, "replicas": 1}
    info = {"strategy": type(found).__name__, "replicas": int(found.num_replicas_in_sync)}
    if multi_worker():
        cluster = json.loads(os.environ["TF_CONFIG"]).get("cluster", {})
        info["workers"] = sum(len(v) for k, v in cluster.items() if k in ("chief", "worker"))
    else:
        info["devices"] = list(found.extended.worker_devices)
    return info


def worker_run_dir(run_dir) -> Path:
    """Where this process writes a run: ``run_dir``, or a directory of its own on a non-chief worker.

    With ``TF_CONFIG`` set, every worker computes the whole run; the chief
    writes it to ``run_dir`` and worker ``i`` (not the chief) to
    ``<run_dir>.worker<i>`` beside it, so that workers sharing a file system
    never write the same files (each directory has its own lock).
    """
    run_dir = Path(run_dir)
    if not multi_worker():
        return run_dir
    config = json.loads(os.environ["TF_CONFIG"])
    task = config.get("task", {})
    kind, index = task.get("type", "worker"), int(task.get("index", 0))
    has_chief = bool(config.get("cluster", {}).get("chief"))
    if kind == "chief" or (kind == "worker" and index == 0 and not has_chief):
        return run_dir
    return run_dir.with_name(f"{run_dir.name}.{kind}{index}")


@contextlib.contextmanager
def replicated_state(found):
    """Inside ``found.scope()``: create models whose non-trainable state stays equal on every replica.

    The trainer assigns batch-norm moving statistics and spectral-norm
    power-iteration vectors inside the replica step. Keras creates them with
    ``aggregation="none"``, and ``tf.distribute`` then lets every replica
    write its own copy of a mirrored variable, unchecked. Every replica
    computes the same value (synchronised batch norm; the power iteration
    reads mirrored weights), so this scope creates each non-trainable
    variable whose aggregation is unset with ``ONLY_FIRST_REPLICA``: the
    first replica's value is written to every copy, and the copies cannot
    drift apart. With ``found`` None it does nothing.
    """
    if found is None:
        yield
        return
    import tensorflow as tf

    def first_replica(next_creator, **kwargs):
        unset = kwargs.get("aggregation") in (None, tf.VariableAggregation.NONE)
        if not kwargs.get("trainable", True) and unset:
            kwargs["aggregation"] = tf.VariableAggregation.ONLY_FIRST_REPLICA
        return next_creator(**kwargs)

    with tf.variable_creator_scope(first_replica):
        yield
