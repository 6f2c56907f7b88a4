"""Fovea and context views of a frame or clip (Karpathy et al. 2014, Sec. 3.2)."""

from __future__ import annotations

import keras
from keras import ops


def _spatial_axes(rank: int) -> tuple[int, int]:
    if rank not in (4, 5):
        raise ValueError(f"Expected frames (batch, H, W, C) or clips (batch, T, H, W, C); got rank {rank}.")
    return (rank - 3, rank - 2)


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FoveaCrop(keras.layers.Layer):
    """Takes the centre ``size`` region of every frame at full resolution.

    When the margin is odd the extra row/column is dropped at the bottom/right,
    as in ``keras.layers.CenterCrop``.

    Args:
        size: ``(height, width)`` of the crop.

    Example:
    >>> import numpy as np
    >>> tuple(FoveaCrop((89, 89))(np.zeros((1, 10, 178, 178, 3), "float32")).shape)
    (1, 10, 89, 89, 3)
    """

    def __init__(self, size: tuple[int, int], **kwargs):
        super().__init__(**kwargs)
        self.size = (int(size[0]), int(size[1]))

    def build(self, input_shape):
        height_axis, width_axis = _spatial_axes(len(input_shape))
        height, width = input_shape[height_axis], input_shape[width_axis]
        if height < self.size[0] or width < self.size[1]:
            raise ValueError(f"FoveaCrop: a {self.size} crop does not fit in {height}x{width} frames.")

    def call(self, inputs):
        height_axis, _ = _spatial_axes(len(inputs.shape))
        height, width = inputs.shape[height_axis], inputs.shape[height_axis + 1]
        top = (height - self.size[0]) // 2
        left = (width - self.size[1]) // 2
        return inputs[..., top : top + self.size[0], left : left + self.size[1], :]

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], *self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": list(self.size)}


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class ContextResize(keras.layers.Layer):
    """Resizes every whole frame down to ``size`` (the low-resolution context).

    ``"area"`` interpolation averages the pixels each output pixel covers, which
    for the paper's factor of two is exactly the mean of each 2x2 block.

    Args:
        size: ``(height, width)`` of the output frames.
        interpolation: any method ``keras.ops.image.resize`` accepts.

    Example:
    >>> import numpy as np
    >>> tuple(ContextResize((89, 89))(np.zeros((1, 10, 178, 178, 3), "float32")).shape)
    (1, 10, 89, 89, 3)
    >>> frames = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    >>> area = keras.ops.image.resize(frames, (4, 4), interpolation="area")
    >>> bool(np.allclose(ContextResize((4, 4))(frames), area, atol=1e-6))  # a 2x2 block mean, as pooling
    True
    """

    def __init__(self, size: tuple[int, int], interpolation: str = "area", **kwargs):
        super().__init__(**kwargs)
        self.size = (int(size[0]), int(size[1]))
        self.interpolation = interpolation

    def _resize(self, frames):
        """``(N, H, W, C)`` frames to ``size``."""
        height, width = frames.shape[1], frames.shape[2]
        if self.interpolation == "area" and height % self.size[0] == 0 and width % self.size[1] == 0:
            # Area resizing by a whole factor is the mean of each block: an average pooling, which every
            # runtime has (LiteRT has no area resize, and ONNX exports of it differ from TensorFlow's).
            pool = (height // self.size[0], width // self.size[1])
            return ops.average_pool(frames, pool, pool, padding="valid")
        return ops.image.resize(frames, self.size, interpolation=self.interpolation)

    def call(self, inputs):
        rank = len(inputs.shape)
        _spatial_axes(rank)
        if rank == 4:
            return self._resize(inputs)
        # Resizing takes 4-D batches: fold time into the batch and back.
        frames, channels = inputs.shape[1], inputs.shape[-1]
        resized = self._resize(ops.reshape(inputs, (-1, *inputs.shape[2:])))
        return ops.reshape(resized, (-1, frames, *self.size, channels))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], *self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "interpolation": self.interpolation}
