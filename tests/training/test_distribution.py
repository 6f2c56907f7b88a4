"""Distribution on TensorFlow: two MultiWorkerMirroredStrategy processes on loopback, the tf.data service, strategies.

JAX's data parallelism: test_data_parallel.py.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.training import distribute_dataset, fit, get_strategy, start_data_service, tf_config
from tests.helpers.test_case import tensorflow_only

pytestmark = tensorflow_only  # tf.distribute

ROOT = Path(__file__).resolve().parents[2]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.parametrize("input_service", [False, True], ids=["local_input", "tf_data_service"])
def test_two_workers_agree_on_the_weights(tmp_path, input_service):
    """Two MultiWorkerMirroredStrategy processes on loopback; optionally fed by a tf.data service here."""
    service = start_data_service(num_workers=1) if input_service else None
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    command = [sys.executable, "-m", "tests.training.multi_worker_run", str(tmp_path)]
    command += [service.address] if service else []
    processes = []
    for index in range(2):
        env = {**os.environ, "TF_CONFIG": tf_config(workers, index), "CUDA_VISIBLE_DEVICES": ""}
        processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=150)[0])
    finally:
        for process in processes:  # a hang fails the test instead of blocking the suite
            if process.poll() is None:
                process.kill()
        if service:
            service.stop()
    for index, (process, output) in enumerate(zip(processes, outputs, strict=True)):
        assert process.returncode == 0, f"worker {index} failed:\n{output[-3000:]}"
        assert f"worker {index} replicas 2 done" in output
    first, second = (np.load(tmp_path / f"weights{i}.npz") for i in range(2))
    # 2 epochs of 4 global batches of 4 clips (2 per worker)
    assert int(first["steps"]) == int(second["steps"]) == 8
    for key in first.files:
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_data_service_on_loopback():
    service = start_data_service(num_workers=1)
    try:
        assert service.address.startswith("grpc://localhost:")
        data = tf.data.Dataset.range(20).map(lambda x: x * x)
        shared = distribute_dataset(data, service, processing_mode="distributed_epoch", job_name="squares")
        assert sorted(int(x) for x in shared) == [x * x for x in range(20)]
        per_worker = distribute_dataset(data.batch(5), service.address)
        assert [batch.numpy().tolist() for batch in per_worker][0] == [0, 1, 4, 9, 16]
    finally:
        service.stop()
    with pytest.raises(ValueError, match="processing_mode must be one of"):
        distribute_dataset(data, "grpc://localhost:1", processing_mode="sharded")
    with pytest.raises(ValueError, match="'grpc://host:port' dispatcher address"):
        distribute_dataset(data, "localhost:1")


def test_mirrored_strategy_trains_with_fit(tmp_path):
    strategy = get_strategy("mirrored", devices=["/cpu:0"])
    with strategy.scope():
        model = create_model("single_frame_tiny", num_classes=3)
    clips = np.random.default_rng(0).integers(0, 256, (8, 1, 64, 64, 3), dtype=np.uint8)
    data = tf.data.Dataset.from_tensor_slices((clips, np.arange(8) % 3)).batch(4)
    fit(model, data, run_dir=tmp_path, epochs=1, classes=3, strategy=strategy, tensorboard=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 2


def test_strategy_choice_and_config_errors(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert get_strategy("auto").num_replicas_in_sync == 1
    with pytest.raises(ValueError, match="needs the TF_CONFIG environment variable"):
        get_strategy("multi_worker")
    with pytest.raises(ValueError, match="Unknown strategy 'parameter_server'"):
        get_strategy("parameter_server")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG is not valid JSON"):
        get_strategy("auto")
    assert json.loads(tf_config(["a:1", "b:2"], 0))["task"] == {"type": "worker", "index": 0}
    with pytest.raises(ValueError, match="index must name one of the 2 workers"):
        tf_config(["a:1", "b:2"], 2)
    with pytest.raises(ValueError, match="'host:port' addresses"):
        tf_config(["a"], 0)
