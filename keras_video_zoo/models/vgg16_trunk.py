"""The VGG-16 conv trunk of the very deep two-stream ConvNets (Wang et al. 2015; Feichtenhofer et al. 2016).

``conv1_1 .. conv5_3`` are 3x3/1 'same' convolutions with ReLU (64, 64 | 128, 128 | 256 x 3 |
512 x 3 | 512 x 3 filters), each block ending in a 2x2/2 max pool (``pool1 .. pool5``); no LRN.
A 224 input leaves a 7x7x512 map for fc6 (25,088 inputs). The layer names are VGG's own, so
published files map onto them name for name (:mod:`keras_video_zoo.convert`).
"""

from __future__ import annotations

import keras

from keras_video_zoo.models.common import scale_filters

BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))  # (filters, convolutions) per block
FC_UNITS = (4096, 4096)
INPUT_SIZE = 224


def conv_names() -> list[str]:
    """``["conv1_1", "conv1_2", "conv2_1", ..., "conv5_3"]``.

    Example:
    >>> conv_names()[:3], len(conv_names())
    (['conv1_1', 'conv1_2', 'conv2_1'], 13)
    """
    return [f"conv{block}_{index}" for block, (_, count) in enumerate(BLOCKS, 1) for index in range(1, count + 1)]


def scaled_filters(width: float) -> tuple[int, ...]:
    """Filters of each block times ``width``, at least one each."""
    return scale_filters([filters for filters, _ in BLOCKS], width)


def check_input_size(height: int, width: int) -> None:
    """Raises a ValueError when frames are too small for five 2x2 poolings."""
    if min(height, width) < 32:
        raise ValueError(
            f"Input frames of {height}x{width} pixels are too small for the VGG-16 trunk; use at least 32x32."
        )


def vgg16_trunk(x, filters: tuple[int, ...]):
    """conv1_1 .. pool5 on a 4-D ``(batch, H, W, C)`` tensor."""
    for block, ((_, count), block_filters) in enumerate(zip(BLOCKS, filters, strict=True), 1):
        for index in range(1, count + 1):
            x = keras.layers.Conv2D(block_filters, 3, padding="same", activation="relu", name=f"conv{block}_{index}")(x)
        x = keras.layers.MaxPooling2D(2, 2, name=f"pool{block}")(x)
    return x
