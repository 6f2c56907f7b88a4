"""Mean flow subtraction: crude camera-motion compensation (Simonyan & Zisserman 2014)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class MeanFlowSubtraction(keras.layers.Layer):
    """Subtracts each displacement field's mean vector from that field.

    Input ``(batch, L, H, W, 2)`` flow fields (x, y displacements); the mean
    over H and W is taken per example, per field and per component, so a global
    camera pan becomes zero while motion relative to it is kept.

    Example:
    >>> import numpy as np
    >>> flow = np.ones((1, 2, 4, 4, 2), "float32") * 3.0  # a pure pan
    >>> float(np.abs(MeanFlowSubtraction()(flow)).max())
    0.0
    """

    def call(self, inputs):
        return inputs - ops.mean(inputs, axis=(-3, -2), keepdims=True)

    def compute_output_shape(self, input_shape):
        return input_shape
