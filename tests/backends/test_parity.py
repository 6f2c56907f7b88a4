"""Every bundled checkpoint gives the same scores on TensorFlow, JAX and PyTorch (each in its own process)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_video_zoo.weights import list_weights

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ("tensorflow", "jax", "torch")
TOLERANCE = 1e-5


def scores_on(backend: str, out: Path) -> dict[str, np.ndarray]:
    env = {**os.environ, "KERAS_BACKEND": backend}
    command = [sys.executable, "-m", "tests.backends.bundled_scores", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{backend}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    saved = np.load(out)
    assert str(saved["backend"]) == backend
    return {tag: saved[tag] for tag in saved.files if tag != "backend"}


@pytest.mark.slow
def test_bundled_checkpoints_score_alike_on_every_backend(tmp_path):
    for backend in BACKENDS[1:]:
        pytest.importorskip(backend)  # both are in the test extra
    scores = {backend: scores_on(backend, tmp_path / f"{backend}.npz") for backend in BACKENDS}
    assert sorted(scores["tensorflow"]) == list_weights()
    for backend in BACKENDS[1:]:
        assert scores[backend].keys() == scores["tensorflow"].keys()
        for tag, reference in scores["tensorflow"].items():
            difference = float(np.abs(scores[backend][tag] - reference).max())
            assert difference <= TOLERANCE, f"{tag}: {backend} differs from TensorFlow by {difference:.1e}"
