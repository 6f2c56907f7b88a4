"""Inputs for models, and the labels the Hub tests publish."""

import numpy as np

LABELS = ["archery", "bowling", "cycling"]


def random_clips(model, batch: int = 2, seed: int = 0):
    """Random uint8 inputs for ``model``: an array, or a dict for several inputs."""
    rng = np.random.default_rng(seed)
    inputs = {t.name: rng.integers(0, 256, (batch, *t.shape[1:]), dtype=np.uint8) for t in model.inputs}
    return next(iter(inputs.values())) if len(inputs) == 1 else inputs
