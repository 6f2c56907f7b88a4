"""A 3-D convolution (valid in time, 'same' in space) computed as one 2-D convolution over frame windows."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import ops


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding for one axis: the extra pixel goes after.

    Example:
    >>> same_padding(64, 11, 3)
    (5, 5)
    """
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class FrameWindowConv(keras.layers.Layer):
    """Slow fusion's temporal convolution: a Conv3D, valid in time and 'same' in space, as one Conv2D.

    Each output time step sees ``kt`` consecutive frames (``stride`` apart in time). The
    layer stacks every window's frames on the channel axis (frame-major), folds the windows
    into the batch, and runs a single 2-D convolution whose kernel is the 3-D kernel
    reshaped. The arithmetic is a Conv3D's, but every backend runs it through its fast 2-D
    kernels. Measured on a ``slow_fusion_tiny`` training step (batch 8, 2 cores): TensorFlow's
    Conv3D takes 17 s without oneDNN (its default on CPUs without AVX-512) and 0.57 s under XLA,
    against 0.05 s and 0.04 s this way. The kernel has the Conv3D shape ``(kt, kh, kw, in, out)``,
    so Conv3D checkpoints load into it by layer name
    (:func:`keras_video_zoo.models.heads.copy_weights`).

    Args:
        filters: output channels.
        kernel_size: ``(kt, kh, kw)``.
        strides: ``(st, sh, sw)``.
        activation: activation applied to the output.
        kernel_initializer, bias_initializer: as in ``keras.layers.Conv3D``.

    Input ``(batch, T, H, W, C)``; output ``(batch, (T - kt) // st + 1, ceil(H / sh), ceil(W / sw), filters)``.

    Example:
    >>> import numpy as np
    >>> layer = FrameWindowConv(8, (4, 3, 3), (2, 1, 1))
    >>> tuple(layer(np.zeros((2, 10, 16, 16, 3), "float32")).shape)
    (2, 4, 16, 16, 8)
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Sequence[int],
        strides: Sequence[int] = (1, 1, 1),
        activation: str | None = None,
        kernel_initializer: str | dict = "glorot_uniform",
        bias_initializer: str | dict = "zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.strides = tuple(int(s) for s in strides)
        if len(self.kernel_size) != 3 or len(self.strides) != 3 or min(self.kernel_size + self.strides) < 1:
            raise ValueError(
                f"FrameWindowConv takes (time, height, width) kernel sizes and strides of positive integers; "
                f"got kernel_size={kernel_size!r}, strides={strides!r}."
            )
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def _steps(self, frames: int) -> int:
        kernel, stride = self.kernel_size[0], self.strides[0]
        if frames < kernel:
            raise ValueError(f"FrameWindowConv with temporal kernel {kernel} needs {kernel}+ frames; got {frames}.")
        return (frames - kernel) // stride + 1

    def build(self, input_shape):
        if len(input_shape) != 5 or any(size is None for size in input_shape[1:]):
            raise ValueError(f"FrameWindowConv takes clips (batch, T, H, W, C) of known size; got {input_shape}.")
        self._steps(input_shape[1])
        kernel_t, kernel_h, kernel_w = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(kernel_t, kernel_h, kernel_w, input_shape[-1], self.filters),
            initializer=self.kernel_initializer,
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer)

    def call(self, inputs):
        frames, height, width, channels = inputs.shape[1:]
        kernel_t, kernel_h, kernel_w = self.kernel_size
        stride_t, stride_h, stride_w = self.strides
        steps = self._steps(frames)
        if keras.backend.backend() in ("jax", "tensorflow"):
            # Their own SAME padding is the padding below, in the convolution: no padded copy of the input.
            # On XLA:CPU the kernel gradient of a 'valid' convolution that fits its (explicitly padded) input
            # exactly is several times slower: 114 ms against 45 ms for one training step of a 74x74 input,
            # 11x11 kernel, stride 3 (benchmarks/backends.py, README).
            x, padding = inputs, "same"
        else:
            # Explicit zero padding, then a 'valid' convolution: PyTorch's padding='same' refuses strides.
            pad_h, pad_w = same_padding(height, kernel_h, stride_h), same_padding(width, kernel_w, stride_w)
            x, padding = ops.pad(inputs, ((0, 0), (0, 0), pad_h, pad_w, (0, 0))), "valid"
        # (batch, steps, H, W, kt * C): window s stacks frames s*st .. s*st + kt - 1 on channels, frame-major.
        windows = ops.stack(
            [ops.concatenate([x[:, step * stride_t + dt] for dt in range(kernel_t)], axis=-1) for step in range(steps)],
            axis=1,
        )
        folded = ops.reshape(windows, (-1, *windows.shape[2:]))
        # (kt, kh, kw, C, F) -> (kh, kw, kt * C, F), frame-major on the input axis like the windows.
        kernel = ops.reshape(
            ops.transpose(self.kernel, (1, 2, 0, 3, 4)), (kernel_h, kernel_w, kernel_t * channels, self.filters)
        )
        y = ops.conv(folded, ops.cast(kernel, folded.dtype), strides=(stride_h, stride_w), padding=padding)
        y = y + ops.cast(self.bias, y.dtype)
        y = ops.reshape(y, (-1, steps, *y.shape[1:]))
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        batch, frames, height, width, _ = input_shape
        return (
            batch,
            self._steps(frames),
            math.ceil(height / self.strides[1]),
            math.ceil(width / self.strides[2]),
            self.filters,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "activation": keras.activations.serialize(self.activation),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
