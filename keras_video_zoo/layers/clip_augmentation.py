"""Clip augmentation and evaluation views as batched tensor ops, so they run on the accelerator.

The CPU pipeline ships uint8 clips ``(batch, T, H, W, C)`` at the video's size;
these layers do the rest on the device (Karpathy et al. 2014's preprocessing by
default): take the centre square, resize it to ``resize``, then

- training: a random ``crop_size`` crop and a left-right flip with p=0.5, drawn
  once per clip, so every frame of a clip gets the same crop and flip, while
  clips of a batch get independent ones;
- inference: the centre crop (:class:`ClipAugmentation`), or several fixed views
  per clip (:class:`ClipViews`: corners, centre, flips).

Optical flow (``flow="float"`` or ``flow="uint8"``): the same crops apply to both
channels (x, y); a flip also negates x, and a resize scales the displacements by
the resize factor. For uint8-quantised flow (``q = round(255 (v + B) / 2B)``,
decoded by the models as ``v = q 2B/255 - B``) the flip maps ``q -> 255 - q``: it
is the exact negation of the decoded value (``decode(255 - q) = -decode(q)``),
whatever B, so 128 (decoded +0.078 px with B=20) becomes 127 (-0.078 px). (The
alternative ``256 - q`` would keep 128 fixed but shift every other value by one
level, -0.16 px at B=20.) Outputs are float32 raw values (0-255 pixels, or flow
in the input's units); the models subtract means and dequantise themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops

from keras_video_zoo.views import CropView

FLOW_MODES = (None, "float", "uint8")

__all__ = [
    "FLOW_MODES",
    "AverageViews",
    "ClipAugmentation",
    "ClipViews",
]


def _pair(size: int | Sequence[int] | None, name: str) -> tuple[int, int] | None:
    if size is None:
        return None
    pair = (int(size), int(size)) if isinstance(size, int) else tuple(int(s) for s in size)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or (height, width); got {size!r}.")
    return pair


def _as_clips(inputs):
    """``(batch, T, H, W, C)`` in the input's dtype; frames ``(batch, H, W, C)`` get a time axis of 1."""
    rank = len(inputs.shape)
    if rank not in (4, 5):
        raise ValueError(f"Expected clips (batch, T, H, W, C) or frames (batch, H, W, C); got rank {rank}.")
    return (inputs if rank == 5 else ops.expand_dims(inputs, 1)), rank


