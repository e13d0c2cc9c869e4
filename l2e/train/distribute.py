"""Distribution: which ``tf.distribute`` strategy to train under, and how per-replica rows move.

Every experiment trains under a strategy: ``MirroredStrategy`` over all visible GPUs (or the CPU
when there is none), or ``MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG``. Rows of a
global batch are assigned to replicas in order: replica r of worker w owns a contiguous block, and
recurrent state carried between minibatches stays with the rows it belongs to.
"""

import os

import numpy as np
import tensorflow as tf

DISTRIBUTIONS = ("mirrored", "multiworker")


def configure_cpu_replicas(count: int) -> None:
    """Split the CPU into ``count`` logical devices (for testing multi-replica code without GPUs).

    Must run before TensorFlow initializes its devices.
    """
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)


def make_strategy(kind: str = "mirrored") -> tf.distribute.Strategy:
    """``mirrored``: all GPUs, else every logical CPU device; ``multiworker``: from ``TF_CONFIG``."""
    if kind == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("distribute: multiworker needs the TF_CONFIG environment variable")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if kind != "mirrored":
        raise ValueError(f"distribute must be one of {', '.join(DISTRIBUTIONS)}; got {kind!r}")
    gpus = tf.config.list_logical_devices("GPU")
    devices = [d.name for d in gpus] or [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices)


def worker_count_and_index(strategy: tf.distribute.Strategy) -> tuple[int, int]:
    """(number of workers, this worker's index); (1, 0) without a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return 1, 0
    spec = resolver.cluster_spec()
    workers = sum(len(spec.job_tasks(job)) for job in spec.jobs if job in ("chief", "worker"))
    index = resolver.task_id + (1 if resolver.task_type == "worker" and "chief" in spec.jobs else 0)
    return workers, index


def local_rows(strategy: tf.distribute.Strategy, global_batch: int) -> range:
    """The rows of the global batch that this worker's replicas own."""
    workers, index = worker_count_and_index(strategy)
    if global_batch % strategy.num_replicas_in_sync:
        raise ValueError(f"batch_size {global_batch} is not divisible by the "
                         f"{strategy.num_replicas_in_sync} replicas")
    per_worker = global_batch // workers
    return range(index * per_worker, (index + 1) * per_worker)


def distribute_rows(strategy: tf.distribute.Strategy, arrays):
    """Hand each local replica its contiguous block of rows.

    ``arrays`` is a sequence of numpy arrays [local_rows, ...] holding this worker's rows; returns
    the same structure as distributed values, replica r getting rows [r * n, (r + 1) * n).
    """
    workers, worker_index = worker_count_and_index(strategy)
    local_replicas = strategy.num_replicas_in_sync // workers
    first_replica = worker_index * local_replicas

    def rows_of(array):
        def for_replica(context):
            size = len(array) // local_replicas
            r = context.replica_id_in_sync_group - first_replica
            return array[r * size:(r + 1) * size]
        return strategy.experimental_distribute_values_from_function(for_replica)

    return [rows_of(a) for a in arrays]


def gather_rows(strategy: tf.distribute.Strategy, values) -> list[np.ndarray]:
    """Inverse of :func:`distribute_rows`: this worker's rows as numpy arrays, in order."""
    return [np.concatenate([np.asarray(t) for t in strategy.experimental_local_results(v)]) for v in values]


def clip_across_replicas(local_gradients, clip_norm: float):
    """Scale each replica's gradients so that their sum over replicas has global norm <= clip_norm.

    Call in replica context. Returns (scaled local gradients, the global norm before clipping); the
    optimizer's all-reduce of the scaled gradients then equals the clipped global gradient.
    """
    context = tf.distribute.get_replica_context()
    if context.num_replicas_in_sync == 1:  # the local gradient is the global one: no all-reduce
        total = local_gradients
    else:
        total = context.all_reduce(tf.distribute.ReduceOp.SUM, local_gradients)
    norm = tf.linalg.global_norm(total)
    scale = tf.minimum(1.0, clip_norm / tf.maximum(norm, 1e-12))
    return [g * scale for g in local_gradients], norm
