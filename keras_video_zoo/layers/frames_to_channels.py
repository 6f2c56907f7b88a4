"""Early fusion's input: the frames of a clip stacked on the channel axis."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FramesToChannels(keras.layers.Layer):
    """Reshapes ``(batch, T, H, W, C)`` to ``(batch, H, W, T * C)``, frame-major.

    Output channel ``t * C + c`` is channel ``c`` of frame ``t``, so a Conv2D on
    the result is a Conv3D whose temporal extent covers the whole clip (valid in
    time), with kernel ``conv3d_kernel.reshape(H, W, T * C, filters)`` after
    moving time next to channels.

    Example:
    >>> import numpy as np
    >>> tuple(FramesToChannels()(np.zeros((2, 10, 8, 8, 3), "float32")).shape)
    (2, 8, 8, 30)
    """

    def call(self, inputs):
        _, frames, height, width, channels = inputs.shape
        stacked = ops.transpose(inputs, (0, 2, 3, 1, 4))
        return ops.reshape(stacked, (-1, height, width, frames * channels))

    def compute_output_shape(self, input_shape):
        batch, frames, height, width, channels = input_shape
        return (batch, height, width, frames * channels)