class _ClipGeometry(keras.layers.Layer):
    """Shared part: centre square, resize, flips and the flow conventions."""

    def __init__(
        self,
        crop_size: int | Sequence[int] = 170,
        resize: int | Sequence[int] | None = 200,
        centre_square: bool = True,
        flow: str | None = None,
        interpolation: str = "bilinear",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.crop_size = _pair(crop_size, "crop_size")
        self.resize = _pair(resize, "resize")
        if self.resize is not None and (self.resize[0] < self.crop_size[0] or self.resize[1] < self.crop_size[1]):
            raise ValueError(f"a {self.crop_size} crop does not fit in frames resized to {self.resize}.")
        if flow not in FLOW_MODES:
            raise ValueError(f"flow must be one of {FLOW_MODES}; got {flow!r}.")
        self.centre_square = bool(centre_square)
        self.flow = flow
        self.interpolation = interpolation

    def _prepare(self, inputs):
        """Clips after the centre square and the resize: float32, or the input's dtype where no resize ran.

        Pixels stay uint8 until the crop (callers cast its output): cropping first moves a quarter of
        the bytes of casting first, and the result is the same. Flow is float32 from the start, as its
        flips and scalings compute on the values.
        """
        x, rank = _as_clips(inputs)
        if self.flow is not None and x.shape[-1] != 2:
            raise ValueError(f"flow={self.flow!r} expects 2 channels (x, y displacements); got {x.shape[-1]}.")
        if self.flow is not None:
            x = ops.cast(x, "float32")
        if self.centre_square:
            height, width = ops.shape(x)[2], ops.shape(x)[3]
            # Python ints where the sizes are known (JAX's jit needs static slices), a tensor otherwise.
            side = (
                min(height, width) if isinstance(height, int) and isinstance(width, int) else ops.minimum(height, width)
            )
            top, left = (height - side) // 2, (width - side) // 2
            x = x[:, :, top : top + side, left : left + side, :]
        if self.resize is not None and tuple(x.shape[2:4]) != self.resize:  # at the size already: nothing to do
            before = ops.cast(ops.shape(x)[2:4], "float32")
            frames, channels = x.shape[1], x.shape[-1]
            folded = ops.reshape(ops.cast(x, "float32"), (-1, ops.shape(x)[2], ops.shape(x)[3], channels))
            folded = ops.image.resize(folded, self.resize, interpolation=self.interpolation)
            x = ops.reshape(folded, (-1, frames, *self.resize, channels))
            if self.flow is not None:
                x = self._scale_flow(x, ops.convert_to_tensor(self.resize, "float32") / before)
        return x, rank

    def _scale_flow(self, x, scale):
        """Displacements follow the resize: x by the width factor, y by the height factor."""
        factors = ops.stack([scale[1], scale[0]])  # channel 0 is x (width), channel 1 is y (height)
        if self.flow == "float":
            return x * factors
        return (x - 127.5) * factors + 127.5  # the exact scaling of decode(q) = q 2B/255 - B, for any B

    def _negate_x(self, x):
        """x-displacements of a mirrored flow field point the other way."""
        negated = -x if self.flow == "float" else 255.0 - x
        is_x = ops.reshape(ops.arange(x.shape[-1]) == 0, (1,) * (len(x.shape) - 1) + (-1,))
        return ops.where(is_x, negated, x)

    def _flip(self, x, axis: int = 3):
        """Mirrors along ``axis`` (the width of clips; 2 for one clip without its batch axis)."""
        x = ops.flip(x, axis=axis)
        return self._negate_x(x) if self.flow is not None else x

    def _crop_at(self, x, y_fraction: float, x_fraction: float):
        height, width = x.shape[2], x.shape[3]
        if height is not None and width is not None:
            # Known sizes (always on JAX and PyTorch): integer offsets, as JAX's jit needs static slices.
            top = round(y_fraction * (height - self.crop_size[0]))
            left = round(x_fraction * (width - self.crop_size[1]))
        else:  # a TensorFlow graph of clips of any size
            height, width = ops.shape(x)[2], ops.shape(x)[3]
            top = ops.cast(ops.round(y_fraction * ops.cast(height - self.crop_size[0], "float32")), "int32")
            left = ops.cast(ops.round(x_fraction * ops.cast(width - self.crop_size[1], "float32")), "int32")
        crop = x[:, :, top : top + self.crop_size[0], left : left + self.crop_size[1], :]
        return ops.reshape(crop, (-1, x.shape[1], *self.crop_size, x.shape[-1]))

    def get_config(self):
        return {
            **super().get_config(),
            "crop_size": list(self.crop_size),
            "resize": None if self.resize is None else list(self.resize),
            "centre_square": self.centre_square,
            "flow": self.flow,
            "interpolation": self.interpolation,
        }


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class ClipAugmentation(_ClipGeometry):
    """Random crop and flip per clip in training, the centre crop in inference.

    Args:
        crop_size: output ``(height, width)`` (170 in the paper; 64 for tiny models).
        resize: size the centre square is resized to first (200 in the paper;
            e.g. 75 for 64 crops), or ``None`` to crop the frames as they are.
        centre_square: start from the largest centred square of each frame
            (the paper's "centre region"); ``False`` keeps the whole frame.
        flip: mirror half of the clips in training.
        flow: ``None`` for RGB, ``"float"`` or ``"uint8"`` for flow fields (see the module doc).
        interpolation: of the resize, any ``keras.ops.image.resize`` method.
        seed: makes the random crops and flips reproducible.

    Example:
    >>> import numpy as np
    >>> layer = ClipAugmentation(crop_size=64, resize=76, seed=0)
    >>> clips = np.zeros((2, 10, 90, 120, 3), "uint8")
    >>> tuple(layer(clips, training=True).shape), tuple(layer(clips).shape)
    ((2, 10, 64, 64, 3), (2, 10, 64, 64, 3))
    """

    def __init__(
        self,
        crop_size: int | Sequence[int] = 170,
        resize: int | Sequence[int] | None = 200,
        centre_square: bool = True,
        flip: bool = True,
        flow: str | None = None,
        interpolation: str = "bilinear",
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(crop_size, resize, centre_square, flow, interpolation, **kwargs)
        self.flip = bool(flip)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        x, rank = self._prepare(inputs)
        x = self._random_crop_and_flip(x) if training else self._crop_at(x, 0.5, 0.5)
        x = ops.cast(x, "float32")
        return x if rank == 5 else x[:, 0]

    def _random_crop_and_flip(self, x):
        batch = ops.shape(x)[0]
        frames, height, width, channels = x.shape[1], ops.shape(x)[2], ops.shape(x)[3], x.shape[-1]
        crop_height, crop_width = self.crop_size
        # One draw per clip, applied to every frame of it alike.
        top = keras.random.randint((batch,), 0, height - crop_height + 1, seed=self.seed_generator)
        left = keras.random.randint((batch,), 0, width - crop_width + 1, seed=self.seed_generator)
        if self.flip:
            flipped = keras.random.uniform((batch,), seed=self.seed_generator) < 0.5
        else:
            flipped = ops.zeros((batch,), "bool")
        size = (frames if frames is not None else ops.shape(x)[1], crop_height, crop_width, channels)

        def crop_clip(clip_and_draw):
            # A slice per clip copies whole rows: about 2x faster on a CPU than gathering rows and
            # columns by index over the batch (17 against 37 ms for 16 clips of 10x200x200, measured).
            clip, clip_top, clip_left, clip_flipped = clip_and_draw
            crop = ops.slice(clip, (0, clip_top, clip_left, 0), size)
            return ops.cond(clip_flipped, lambda: self._flip(crop, axis=2), lambda: crop)

        return ops.map(crop_clip, (x, top, left, flipped))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-3], *self.crop_size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "flip": self.flip, "seed": self.seed}


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class ClipViews(_ClipGeometry):
    """Several fixed crop/flip views of every clip, for multi-view evaluation.

    Output ``(batch * len(views), T, crop, crop, C)``, clip-major: the views of
    clip ``b`` are rows ``b * V ... b * V + V - 1``, so scores reshape to
    ``(batch, V, classes)`` to be averaged.

    Args:
        views: :class:`~keras_video_zoo.data.sampling.CropView` s (or their dicts),
            e.g. a protocol's ``views``.
        The other arguments are those of :class:`ClipAugmentation`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo.views import TEN_CROPS
    >>> layer = ClipViews(TEN_CROPS, crop_size=224, resize=None, centre_square=False)
    >>> tuple(layer(np.zeros((2, 1, 256, 340, 3), "uint8")).shape)
    (20, 1, 224, 224, 3)
    """

    def __init__(
        self,
        views: Sequence[CropView | dict],
        crop_size: int | Sequence[int] = 170,
        resize: int | Sequence[int] | None = 200,
        centre_square: bool = True,
        flow: str | None = None,
        interpolation: str = "bilinear",
        **kwargs,
    ):
        super().__init__(crop_size, resize, centre_square, flow, interpolation, **kwargs)
        self.views = tuple(CropView.from_dict(v) if isinstance(v, dict) else v for v in views)
        if not self.views:
            raise ValueError("ClipViews needs at least one view.")

    def call(self, inputs):
        x, rank = self._prepare(inputs)
        crops = {}
        outputs = []
        for view in self.views:
            key = (view.y, view.x)
            if key not in crops:  # a flipped view reuses its plain crop
                crops[key] = self._crop_at(x, view.y, view.x)
            outputs.append(self._flip(crops[key]) if view.flip else crops[key])
        stacked = ops.cast(ops.stack(outputs, axis=1), "float32")  # (batch, V, T, h, w, C)
        flat = ops.reshape(stacked, (-1, *stacked.shape[2:]))
        return flat if rank == 5 else flat[:, 0]

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] * len(self.views)
        return (batch, *input_shape[1:-3], *self.crop_size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "views": [view.to_dict() for view in self.views]}


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class AverageViews(keras.layers.Layer):
    """Averages clip-major ``(batch * views, ...)`` scores over the views: ``(batch, ...)``.

    Example:
    >>> import numpy as np
    >>> AverageViews(2)(np.array([[0.0], [1.0], [2.0], [4.0]], "float32")).numpy().ravel().tolist()
    [0.5, 3.0]
    """

    def __init__(self, views: int, **kwargs):
        super().__init__(**kwargs)
        if views < 1:
            raise ValueError(f"views must be >= 1; got {views}.")
        self.views = int(views)

    def call(self, inputs):
        return ops.mean(ops.reshape(inputs, (-1, self.views, *inputs.shape[1:])), axis=1)

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.views
        return (batch, *input_shape[1:])

    def get_config(self):
        return {**super().get_config(), "views": self.views}
