"""Frame pairs with known optical flow, for measuring extraction accuracy.

A smooth random texture is moved by a known displacement: a global translation, or
a smooth non-rigid warp (sinusoidal, like a flag in the wind). The ground truth is
the forward flow on the first frame's grid, exact up to the texture's interpolation.
"""

from __future__ import annotations

import numpy as np

from keras_video_zoo.opencv import cv2


def textured_image(height: int, width: int, *, seed: int = 0) -> np.ndarray:
    """A uint8 gray image with detail at several scales (blurred noise, octaves summed).

    Example:
    >>> image = textured_image(48, 64)
    >>> image.shape, image.dtype.name, bool(image.std() > 20)
    ((48, 64), 'uint8', True)
    """
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width), np.float64)
    for sigma, weight in ((1.0, 0.5), (2.5, 1.0), (6.0, 1.0)):
        octave = cv2.GaussianBlur(rng.standard_normal((height, width)), (0, 0), sigma)
        image += weight * octave / octave.std()
    image = (image - image.mean()) / image.std()
    return np.clip(128 + 45 * image, 0, 255).astype(np.uint8)


def _warp(image: np.ndarray, flow_on_second: np.ndarray) -> np.ndarray:
    """``second[p] = first[p - f(p)]``: bilinear backward warp (reflecting at the borders)."""
    height, width = image.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    map_x = xs - flow_on_second[..., 0].astype(np.float32)
    map_y = ys - flow_on_second[..., 1].astype(np.float32)
    return cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT101)


def translation_pair(
    height: int, width: int, shift: tuple[float, float], *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two frames of a texture translated by ``shift = (dx, dy)`` pixels, and the true flow.

    Returns:
        ``(first, second, flow)``: gray uint8 frames and float32 ``(H, W, 2)`` flow.

    Example:
    >>> first, second, flow = translation_pair(32, 32, (3.0, -1.0))
    >>> flow[0, 0].tolist(), bool(np.array_equal(second[5, 8], first[6, 5]))
    ([3.0, -1.0], True)
    """
    first = textured_image(height, width, seed=seed)
    flow = np.empty((height, width, 2), np.float32)
    flow[..., 0], flow[..., 1] = shift
    return first, _warp(first, flow), flow


def smooth_warp_pair(
    height: int, width: int, amplitude: float = 3.0, *, period: float = 64.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two frames related by a smooth non-rigid warp of up to ``amplitude`` pixels, and the true flow.

    The second frame is ``first`` moved by ``g(p) = amplitude * (sin(2 pi y / period),
    cos(2 pi x / period))``, defined on the second frame's grid. The forward flow at a
    pixel ``x`` of the first frame solves ``p - g(p) = x`` (fixed-point iteration,
    which converges while ``2 pi amplitude / period < 1``); the flow is ``p - x``.

    Example:
    >>> first, second, flow = smooth_warp_pair(32, 32, 2.0, period=32.0)
    >>> bool(np.abs(flow).max() <= 2.0 + 1e-4), bool(flow[..., 0].std() > 0.5)
    (True, True)
    """
    if not 2 * np.pi * amplitude / period < 1:
        raise ValueError(f"amplitude {amplitude} is too large for period {period}: the warp must stay invertible.")

    def displacement(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return np.stack(
            [amplitude * np.sin(2 * np.pi * ys / period), amplitude * np.cos(2 * np.pi * xs / period)], axis=-1
        )

    first = textured_image(height, width, seed=seed)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    second = _warp(first, displacement(xs, ys))
    # p - g(p) = x  <=>  p = x + g(p): iterate from p = x.
    px, py = xs.copy(), ys.copy()
    for _ in range(60):
        moved = displacement(px, py)
        px, py = xs + moved[..., 0], ys + moved[..., 1]
    flow = np.stack([px - xs, py - ys], axis=-1).astype(np.float32)
    return first, second, flow
