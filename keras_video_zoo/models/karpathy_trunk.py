"""The conv trunk and model assembly shared by Karpathy et al.'s fusion models.

Trunk: ``C(96,11,3)-N-P-C(256,5,1)-N-P-C(384,3,1)-C(384,3,1)-C(256,3,1)-P``
followed by ``FC(4096)-FC(4096)-softmax`` (see ``shared/design/MODELS.md``).
Every conv is 'same' in space; every pool is 2x2/2 'valid'. The first
``len(temporal_kernels)`` convs may also span time (slow fusion); they are valid
in time and 'same' in space, computed by :class:`~keras_video_zoo.layers.FrameWindowConv`
as one 2-D convolution over frame windows (fast on every backend and CPU).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras

from keras_video_zoo.layers import (
    ClipShapeCheck,
    ContextResize,
    FoveaCrop,
    FrameMaxPooling,
    FrameWindowConv,
    LocalResponseNormalization,
)
from keras_video_zoo.models.common import ClipShape, Head, check_pixel_scale, classifier_head, scale_filters
from keras_video_zoo.models.pretrained import load_weights

FILTERS = (96, 256, 384, 384, 256)
KERNELS = (11, 5, 3, 3, 3)
STRIDES = (3, 1, 1, 1, 1)
PIXEL_MEAN = 117.0
FULL_SIZE = 170  # input frames of full-resolution models
MULTIRES_SIZE = 178  # input frames of fovea/context models: 89 = half of 178
RESOLUTIONS = ("full", "multires", "fovea", "context")


@dataclass(frozen=True)
class TrunkSpec:
    """Shape of the conv trunk: filters per conv, LRN, and temporal convs.

    Attributes:
        filters: output channels of conv1..conv5.
        lrn_beta: LRN exponent (k=2, n=5, alpha=1e-4 as in the paper).
        temporal_kernels: temporal extent of conv1, conv2, ... (empty: all 2-D).
        temporal_strides: temporal stride of those convs.
    """

    filters: tuple[int, ...]
    lrn_beta: float
    temporal_kernels: tuple[int, ...] = ()
    temporal_strides: tuple[int, ...] = ()


def scaled_filters(width: float) -> tuple[int, ...]:
    """The paper's conv widths times ``width``, at least one filter each."""
    return scale_filters(FILTERS, width)


def trunk_feature_size(size: int, pool5: bool) -> int:
    """Spatial size of the trunk's output for ``size`` input pixels."""
    size = math.ceil(size / STRIDES[0])  # conv1
    size //= 2  # pool1
    size //= 2  # pool2 (conv2..conv5 keep the size)
    return size // 2 if pool5 else size


def check_trunk_input(height: int, width: int, pool5: bool, what: str) -> None:
    """Raises a ValueError when ``what`` frames are too small for the trunk."""
    if min(trunk_feature_size(height, pool5), trunk_feature_size(width, pool5)) >= 1:
        return
    smallest = next(size for size in range(1, 1000) if trunk_feature_size(size, pool5) >= 1)
    raise ValueError(
        f"{what} of {height}x{width} pixels are too small: the conv trunk's feature map would vanish. "
        f"Use at least {smallest}x{smallest}."
    )


def temporal_sizes(frames: int, kernels: Sequence[int], strides: Sequence[int]) -> list[int] | None:
    """Time steps after each temporal conv (valid in time).

    Returns ``None`` when the clip is too short for a kernel or a conv would
    leave trailing steps that no window covers (frames silently ignored).
    """
    sizes = []
    for kernel, stride in zip(kernels, strides, strict=True):
        if frames < kernel or (frames - kernel) % stride:
            return None
        frames = (frames - kernel) // stride + 1
        sizes.append(frames)
    return sizes


