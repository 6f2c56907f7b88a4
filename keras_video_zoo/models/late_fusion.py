"""Late fusion (Karpathy et al. 2014): two frames apart, merged in fc6."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from keras_video_zoo.layers import FoldTime, FramesToChannels, SelectFrames, UnfoldTime
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
def late_fusion(
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
    frame_distance: int = 15,
    width: float = 1.0,
    fc_units: int | Sequence[int] = 4096,
    lrn_beta: float = 0.5,
    mean: float | Sequence[float] = PIXEL_MEAN,
    pixel_scale: float = 1.0,
) -> keras.Model:
    """Late fusion CNN: one shared single-frame tower on the first and last frame.

    The defaults are the paper's model (125,288,295 parameters for 487
    classes): the frames are ``frame_distance`` = 15 apart, so the clip has 16
    frames; the two pool5 maps are concatenated (frame-major) before fc6. Both
    frames go through the tower as one batch, so its weights are shared.

    To ship only the two frames, sample them 15 apart in the data pipeline
    and build the model with ``frame_distance=1`` (a two-frame clip).

    Args:
        input_shape: ``(frame_distance + 1, height, width, channels)``;
            defaults to ``(16, 170, 170, 3)``, or 178x178 frames for fovea/context.
        frame_distance: frames between the two the model compares.
        The other arguments are those of :func:`keras_video_zoo.slow_fusion`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import late_fusion
    >>> model = late_fusion(frame_distance=9, input_shape=(10, 64, 64, 3),
    ...                     width=0.125, fc_units=64, num_classes=5)
    >>> model.get_layer("late_fusion").output.shape
    (None, 2, 2, 64)
    """
    if not isinstance(frame_distance, int) or frame_distance < 1:
        raise ValueError(f"frame_distance must be a positive integer; got {frame_distance!r}.")
    clip_shape = check_input_shape(input_shape, default_clip_shape(frame_distance + 1, resolution))
    if clip_shape[0] != frame_distance + 1:
        raise ValueError(
            f"late_fusion compares the first and last frame of its clip, frame_distance={frame_distance} apart, "
            f"so input_shape[0] must be {frame_distance + 1}; got {clip_shape[0]}. "
            f"Pass frame_distance={clip_shape[0] - 1} to use {clip_shape[0]}-frame clips."
            if clip_shape[0] > 1
            else f"late_fusion needs two frames; input_shape[0] is {clip_shape[0]}."
        )

    def two_frames(tower, clip):
        pair = tower.layer(SelectFrames, "select_frames", [0, frame_distance])(clip)
        maps = tower(tower.layer(FoldTime, "fold_time")(pair))
        maps = tower.layer(UnfoldTime, "unfold_time", frames=2)(maps)
        return tower.layer(FramesToChannels, "late_fusion")(maps)

    return build_karpathy_model(
        family="late_fusion",
        spec=TrunkSpec(scaled_filters(width), lrn_beta),
        stream_forward=two_frames,
        clip_shape=clip_shape,
        head=Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units),
        resolution=resolution,
        shared_streams=shared_streams,
        mean=mean,
        pixel_scale=pixel_scale,
        weights=weights,
        name=name,
    )


# frame_distance=9: the tiny late-fusion model reads the same 10-frame clips as the other tiny models.
register_model(late_fusion, name="late_fusion_tiny", input_shape=tiny_clip(10), frame_distance=9, **TINY)
