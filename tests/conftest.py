"""Test set-up: quiet TensorFlow, fixed seeds, shared helpers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def random_clips(model, batch: int = 2, seed: int = 0) -> np.ndarray:
    """uint8 clips of raw pixels shaped for ``model``'s input."""
    return np.random.default_rng(seed).integers(0, 256, (batch, *model.input_shape[1:]), dtype=np.uint8)