class KarpathyTower:
    """conv1..conv5 (+ pool5) of one stream, with layers created once and shared.

    Calling the tower twice reuses the same layers, which is how multires models
    with ``shared_streams=True`` share weights between fovea and context.

    Args:
        spec: filters, LRN and temporal convs.
        prefix: stream prefix for layer names ("", "fovea_", "context_").
        pool5: whether to end with pool5 (multires streams do not).
    """

    def __init__(self, spec: TrunkSpec, prefix: str = "", pool5: bool = True):
        self.spec = spec
        self.prefix = prefix
        self.pool5 = pool5
        self._layers: dict[str, keras.layers.Layer] = {}

    def layer(self, layer_class: type[keras.layers.Layer], name: str, *args, **kwargs) -> keras.layers.Layer:
        """The stream's layer ``name``, created on first use and reused after."""
        full_name = self.prefix + name
        if full_name not in self._layers:
            self._layers[full_name] = layer_class(*args, name=full_name, **kwargs)
        return self._layers[full_name]

    def _conv(self, x, index: int):
        filters, kernel, stride = self.spec.filters[index], KERNELS[index], STRIDES[index]
        name = f"conv{index + 1}"
        if index >= len(self.spec.temporal_kernels):
            return self.layer(keras.layers.Conv2D, name, filters, kernel, stride, padding="same", activation="relu")(x)
        t_kernel, t_stride = self.spec.temporal_kernels[index], self.spec.temporal_strides[index]
        x = self.layer(
            FrameWindowConv, name, filters, (t_kernel, kernel, kernel), (t_stride, stride, stride), activation="relu"
        )(x)
        if index == len(self.spec.temporal_kernels) - 1:
            # Time is fully fused (one step left, checked by the factory): drop the axis.
            x = self.layer(keras.layers.Reshape, name + "_squeeze_time", x.shape[2:])(x)
        return x

    def _norm_pool(self, x, index: int, norm: bool):
        if norm:
            lrn = LocalResponseNormalization
            x = self.layer(lrn, f"norm{index}", k=2.0, n=5, alpha=1e-4, beta=self.spec.lrn_beta)(x)
        if len(x.shape) == 5:  # each frame on its own: MaxPooling3D((1, 2, 2)), in ops every runtime has
            return self.layer(FrameMaxPooling, f"pool{index}", 2)(x)
        return self.layer(keras.layers.MaxPooling2D, f"pool{index}", 2)(x)

    def __call__(self, x):
        x = self._norm_pool(self._conv(x, 0), 1, norm=True)
        x = self._norm_pool(self._conv(x, 1), 2, norm=True)
        for index in (2, 3, 4):
            x = self._conv(x, index)
        return self._norm_pool(x, 5, norm=False) if self.pool5 else x


def build_karpathy_model(
    *,
    family: str,
    spec: TrunkSpec,
    stream_forward: Callable[[KarpathyTower, keras.KerasTensor], keras.KerasTensor],
    clip_shape: ClipShape,
    head: Head,
    resolution: str,
    shared_streams: bool,
    mean: float | Sequence[float],
    pixel_scale: float,
    weights,
    name: str | None,
) -> keras.Model:
    """Assembles input, preprocessing, resolution streams, fusion and head, then loads ``weights``.

    Args:
        family: factory name, used for the default model name and messages.
        spec: the conv trunk's shape.
        stream_forward: ``stream_forward(tower, clip)`` runs one stream: it maps a
            preprocessed clip (batch, T, H, W, C) through the family's fusion
            and ``tower`` to a 4-D feature map. Extra layers it needs come from
            ``tower.layer(...)`` so that they are named and shared per stream.
        clip_shape: validated (T, H, W, C).
        head: the checked head arguments.
        resolution: "full", "multires", "fovea" or "context".
        shared_streams: multires only; fovea and context share weights.
        mean: subtracted from every input pixel inside the model (one value, or one per RGB channel).
        pixel_scale: multiplies the mean-subtracted pixels.
        weights: the factory's ``weights`` (see :func:`~keras_video_zoo.models.pretrained.load_weights`).
        name: model name (default: the family, plus the resolution).
    """
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}; got {resolution!r}.")
    if shared_streams and resolution != "multires":
        raise ValueError(f"shared_streams=True needs resolution='multires' (two streams); got {resolution!r}.")
    _, height, width, _ = clip_shape

    inputs = keras.Input(shape=clip_shape, name="clip")
    # Mean subtraction lives in the model so nobody can forget it: feed raw 0..255 pixels.
    check_pixel_scale(pixel_scale)
    x = ClipShapeCheck(clip_shape, name="clip_shape_check")(inputs)
    offset = -mean * pixel_scale if isinstance(mean, (int, float)) else [-m * pixel_scale for m in mean]
    x = keras.layers.Rescaling(pixel_scale, offset=offset, name="preprocess")(x)
    if resolution == "full":
        check_trunk_input(height, width, pool5=True, what="Input frames")
        features = stream_forward(KarpathyTower(spec, "", pool5=True), x)
    else:
        view_size = (height // 2, width // 2)
        check_trunk_input(*view_size, pool5=False, what=f"Fovea/context views (half of {height}x{width})")
        shared = KarpathyTower(spec, "", pool5=False) if shared_streams else None
        views = []
        if resolution in ("fovea", "multires"):
            fovea = FoveaCrop(view_size, name="fovea_crop")(x)
            views.append(stream_forward(shared or KarpathyTower(spec, "fovea_", pool5=False), fovea))
        if resolution in ("context", "multires"):
            context = ContextResize(view_size, name="context_resize")(x)
            views.append(stream_forward(shared or KarpathyTower(spec, "context_", pool5=False), context))
        features = views[0] if len(views) == 1 else keras.layers.Concatenate(name="fovea_context")(views)

    default_name = family if resolution == "full" else f"{family}_{resolution}"
    model = keras.Model(inputs, classifier_head(features, head), name=name or default_name)
    return load_weights(model, weights, default_name)


def default_clip_shape(frames: int, resolution: str) -> ClipShape:
    """The paper's clip shape for ``frames`` frames at ``resolution``."""
    size = FULL_SIZE if resolution == "full" else MULTIRES_SIZE
    return (frames, size, size, 3)
