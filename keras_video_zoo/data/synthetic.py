"""Generated clips, so that demos and tests need no downloaded video.

Every generator of videos and frames lives in ``keras_video_zoo/data/`` under a ``synthetic`` name:

- this module: small in-memory clips and inputs for any model (:func:`example_inputs`);
- :mod:`~keras_video_zoo.data.synthetic_dataset`: the motion-twin action dataset as AVI files (UCF-101 layout);
- :mod:`~keras_video_zoo.data.synthetic_real_world`: a folder of videos as users have them (HD, portrait,
  many containers, damaged, truncated, not a video);
- :mod:`~keras_video_zoo.data.synthetic_flow`: frame pairs with known optical flow.

(The look-alike Caffe and MatConvNet checkpoints are not videos; they live beside their readers in
:mod:`keras_video_zoo.convert.lookalikes`.)
"""

from __future__ import annotations

import numpy as np


def moving_square_clip(
    frames: int, height: int, width: int, channels: int = 3, *, seed: int = 0, velocity: tuple[int, int] | None = None
) -> np.ndarray:
    """A uint8 clip of a coloured square moving over a textured background.

    Args:
        frames, height, width, channels: clip shape.
        seed: picks the background, colour, start and (unless given) velocity.
        velocity: (dy, dx) pixels per frame; the square bounces off the edges.

    Returns:
        ``(frames, height, width, channels)`` uint8 array of raw pixels.

    Example:
    >>> clip = moving_square_clip(10, 64, 64, seed=1)
    >>> clip.shape, clip.dtype.name
    ((10, 64, 64, 3), 'uint8')
    """
    if min(frames, height, width, channels) < 1:
        raise ValueError(f"clip dimensions must be positive; got {(frames, height, width, channels)}.")
    rng = np.random.default_rng(seed)
    side = max(1, min(height, width) // 4)
    background = rng.integers(40, 90, (height, width, channels), dtype=np.uint8)
    colour = rng.integers(150, 256, channels, dtype=np.uint8)
    y, x = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    dy, dx = velocity if velocity is not None else tuple(int(v) for v in rng.integers(-3, 4, 2))
    clip = np.empty((frames, height, width, channels), np.uint8)
    for t in range(frames):
        clip[t] = background
        clip[t, y : y + side, x : x + side] = colour
        if not 0 <= y + dy <= height - side:
            dy = -dy
        if not 0 <= x + dx <= width - side:
            dx = -dx
        y, x = min(max(y + dy, 0), height - side), min(max(x + dx, 0), width - side)
    return clip


def translating_flow_fields(
    fields: int,
    height: int,
    width: int,
    *,
    velocity: tuple[float, float] = (1.0, 2.0),
    bound: float = 20.0,
    seed: int = 0,
) -> np.ndarray:
    """uint8 quantised flow fields of a uniform translation plus a little noise.

    Quantisation follows the field's convention: ``q = round(255 (v + B) / 2B)``
    clipped to 0..255, so 128 is (almost) no motion.

    Args:
        fields: number of flow fields L.
        height, width: field size.
        velocity: (dy, dx) displacement in pixels.
        bound: quantisation bound B in pixels.
        seed: noise seed.

    Returns:
        ``(fields, height, width, 2)`` uint8 array, channels (x, y).

    Example:
    >>> flow = translating_flow_fields(4, 8, 8, velocity=(0.0, 0.0))
    >>> pixels = flow.astype("float32") * 40 / 255 - 20  # dequantised with B = 20
    >>> flow.shape, abs(round(float(pixels.mean()), 1))
    ((4, 8, 8, 2), 0.0)
    """
    rng = np.random.default_rng(seed)
    displacement = np.array([velocity[1], velocity[0]], "float32")  # stored x first, then y
    flow = displacement + rng.normal(0.0, 0.25, (fields, height, width, 2)).astype("float32")
    return np.clip(np.round(255.0 * (flow + bound) / (2.0 * bound)), 0, 255).astype(np.uint8)


def example_inputs(model, batch: int = 1, seed: int = 0):
    """Generated inputs for any zoo model: RGB clips for ``clip``, flow for ``flow``.

    Returns an array for single-input models and a dict by input name otherwise.

    Example:
    >>> from keras_video_zoo import create_model
    >>> sorted(example_inputs(create_model("two_stream_tiny"), batch=2))
    ['clip', 'flow']
    """
    generated = {}
    for index, tensor in enumerate(model.inputs):
        frames, height, width, channels = tensor.shape[1:]
        name = tensor.name
        if name.startswith("flow"):
            examples = [translating_flow_fields(frames, height, width, seed=seed + i) for i in range(batch)]
        else:
            examples = [moving_square_clip(frames, height, width, channels, seed=seed + i) for i in range(batch)]
        generated[name if name else f"input_{index}"] = np.stack(examples)
    return next(iter(generated.values())) if len(generated) == 1 else generated
