"""Generated clips, so that demos and tests need no downloaded video."""

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
