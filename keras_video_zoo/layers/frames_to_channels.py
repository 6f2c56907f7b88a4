"""Early fusion's input: the frames of a clip stacked on the channel axis."""

from __future__ import annotations

import keras
from keras import ops

from keras_video_zoo.vocabulary import STACKING_MODES


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


STACKINGS = STACKING_MODES


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FlowStack(FramesToChannels):
    """A temporal stream's stack: ``L`` flow fields ``(x, y)`` become ``2L`` channels ``x1, y1, x2, y2, ...``.

    It computes what :class:`FramesToChannels` does and records how the fields were chosen from the video
    (``stacking``: forward from a frame, centred on it, half forward and half backward, or along
    trajectories), so that every pipeline feeding the model, and every checkpoint of it, knows the stack
    it was trained on (:func:`keras_video_zoo.models.description.describe`).

    Example:
    >>> import numpy as np
    >>> layer = FlowStack(stacking="bidirectional")
    >>> tuple(layer(np.zeros((2, 4, 8, 8, 2), "float32")).shape), layer.get_config()["stacking"]
    ((2, 8, 8, 8), 'bidirectional')
    """

    def __init__(self, stacking: str = "forward", **kwargs):
        super().__init__(**kwargs)
        if stacking not in STACKINGS:
            raise ValueError(f"stacking must be one of {STACKINGS}; got {stacking!r}.")
        self.stacking = stacking

    def get_config(self):
        return {**super().get_config(), "stacking": self.stacking}
