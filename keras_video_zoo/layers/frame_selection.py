"""Pick frames of a clip by index, e.g. late fusion's first and last frame."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class SelectFrames(keras.layers.Layer):
    """Gathers the given frame indices from ``(batch, time, ...)`` clips.

    Args:
        indices: frame indices into the time axis, in output order (negative
            indices count from the end, as in Python).

    Example:
    >>> import numpy as np
    >>> clip = np.arange(16, dtype="float32").reshape(1, 16, 1, 1, 1)
    >>> SelectFrames([0, 15])(clip).numpy().ravel().tolist()
    [0.0, 15.0]
    """

    def __init__(self, indices: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        if len(indices) == 0:
            raise ValueError("SelectFrames needs at least one frame index.")
        self.indices = [int(i) for i in indices]

    def build(self, input_shape):
        frames = input_shape[1]
        if frames is not None:
            bad = [i for i in self.indices if not -frames <= i < frames]
            if bad:
                raise ValueError(f"SelectFrames: indices {bad} are outside a clip of {frames} frames.")

    def call(self, inputs):
        frames = inputs.shape[1]
        positive = [i % frames for i in self.indices]
        return ops.take(inputs, positive, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.indices), *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "indices": list(self.indices)}
