"""The CNN-M-2048 conv trunk of Simonyan & Zisserman's two-stream ConvNets.

``conv1 7x7/2 96 valid - LRN - pool 3x3/2 valid - conv2 5x5/2 256 (pad 1) - [LRN] -
pool 3x3/2 'same' - conv3..5 3x3 512 same - pool5 3x3/2 valid``, giving the
109, 54, 26, 13 and 6 pixel maps of ``shared/design/MODELS.md`` for 224 inputs.
The temporal stream drops norm2, as in the paper.
"""

from __future__ import annotations

import keras

from keras_video_zoo.layers import LocalResponseNormalization
from keras_video_zoo.models.common import scale_filters

FILTERS = (96, 256, 512, 512, 512)
FC_UNITS = (4096, 2048)
INPUT_SIZE = 224


def scaled_filters(width: float) -> tuple[int, ...]:
    """CNN-M's conv widths times ``width``, at least one filter each."""
    return scale_filters(FILTERS, width)


def feature_sizes(size: int) -> dict[str, int]:
    """Spatial size after each down-sampling layer for ``size`` input pixels."""
    sizes = {"conv1": (size - 7) // 2 + 1}
    sizes["pool1"] = (sizes["conv1"] - 3) // 2 + 1
    sizes["conv2"] = (sizes["pool1"] + 2 - 5) // 2 + 1
    sizes["pool2"] = -(-sizes["conv2"] // 2)  # 'same': ceil
    sizes["pool5"] = (sizes["pool2"] - 3) // 2 + 1
    return sizes


def check_input_size(height: int, width: int) -> None:
    """Raises a ValueError when frames are too small for the CNN-M trunk."""

    def fits(size: int) -> bool:
        sizes = feature_sizes(size)
        return min(sizes.values()) >= 1 and sizes["pool2"] >= 3  # pool5 needs a 3x3 window

    if not (fits(height) and fits(width)):
        smallest = next(size for size in range(7, 1000) if fits(size))
        raise ValueError(
            f"Input frames of {height}x{width} pixels are too small for the CNN-M trunk; "
            f"use at least {smallest}x{smallest}."
        )


def cnn_m_trunk(x, filters: tuple[int, ...], lrn_beta: float, norm2: bool):
    """conv1 .. pool5 on a 4-D ``(batch, H, W, C)`` tensor."""

    def lrn(name: str):
        return LocalResponseNormalization(k=2.0, n=5, alpha=1e-4, beta=lrn_beta, name=name)

    x = keras.layers.Conv2D(filters[0], 7, 2, activation="relu", name="conv1")(x)
    x = lrn("norm1")(x)
    x = keras.layers.MaxPooling2D(3, 2, name="pool1")(x)
    x = keras.layers.ZeroPadding2D(1, name="conv2_pad")(x)
    x = keras.layers.Conv2D(filters[1], 5, 2, activation="relu", name="conv2")(x)
    if norm2:
        x = lrn("norm2")(x)
    # 'same' pads the one missing row/column at the bottom/right: 26 -> 13 (floor mode would give 12).
    x = keras.layers.MaxPooling2D(3, 2, padding="same", name="pool2")(x)
    for index, name in enumerate(("conv3", "conv4", "conv5"), start=2):
        x = keras.layers.Conv2D(filters[index], 3, padding="same", activation="relu", name=name)(x)
    return keras.layers.MaxPooling2D(3, 2, name="pool5")(x)
