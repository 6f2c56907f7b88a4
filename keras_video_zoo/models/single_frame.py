"""Single-frame CNN (Karpathy et al. 2014): the appearance-only baseline."""

from __future__ import annotations

from collections.abc import Sequence

import keras

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
def single_frame(
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
    """Single-frame CNN: one frame through the conv trunk, no temporal fusion.

    The defaults are the paper's model (73,908,071 parameters for 487 classes).
    The input is a one-frame clip ``(1, H, W, C)`` so that every zoo model shares
    the ``(batch, T, H, W, C)`` contract; a video-level prediction averages the
    scores of several frames (see the evaluation protocols).

    Args:
        input_shape: ``(1, height, width, channels)``; defaults to
            ``(1, 170, 170, 3)``, or 178x178 frames for fovea/context.
        The other arguments are those of :func:`keras_video_zoo.slow_fusion`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import single_frame
    >>> model = single_frame(resolution="multires", input_shape=(1, 64, 64, 3),
    ...                      width=0.125, fc_units=64, num_classes=5)
    >>> model.predict(np.zeros((2, 1, 64, 64, 3), "uint8"), verbose=0).shape
    (2, 5)
    """
    clip_shape = check_input_shape(input_shape, default_clip_shape(1, resolution))
    if clip_shape[0] != 1:
        raise ValueError(
            f"single_frame classifies one frame: input_shape[0] must be 1, got {clip_shape[0]}. "
            "For a clip, use early_fusion, late_fusion or slow_fusion, or average single-frame scores over frames."
        )

    def one_frame(tower, clip):
        frame = tower.layer(keras.layers.Reshape, "squeeze_time", clip.shape[2:])(clip)
        return tower(frame)

    return build_karpathy_model(
        family="single_frame",
        spec=TrunkSpec(scaled_filters(width), lrn_beta),
        stream_forward=one_frame,
        clip_shape=clip_shape,
        head=Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units),
        resolution=resolution,
        shared_streams=shared_streams,
        mean=mean,
        pixel_scale=pixel_scale,
        weights=weights,
        name=name,
    )


for _resolution in ("multires", "fovea", "context"):
    register_model(single_frame, name=f"single_frame_{_resolution}", resolution=_resolution)
    register_model(
        single_frame, name=f"single_frame_{_resolution}_tiny", input_shape=tiny_clip(1), resolution=_resolution, **TINY
    )
register_model(single_frame, name="single_frame_tiny", input_shape=tiny_clip(1), **TINY)
