"""Early fusion (Karpathy et al. 2014): the whole clip meets in conv1."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from keras_video_zoo.layers import FramesToChannels
from keras_video_zoo.models.common import Head, NumClasses, check_input_shape
from keras_video_zoo.models.karpathy_trunk import (
    PIXEL_MEAN,
    TrunkSpec,
    build_karpathy_model,
    default_clip_shape,
    scaled_filters,
)
from keras_video_zoo.models.tiny import TINY, tiny_clip
from keras_video_zoo.registry import register_model


@register_model
def early_fusion(
    include_top: bool = True,
    weights: str | None = None,
    input_shape: Sequence[int] | None = None,
    pooling: str | None = None,
    num_classes: NumClasses = 487,
    classifier_activation: str | None = "softmax",
    dropout: float = 0.5,
    name: str | None = None,
    *,
    resolution: str = "full",
    shared_streams: bool = False,
    width: float = 1.0,
    fc_units: int | Sequence[int] = 4096,
    lrn_beta: float = 0.5,
    mean: float | Sequence[float] = PIXEL_MEAN,
    pixel_scale: float = 1.0,
) -> keras.Model:
    """Early fusion CNN: conv1 is 11x11x3xT over all T frames of the clip.

    The defaults are the paper's model (T=10, 74,221,703 parameters for 487
    classes). conv1 is a Conv2D on the frames stacked on the channel axis
    (frame-major, see :class:`~keras_video_zoo.layers.FramesToChannels`), the
    same function as a Conv3D whose temporal extent is the clip.

    Args:
        input_shape: ``(frames, height, width, channels)`` with frames >= 2;
            defaults to ``(10, 170, 170, 3)``, or 178x178 frames for fovea/context.
        The other arguments are those of :func:`keras_video_zoo.slow_fusion`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import early_fusion
    >>> model = early_fusion(input_shape=(10, 64, 64, 3), width=0.125,
    ...                      fc_units=64, num_classes=5)
    >>> tuple(model.get_layer("conv1").kernel.shape)
    (11, 11, 30, 12)
    """
    clip_shape = check_input_shape(input_shape, default_clip_shape(10, resolution))
    if clip_shape[0] < 2:
        raise ValueError(
            f"early_fusion needs at least 2 frames to fuse (the paper uses 10); input_shape[0] is {clip_shape[0]}. "
            "For one frame use single_frame."
        )

    def stacked_frames(tower, clip):
        return tower(tower.layer(FramesToChannels, "frames_to_channels")(clip))

    return build_karpathy_model(
        family="early_fusion",
        spec=TrunkSpec(scaled_filters(width), lrn_beta),
        stream_forward=stacked_frames,
        clip_shape=clip_shape,
        head=Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units),
        resolution=resolution,
        shared_streams=shared_streams,
        mean=mean,
        pixel_scale=pixel_scale,
        weights=weights,
        name=name,
    )


register_model(early_fusion, name="early_fusion_tiny", input_shape=tiny_clip(10), **TINY)
