"""Max pooling of every frame of a clip: MaxPooling3D with a pool of one frame, as one 2-D pooling."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FrameMaxPooling(keras.layers.Layer):
    """``MaxPooling3D((1, p, p))`` over ``(batch, T, H, W, C)``: each frame pooled on its own, with frames folded into
    the batch for one 2-D pooling.

    The same numbers as ``MaxPooling3D``, in an op every runtime has: LiteRT's builtin ops have no
    3-D pooling (it would need TensorFlow's Flex delegate), so the zoo's slow and early fusion
    models use this layer and export to every format (:mod:`keras_video_zoo.deployment.export`).

    Args:
        pool_size: the spatial pool (and stride), ``p``.

    Example:
    >>> import numpy as np
    >>> clips = np.random.default_rng(0).normal(size=(2, 3, 8, 8, 4)).astype("float32")
    >>> ours = FrameMaxPooling(2)(clips)
    >>> bool(np.allclose(ours, keras.layers.MaxPooling3D((1, 2, 2))(clips))), tuple(ours.shape)
    (True, (2, 3, 4, 4, 4))
    """

    def __init__(self, pool_size: int = 2, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)

    def call(self, inputs):
        _, frames, height, width, channels = inputs.shape
        folded = ops.reshape(inputs, (-1, height, width, channels))
        pooled = ops.max_pool(folded, self.pool_size, self.pool_size, padding="valid")
        return ops.reshape(pooled, (-1, frames, *pooled.shape[1:]))

    def compute_output_shape(self, input_shape):
        batch, frames, height, width, channels = input_shape
        return (batch, frames, height // self.pool_size, width // self.pool_size, channels)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size}
