"""Inputs for models, and the labels the Hub tests publish."""

import numpy as np

LABELS = ["archery", "bowling", "cycling"]


def random_clips(model, batch: int = 2, seed: int = 0):
    """Random uint8 inputs for ``model``: an array, or a dict for several inputs."""
    rng = np.random.default_rng(seed)
    inputs = {t.name: _random_input(rng, t.name, (batch, *t.shape[1:])) for t in model.inputs}
    return next(iter(inputs.values())) if len(inputs) == 1 else inputs


def _random_input(rng: np.random.Generator, name: str, shape: tuple) -> np.ndarray:
    """Uniform pixels; flow as real flow is, mostly small (quantised around 128, a few pixels).

    Uniform uint8 flow would be +-20 px everywhere: a random temporal stream then saturates its
    softmax, and on JAX and PyTorch, where Keras cannot recover the logits from the softmax, the
    clipped cross-entropy gives no gradient at all.
    """
    if name == "flow":
        return np.clip(rng.normal(128, 8, shape), 0, 255).astype(np.uint8)
    return rng.integers(0, 256, shape, dtype=np.uint8)
