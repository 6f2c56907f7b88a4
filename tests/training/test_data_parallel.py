"""JAX: keras.distribution.DataParallel over two host devices trains as one device does, through kvz's fit."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def train(out: Path, devices: str) -> dict[str, np.ndarray]:
    out.mkdir()
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    command = [sys.executable, "-m", "tests.training.data_parallel_run", str(out), devices]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert f"devices {devices}:" in done.stdout and "step 4" in done.stdout, done.stdout
    return dict(np.load(out / "weights.npz"))


def test_two_host_devices_train_as_one(tmp_path):
    pytest.importorskip("jax")  # in the test extra
    one, two = train(tmp_path / "one", "one"), train(tmp_path / "two", "two")
    assert one.keys() == two.keys()
    moved = 0
    for path in one:  # the same global batch, its gradient averaged over the two halves: the same steps
        np.testing.assert_allclose(two[path], one[path], rtol=1e-4, atol=1e-5, err_msg=path)
        moved += not np.allclose(one[path], 0)
    assert moved
