"""Training beyond one device with TensorFlow's own engine: ``tf.distribute`` and the tf.data service.

* One host, several GPUs: ``MirroredStrategy`` (synchronous all-reduce of gradients).
* Several hosts: ``MultiWorkerMirroredStrategy``; each host runs the same script with a
  ``TF_CONFIG`` naming every worker and its own index (:func:`tf_config`).
* Input: the tf.data service runs the CPU-heavy decoding on separate worker machines
  (:func:`start_data_service`, :func:`distribute_dataset`).

Karpathy et al. trained with Downpour SGD: asynchronous replicas and a parameter
server. Keras 3 has no parameter-server training; here synchronous all-reduce
replaces it -- every replica applies the same averaged gradient, so all workers hold
identical weights after every step (the global batch is the per-replica batch times
the replicas).

Build and compile the model inside ``strategy.scope()``;
:func:`keras_video_zoo.training.fit` compiles in the scope it is given.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

import tensorflow as tf

STRATEGIES = ("auto", "default", "mirrored", "multi_worker")


def tf_config(workers: Sequence[str], index: int, *, task_type: str = "worker") -> str:
    """The ``TF_CONFIG`` JSON for worker ``index`` of ``workers`` (``host:port`` each).

    Example:
    >>> tf_config(["10.0.0.1:2222", "10.0.0.2:2222"], 1)
    '{"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}, "task": {"type": "worker", "index": 1}}'
    """
    workers = list(workers)
    if not workers or not all(isinstance(w, str) and ":" in w for w in workers):
        raise ValueError(f"workers must be 'host:port' addresses; got {workers!r}.")
    if not 0 <= index < len(workers):
        raise ValueError(f"index must name one of the {len(workers)} workers (0..{len(workers) - 1}); got {index}.")
    return json.dumps({"cluster": {task_type: workers}, "task": {"type": task_type, "index": index}})


def _cluster_workers() -> int:
    config = os.environ.get("TF_CONFIG")
    if not config:
        return 0
    try:
        cluster = json.loads(config)["cluster"]
    except (ValueError, KeyError) as error:
        raise ValueError(f"TF_CONFIG is not valid JSON with a 'cluster' entry ({error}): {config!r}") from None
    return sum(len(addresses) for addresses in cluster.values())


def get_strategy(kind: str = "auto", *, devices: Sequence[str] | None = None) -> tf.distribute.Strategy:
    """A ``tf.distribute`` strategy.

    Args:
        kind: ``"auto"`` (multi-worker when ``TF_CONFIG`` names several workers,
            mirrored with several GPUs, else the default strategy), ``"default"``,
            ``"mirrored"`` (every local device or ``devices``) or ``"multi_worker"``
            (needs ``TF_CONFIG``; see :func:`tf_config`).
        devices: devices for ``"mirrored"``, e.g. ``["/gpu:0", "/gpu:1"]``.

    Example:
    >>> get_strategy("default").num_replicas_in_sync
    1
    """
    if kind not in STRATEGIES:
        raise ValueError(f"Unknown strategy {kind!r}; choose one of {STRATEGIES}.")
    if kind == "auto":
        if _cluster_workers() > 1:
            kind = "multi_worker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            kind = "mirrored"
        else:
            kind = "default"
    if kind == "default":
        return tf.distribute.get_strategy()
    if kind == "mirrored":
        return tf.distribute.MirroredStrategy(devices=list(devices) if devices else None)
    if _cluster_workers() < 1:
        raise ValueError(
            "strategy 'multi_worker' needs the TF_CONFIG environment variable naming the workers and this "
            'process\'s index, e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:2222", "host2:2222"]}, '
            '"task": {"type": "worker", "index": 0}}\' (keras_video_zoo.training.distribution.tf_config builds it).'
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_multi_worker(strategy: tf.distribute.Strategy | None) -> bool:
    """Whether ``strategy`` spans several worker processes (MultiWorkerMirroredStrategy).

    Example:
    >>> is_multi_worker(tf.distribute.get_strategy())
    False
    """
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fit_scope(model, strategy: tf.distribute.Strategy | None):
    """The context in which to call ``model.fit`` under ``strategy`` (after ``compile``).

    Keras 3's ``fit`` does not run under ``MultiWorkerMirroredStrategy`` as it is
    (keras-team/keras#20585): it mean-reduces the first data batch as one nested value
    and the scalar logs along an axis they do not have. For a multi-worker strategy
    this makes the logs rank-1 (so they average over workers) and lets Keras build the
    model's training state lazily inside the strategy's scope, which is what the
    symbolic build was for. Gradients are all-reduced by the optimizer as usual.
    Other strategies need nothing: their scope is returned.
    """
    if strategy is None:
        return contextlib.nullcontext()
    if is_multi_worker(strategy):
        train_step = model.train_step

        def train_step_with_rank1_logs(data):
            return {name: tf.reshape(value, [1]) for name, value in train_step(data).items()}

        model.train_step = train_step_with_rank1_logs
        model._distribute_strategy = None  # fit then takes the strategy from the scope below
    return strategy.scope()


@dataclass
class DataService:
    """A running tf.data service: one dispatcher and its workers (kept alive by this object).

    Attributes:
        dispatcher: the ``DispatchServer``.
        workers: the ``WorkerServer`` objects started here.
    """

    dispatcher: tf.data.experimental.service.DispatchServer
    workers: list

    @property
    def address(self) -> str:
        """``grpc://host:port`` of the dispatcher, for :func:`distribute_dataset`."""
        return self.dispatcher.target

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.dispatcher.stop()


def start_data_service(num_workers: int = 1, *, port: int = 0, host: str = "localhost") -> DataService:
    """Starts a tf.data service dispatcher on ``port`` (0: any free port) and ``num_workers`` workers here.

    On a cluster, run the dispatcher on one machine and
    ``tf.data.experimental.service.WorkerServer`` on each input machine; this helper
    puts them in one process (tests, a single big CPU host).

    Example:
    >>> service = start_data_service(num_workers=1)
    >>> service.address.startswith("grpc://localhost:")
    True
    >>> service.stop()
    """
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0; got {num_workers}.")
    service = tf.data.experimental.service
    dispatcher = service.DispatchServer(service.DispatcherConfig(port=port))
    dispatcher_address = dispatcher.target.split("://", 1)[1]
    workers = [
        service.WorkerServer(
            service.WorkerConfig(dispatcher_address=dispatcher_address, worker_address=f"{host}:%port%")
        )
        for _ in range(num_workers)
    ]
    return DataService(dispatcher, workers)


def distribute_dataset(
    dataset: tf.data.Dataset,
    service: str | DataService,
    *,
    processing_mode: str = "parallel_epochs",
    job_name: str | None = None,
) -> tf.data.Dataset:
    """Runs ``dataset``'s preprocessing on the tf.data service workers.

    Args:
        dataset: the input pipeline (decode, sample, batch) to run remotely.
        service: a :class:`DataService` or the dispatcher's ``grpc://host:port``.
        processing_mode: ``"parallel_epochs"`` (each service worker produces the
            whole dataset) or ``"distributed_epoch"`` (the workers share one pass;
            each element is produced once -- needs a splittable source such as
            ``from_tensor_slices`` or ``range``).
        job_name: share one job between trainers that should split the data.

    Example:
    >>> service = start_data_service(num_workers=1)
    >>> data = distribute_dataset(tf.data.Dataset.range(5), service, processing_mode="distributed_epoch")
    >>> sorted(int(x) for x in data)
    [0, 1, 2, 3, 4]
    >>> service.stop()
    """
    modes = ("parallel_epochs", "distributed_epoch")
    if processing_mode not in modes:
        raise ValueError(f"processing_mode must be one of {modes}; got {processing_mode!r}.")
    address = service.address if isinstance(service, DataService) else service
    if not isinstance(address, str) or "://" not in address:
        raise ValueError(f"service must be a DataService or a 'grpc://host:port' dispatcher address; got {service!r}.")
    return dataset.apply(
        tf.data.experimental.service.distribute(processing_mode=processing_mode, service=address, job_name=job_name)
    )
