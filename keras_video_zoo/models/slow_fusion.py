"""Slow fusion (Karpathy et al. 2014): temporal connectivity grows through conv1-3."""

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
    temporal_sizes,
)
from keras_video_zoo.models.tiny import TINY, tiny_clip
from keras_video_zoo.registry import register_model


@register_model
def slow_fusion(
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
    temporal_kernels: Sequence[int] = (4, 2, 2),
    temporal_strides: Sequence[int] = (2, 2, 2),
    width: float = 1.0,
    fc_units: int | Sequence[int] = 4096,
    lrn_beta: float = 0.5,
    mean: float | Sequence[float] = PIXEL_MEAN,
    pixel_scale: float = 1.0,
) -> keras.Model:
    """Slow fusion CNN: 10 frames fused by temporal convs in conv1, conv2, conv3.

    The defaults are the paper's model (75,511,751 parameters for 487 classes):
    conv1 spans 4 frames with temporal stride 2 (4 steps), conv2 and conv3 span
    2 with stride 2 (2, then 1 step); conv4 onwards see one fused time step.

    Args:
        include_top: whether to include fc6, fc7 and the classifier.
        weights: ``None`` (random), a registered tag (``"synthetic"``: bundled for the ``*_tiny``
            variants only), ``"hf://org/name[@rev]"``, a checkpoint folder or a ``.weights.h5`` path
            (see :func:`~keras_video_zoo.models.pretrained.load_weights`). No Sports-1M or UCF-101
            weights ship for the paper-size models: train them with ``kvz train`` and publish them
            with ``kvz push`` (README, "Paper-size weights").
        input_shape: clip shape ``(frames, height, width, channels)``; defaults
            to ``(10, 170, 170, 3)``, or 178x178 frames for fovea/context.
        pooling: with ``include_top=False``: ``None`` (the pool5 map),
            ``"avg"`` or ``"max"`` (global pooling).
        num_classes: classifier outputs (487 for Sports-1M), or a dict such as
            ``{"ucf101": 101, "hmdb51": 51}`` for one head per dataset.
        classifier_activation: activation of ``predictions`` (``None``: logits).
        dropout: drop rate before fc6, fc7 and the classifier.
        name: model name.
        resolution: ``"full"`` frames, or ``"multires"`` (fovea + context
            streams), ``"fovea"`` or ``"context"`` (one stream): views of half
            the input size, each a trunk without pool5.
        shared_streams: multires only; fovea and context share weights
            (the paper's streams are separate).
        temporal_kernels: temporal extent of conv1, conv2, ...
        temporal_strides: temporal stride of the same convs; every input
            frame must be covered and fused into exactly one time step.
        width: multiplier on the paper's filter counts (96, 256, 384, 384, 256).
        fc_units: units of fc6 and fc7 (an int or a pair).
        lrn_beta: LRN exponent; the paper prints 0.5, Krizhevsky used 0.75.
        mean: subtracted from every raw (0-255) input pixel inside the model.
        pixel_scale: multiplies the mean-subtracted pixels: 1.0 in the papers (Caffe fed raw
            pixels); the ``*_tiny`` variants use 1/64, so activations and logits start near unit
            scale and small models train stably from scratch.

    Returns:
        A functional ``keras.Model`` taking uint8 or float clips of raw pixels.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import slow_fusion
    >>> model = slow_fusion(input_shape=(10, 64, 64, 3), width=0.125,
    ...                     fc_units=64, num_classes=5)
    >>> clips = np.random.randint(0, 256, (2, 10, 64, 64, 3), dtype="uint8")
    >>> model.predict(clips, verbose=0).shape
    (2, 5)
    """
    clip_shape = check_input_shape(input_shape, default_clip_shape(10, resolution))
    kernels, strides = tuple(temporal_kernels), tuple(temporal_strides)
    if not 1 <= len(kernels) <= 5 or len(kernels) != len(strides):
        raise ValueError(
            f"temporal_kernels and temporal_strides need one entry per temporal conv (1 to 5, the same number); "
            f"got {kernels} and {strides}."
        )
    if not all(isinstance(v, int) and v > 0 for v in kernels + strides):
        raise ValueError(f"temporal kernels and strides must be positive integers; got {kernels} and {strides}.")
    frames = clip_shape[0]
    steps = temporal_sizes(frames, kernels, strides)
    if steps is None or steps[-1] != 1:
        fitting = [t for t in range(1, 1000) if (temporal_sizes(t, kernels, strides) or [0])[-1] == 1]
        hint = f"Use {' or '.join(map(str, fitting[:3]))} frames" if fitting else "No number of frames fits"
        raise ValueError(
            f"Slow fusion with temporal kernels {kernels} and strides {strides} must fuse every frame of the "
            f"clip into one time step, which {frames} frames do not. {hint} (input_shape[0]), or change the "
            "temporal kernels/strides."
        )
    return build_karpathy_model(
        family="slow_fusion",
        spec=TrunkSpec(scaled_filters(width), lrn_beta, kernels, strides),
        stream_forward=lambda tower, clip: tower(clip),
        clip_shape=clip_shape,
        head=Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units),
        resolution=resolution,
        shared_streams=shared_streams,
        mean=mean,
        pixel_scale=pixel_scale,
        weights=weights,
        name=name,
    )


register_model(slow_fusion, name="slow_fusion_multires", resolution="multires")
register_model(slow_fusion, name="slow_fusion_tiny", input_shape=tiny_clip(10), **TINY)
register_model(slow_fusion, name="slow_fusion_multires_tiny", input_shape=tiny_clip(10), resolution="multires", **TINY)
