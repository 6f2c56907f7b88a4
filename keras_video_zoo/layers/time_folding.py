"""Move the time axis into the batch axis and back, so 2-D layers see frames."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FoldTime(keras.layers.Layer):
    """Reshapes ``(batch, time, ...)`` to ``(batch * time, ...)``.

    Running a 2-D tower once on the folded batch is the same as running it on
    every frame with shared weights, but as one large convolution call.

    Example:
    >>> import numpy as np
    >>> tuple(FoldTime()(np.zeros((2, 3, 8, 8, 4), "float32")).shape)
    (6, 8, 8, 4)
    """

    def call(self, inputs):
        return ops.reshape(inputs, (-1, *inputs.shape[2:]))

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        folded = None if batch is None or time is None else batch * time
        return (folded, *input_shape[2:])


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class UnfoldTime(keras.layers.Layer):
    """Reshapes ``(batch * frames, ...)`` back to ``(batch, frames, ...)``.

    Args:
        frames: length of the time axis that :class:`FoldTime` folded away.

    Example:
    >>> import numpy as np
    >>> tuple(UnfoldTime(frames=3)(np.zeros((6, 8, 8, 4), "float32")).shape)
    (2, 3, 8, 8, 4)
    """

    def __init__(self, frames: int, **kwargs):
        super().__init__(**kwargs)
        if frames < 1:
            raise ValueError(f"UnfoldTime needs frames >= 1, got {frames}.")
        self.frames = int(frames)

    def call(self, inputs):
        return ops.reshape(inputs, (-1, self.frames, *inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.frames
        return (batch, self.frames, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}
