"""uint8 quantisation of flow fields: the field's fixed bound and per-frame min/max.

Bound mode (the convention of the common flow tools and the zoo's temporal stream):
``q = clip(round(255 (v + B) / 2B), 0, 255)``, decoded as ``v = q 2B / 255 - B``.
Displacements within ``[-B, B]`` come back within ``B / 255`` px (half a step);
values beyond ``±B`` are clipped to ``±B`` (the step's ends, 0 and 255). Because
``decode(255 - q) == -decode(q)`` exactly, a horizontal flip negates x as ``255 - q``.

Min/max mode: each component of each field is scaled from its own ``[lo, hi]`` to
0..255, with the two floats stored beside it; nothing is clipped, and the error is
within ``(hi - lo) / 510`` px.
"""

from __future__ import annotations

import numpy as np

from keras_video_zoo.vocabulary import DEFAULT_FLOW_BOUND as DEFAULT_BOUND
from keras_video_zoo.vocabulary import QUANTISATION_MODES as QUANTISATION_MODES  # re-exported


def check_bound(bound: float) -> float:
    """``bound`` as a positive float, or a ValueError."""
    if not (isinstance(bound, (int, float, np.floating)) and np.isfinite(bound) and bound > 0):
        raise ValueError(f"the quantisation bound B must be a positive number of pixels (e.g. 20); got {bound!r}.")
    return float(bound)


def quantize_flow(flow: np.ndarray, bound: float = DEFAULT_BOUND) -> np.ndarray:
    """Float displacements (pixels) to uint8 with bound ``B``; values beyond ``±B`` clip to 0 / 255.

    Example:
    >>> quantize_flow(np.array([-25.0, -20.0, 0.0, 20.0, 25.0]), 20).tolist()
    [0, 0, 128, 255, 255]
    """
    bound = check_bound(bound)
    scaled = np.rint(255.0 * (np.asarray(flow, np.float64) + bound) / (2.0 * bound))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def dequantize_flow(quantized: np.ndarray, bound: float = DEFAULT_BOUND) -> np.ndarray:
    """uint8 values to float32 displacements in pixels: ``q 2B / 255 - B``.

    Example:
    >>> dequantize_flow(np.array([0, 255], np.uint8), 20).tolist()
    [-20.0, 20.0]
    """
    bound = check_bound(bound)
    return (np.asarray(quantized, np.float32) * np.float32(2.0 * bound / 255.0) - np.float32(bound)).astype(np.float32)


def quantize_minmax(field: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """One field ``(H, W, 2)`` to uint8, each component scaled from its own min/max.

    Returns:
        ``(quantized, [x_min, x_max, y_min, y_max])``; a constant component maps to 0.

    Example:
    >>> field = np.stack([np.full((2, 2), 3.0), np.array([[0.0, 1.0], [2.0, 4.0]])], -1)
    >>> quantized, ranges = quantize_minmax(field)
    >>> quantized[..., 1].tolist(), ranges
    ([[0, 64], [128, 255]], [3.0, 3.0, 0.0, 4.0])
    """
    field = np.asarray(field, np.float64)
    if field.ndim != 3 or field.shape[-1] != 2:
        raise ValueError(f"a flow field is (H, W, 2); got shape {field.shape}.")
    quantized = np.empty(field.shape, np.uint8)
    ranges: list[float] = []
    for component in range(2):
        values = field[..., component]
        low, high = float(values.min()), float(values.max())
        scale = 255.0 / (high - low) if high > low else 0.0
        quantized[..., component] = np.clip(np.rint((values - low) * scale), 0, 255)
        ranges += [low, high]
    return quantized, ranges


def dequantize_minmax(quantized: np.ndarray, ranges) -> np.ndarray:
    """Inverse of :func:`quantize_minmax` for fields ``(..., H, W, 2)`` with ranges ``(..., 4)``.

    Example:
    >>> dequantize_minmax(np.array([[[0, 255]]], np.uint8), [-1.0, 1.0, 2.0, 6.0]).tolist()
    [[[-1.0, 6.0]]]
    """
    ranges = np.asarray(ranges, np.float32)
    low = ranges[..., 0::2][..., None, None, :]
    high = ranges[..., 1::2][..., None, None, :]
    return (low + np.asarray(quantized, np.float32) * (high - low) / np.float32(255.0)).astype(np.float32)
