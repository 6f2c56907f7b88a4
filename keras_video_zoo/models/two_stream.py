"""Two-stream ConvNets (Simonyan & Zisserman 2014): spatial RGB and temporal flow streams.

Both streams are CNN-M-2048 (see ``cnn_m_trunk.py``) with fc6 4096 and fc7 2048, or, with
``trunk="vgg16"``, VGG-16 (``vgg16_trunk.py``) with fc6 and fc7 4096: the very deep two-stream
form in which published UCF-101 weights exist (``kvz convert``). They follow the zoo's input
contract: the spatial stream takes one-frame clips
``(batch, 1, H, W, 3)`` of raw pixels; the temporal stream takes ``L`` flow fields
``(batch, L, H, W, 2)`` and builds the 2L-channel stack (x1, y1, x2, y2, ...)
itself, after dequantising and mean flow subtraction.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from keras_video_zoo.layers import ClipShapeCheck, FlowStack, LinearSVMFusion, MeanFlowSubtraction
from keras_video_zoo.models import cnn_m_trunk, vgg16_trunk
from keras_video_zoo.models.common import Head, NumClasses, check_input_shape, check_pixel_scale, classifier_head
from keras_video_zoo.models.cross_modality import cross_modality_init
from keras_video_zoo.models.heads import head_classes
from keras_video_zoo.models.pretrained import create_model, load_weights
from keras_video_zoo.models.tiny import TINY_PIXEL_SCALE, tiny_clip
from keras_video_zoo.registry import BuildArguments, get_model_entry, is_registered, register_model

IMAGENET_RGB_MEAN = (123.68, 116.779, 103.939)  # CNN-M was pretrained on ImageNet with this mean
FUSIONS = ("average", "svm")
TRUNKS = ("cnn_m", "vgg16")
TRUNK_FC_UNITS = {"cnn_m": cnn_m_trunk.FC_UNITS, "vgg16": vgg16_trunk.FC_UNITS}
TINY_STREAM = {"width": 0.125, "fc_units": (64, 32), "num_classes": 10}


def _check_trunk(trunk: str) -> None:
    if trunk not in TRUNKS:
        raise ValueError(f"trunk must be one of {TRUNKS}; got {trunk!r}.")


def _stream_model(
    inputs, x, head: Head, *, trunk: str, width: float, lrn_beta: float, norm2: bool, name: str
) -> keras.Model:
    """Trunk and head on the preprocessed 4-D frames or flow stack ``x``."""
    if trunk == "vgg16":
        vgg16_trunk.check_input_size(x.shape[1], x.shape[2])
        features = vgg16_trunk.vgg16_trunk(x, vgg16_trunk.scaled_filters(width))
    else:
        cnn_m_trunk.check_input_size(x.shape[1], x.shape[2])
        features = cnn_m_trunk.cnn_m_trunk(x, cnn_m_trunk.scaled_filters(width), lrn_beta, norm2=norm2)
    return keras.Model(inputs, classifier_head(features, head), name=name)


@register_model
def spatial_stream(
    include_top: bool = True,
    weights: str | None = None,
    input_shape: Sequence[int] | None = None,
    pooling: str | None = None,
    num_classes: NumClasses = 101,
    classifier_activation: str | None = "softmax",
    dropout: float = 0.5,
    name: str | None = None,
    *,
    trunk: str = "cnn_m",
    width: float = 1.0,
    fc_units: int | Sequence[int] | None = None,
    lrn_beta: float = 0.75,
    mean: float | Sequence[float] = IMAGENET_RGB_MEAN,
    pixel_scale: float = 1.0,
) -> keras.Model:
    """Spatial stream: CNN-M-2048 on one RGB frame (90,627,813 parameters for 101 classes).

    With ``trunk="vgg16"``, the very deep spatial stream (134,674,341 parameters for 101 classes).

    Args:
        include_top: whether to include fc6, fc7 and the classifier.
        weights: ``None`` (random), a registered tag (``"synthetic"``: bundled for the ``*_tiny``
            variants only), ``"hf://org/name[@rev]"``, a checkpoint folder or a ``.weights.h5`` path
            (see :func:`~keras_video_zoo.models.pretrained.load_weights`). No Sports-1M or UCF-101
            weights ship for the paper-size models: train them with ``kvz train`` and publish them
            with ``kvz push`` (README, "Paper-size weights").
        input_shape: ``(1, height, width, 3)``; defaults to ``(1, 224, 224, 3)``.
        pooling: with ``include_top=False``: ``None`` (the pool5 map), ``"avg"``
            or ``"max"``.
        num_classes: classes (101 for UCF-101), or a dict such as
            ``{"ucf101": 101, "hmdb51": 51}`` for one head per dataset.
        classifier_activation: activation of the heads (``None``: logits).
        dropout: drop rate before fc6, fc7 and the classifier (paper: 0.5).
        name: model name.
        trunk: ``"cnn_m"`` (CNN-M-2048, the paper's) or ``"vgg16"`` (VGG-16, the very deep streams).
        width: multiplier on the trunk's filter counts (CNN-M: 96, 256, 512, 512, 512).
        fc_units: units of fc6 and fc7 (default: the trunk's; CNN-M 4096, 2048; VGG-16 4096, 4096).
        lrn_beta: LRN exponent (CNN-M: 0.75).
        mean: RGB mean subtracted from raw 0-255 pixels inside the model.
        pixel_scale: multiplies the mean-subtracted pixels (1.0 in the paper; 1/64 for the tiny variant).

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import spatial_stream
    >>> model = spatial_stream(input_shape=(1, 64, 64, 3), width=0.125,
    ...                        fc_units=(64, 32), num_classes=5)
    >>> model.predict(np.zeros((2, 1, 64, 64, 3), "uint8"), verbose=0).shape
    (2, 5)
    """
    _check_trunk(trunk)
    clip_shape = check_input_shape(input_shape, (1, cnn_m_trunk.INPUT_SIZE, cnn_m_trunk.INPUT_SIZE, 3))
    if clip_shape[0] != 1:
        raise ValueError(
            f"spatial_stream classifies one frame: input_shape[0] must be 1, got {clip_shape[0]}. "
            "The two-stream test protocol averages the scores of 25 frames."
        )
    inputs = keras.Input(clip_shape, name="clip")
    check_pixel_scale(pixel_scale)
    offset = -mean * pixel_scale if isinstance(mean, (int, float)) else [-m * pixel_scale for m in mean]
    x = ClipShapeCheck(clip_shape, name="clip_shape_check")(inputs)
    x = keras.layers.Rescaling(pixel_scale, offset=offset, name="preprocess")(x)
    x = keras.layers.Reshape(clip_shape[1:], name="squeeze_time")(x)
    fc_units = fc_units or TRUNK_FC_UNITS[trunk]
    head = Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units)
    model = _stream_model(
        inputs, x, head, trunk=trunk, width=width, lrn_beta=lrn_beta, norm2=True, name=name or "spatial_stream"
    )
    return load_weights(model, weights, "spatial_stream")


@register_model
def temporal_stream(
    include_top: bool = True,
    weights: str | None = None,
    input_shape: Sequence[int] | None = None,
    pooling: str | None = None,
    num_classes: NumClasses = 101,
    classifier_activation: str | None = "softmax",
    dropout: float = 0.9,
    name: str | None = None,
    *,
    flow_frames: int | None = None,
    bidirectional: bool = False,
    stacking: str | None = None,
    flow_bound: float | None = 20.0,
    mean_flow_subtraction: bool = True,
    flow_mean: float | Sequence[float] | None = None,
    trunk: str = "cnn_m",
    width: float = 1.0,
    fc_units: int | Sequence[int] | None = None,
    lrn_beta: float = 0.75,
    cross_modality_from: keras.Model | None = None,
) -> keras.Model:
    """Temporal stream: CNN-M-2048 (no norm2) on L stacked flow fields (90,707,781 parameters).

    With ``trunk="vgg16"``, the very deep temporal stream (134,684,133 parameters for L=10).

    The input is ``L`` flow fields ``(L, H, W, 2)``, (x, y) per field, stored the
    field's usual way: uint8 quantised with bound ``B = flow_bound`` (128 is no
    motion). Inside the model: dequantise to pixels (``q * 2B / 255 - B``),
    subtract each field's mean vector, and stack to 2L channels x1, y1, x2, y2...

    Args:
        flow_frames: ``L``, the number of flow fields (default 10, or
            ``input_shape[0]``).
        bidirectional: the stack holds L/2 forward fields then L/2 backward
            ones (``stacking="bidirectional"``; an even L). The network is the same.
        stacking: how the fields are chosen from the video: ``"forward"`` (the default), ``"centred"``,
            ``"bidirectional"`` or ``"trajectory"``. The network is the same; the model records it
            (:class:`~keras_video_zoo.layers.FlowStack`), so pipelines and checkpoints feed it the stack
            it was trained on.
        flow_bound: quantisation bound B in pixels; ``None`` when the input is
            already float displacements in pixels.
        mean_flow_subtraction: subtract each field's mean (camera motion).
        flow_mean: ``None`` (dequantise to pixels, the zoo's way); or a value (or one per stacked
            channel x1, y1, x2, ...) subtracted from the stored uint8 values, which then keep their
            scale: the convention of the published Caffe and MatConvNet temporal streams (128).
        dropout: drop rate (paper: 0.9 when training from scratch).
        cross_modality_from: an RGB model (e.g. a spatial stream) to initialise
            from: see :func:`keras_video_zoo.models.cross_modality.cross_modality_init`.
        The other arguments are those of :func:`spatial_stream`.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import temporal_stream
    >>> model = temporal_stream(input_shape=(10, 64, 64, 2), width=0.125,
    ...                         fc_units=(64, 32), num_classes=5)
    >>> model.get_layer("stack_flow").output.shape
    (None, 64, 64, 20)
    """
    size = cnn_m_trunk.INPUT_SIZE
    clip_shape = check_input_shape(input_shape, (flow_frames or 10, size, size, 2))
    if flow_frames is not None and flow_frames != clip_shape[0]:
        raise ValueError(f"flow_frames={flow_frames} disagrees with input_shape[0]={clip_shape[0]}; give one.")
    if clip_shape[-1] != 2:
        raise ValueError(
            f"temporal_stream takes flow fields with 2 channels (x, y) shaped (L, H, W, 2); got {clip_shape[-1]} "
            f"channels in input_shape {clip_shape}. The 2L-channel stack is built inside the model."
        )
    fields = clip_shape[0]
    if bidirectional and stacking not in (None, "bidirectional"):
        raise ValueError(f"bidirectional=True is stacking='bidirectional'; got stacking={stacking!r} too.")
    stacking = "bidirectional" if bidirectional else (stacking or "forward")
    if stacking == "bidirectional" and fields % 2:
        raise ValueError(f"bidirectional stacking needs an even number of flow fields (L/2 each way); got {fields}.")
    if flow_bound is not None and not flow_bound > 0:
        raise ValueError(f"flow_bound is the quantisation bound in pixels (> 0) or None; got {flow_bound}.")
    if weights is not None and cross_modality_from is not None:
        raise ValueError("Give weights or cross_modality_from, not both.")
    _check_trunk(trunk)
    if flow_mean is not None and not isinstance(flow_mean, (int, float)) and len(flow_mean) != 2 * fields:
        raise ValueError(
            f"flow_mean is one value or one per stacked channel ({2 * fields} for {fields} fields); "
            f"got {len(flow_mean)} values."
        )

    inputs = keras.Input(clip_shape, name="flow")
    x = ClipShapeCheck(clip_shape, name="flow_shape_check")(inputs)
    if flow_bound is not None and flow_mean is None:
        x = keras.layers.Rescaling(2.0 * flow_bound / 255.0, offset=-flow_bound, name="dequantize")(x)
    if mean_flow_subtraction:
        x = MeanFlowSubtraction(name="mean_flow_subtraction")(x)
    x = FlowStack(stacking, name="stack_flow")(x)
    if flow_mean is not None:
        offset = -flow_mean if isinstance(flow_mean, (int, float)) else [-float(m) for m in flow_mean]
        x = keras.layers.Rescaling(1.0, offset=offset, name="subtract_flow_mean")(x)
    default_name = "temporal_stream_bidirectional" if bidirectional else "temporal_stream"
    fc_units = fc_units or TRUNK_FC_UNITS[trunk]
    head = Head.checked(include_top, pooling, num_classes, classifier_activation, dropout, fc_units)
    model = _stream_model(
        inputs, x, head, trunk=trunk, width=width, lrn_beta=lrn_beta, norm2=False, name=name or default_name
    )
    if cross_modality_from is not None:
        cross_modality_init(model, cross_modality_from)
    return load_weights(model, weights, default_name)


def temporal_stream_from(
    rgb_model: keras.Model, *, flow_fields: int = 10, num_classes: NumClasses | None = None, name: str | None = None
) -> keras.Model:
    """A temporal stream with ``rgb_model``'s trunk, started from its weights by cross-modality initialisation.

    The paper's recipe from a real start: the spatial stream fine-tunes an ImageNet net (e.g. one
    ``kvz convert`` made), and the temporal stream begins from the same net, its first convolution
    averaged over colour and spread over the 2L flow channels
    (:func:`~keras_video_zoo.models.cross_modality.cross_modality_init`).

    Args:
        rgb_model: a spatial stream built by the zoo (a registered model or a checkpoint of one).
        flow_fields: L, the flow fields it stacks.
        num_classes: its classes (default: the RGB model's).
        name: model name (default ``temporal_stream``).

    Raises:
        ValueError: ``rgb_model`` is not a zoo spatial stream.

    Example:
    >>> from keras_video_zoo import create_model
    >>> flow_net = temporal_stream_from(create_model("spatial_stream_vgg16_tiny"), num_classes=3)
    >>> flow_net.input_shape, flow_net.output_shape
    ((None, 10, 64, 64, 2), (None, 3))
    """
    built = getattr(rgb_model, "build_arguments", None)
    entry = get_model_entry(built.model) if built is not None and is_registered(built.model) else None
    if entry is None or entry.factory is not spatial_stream:
        raise ValueError(
            f"{rgb_model.name} is not a zoo spatial stream (built by spatial_stream); cross-modality initialisation "
            "starts a temporal stream from one."
        )
    arguments = {**entry.defaults, **built.kwargs}
    _, height, width, _ = rgb_model.input_shape[1:]
    trunk = {key: arguments[key] for key in ("trunk", "width", "fc_units", "lrn_beta") if key in arguments}
    classes = head_classes(rgb_model) if num_classes is None else num_classes
    return temporal_stream(
        input_shape=(flow_fields, height, width, 2),
        num_classes=classes,
        name=name,
        cross_modality_from=rgb_model,
        **trunk,
    )


def _resolve_stream(stream: keras.Model | str, num_classes: int | None, role: str) -> keras.Model:
    if isinstance(stream, str):
        stream = create_model(stream, **({} if num_classes is None else {"num_classes": num_classes}))
    if not isinstance(stream, keras.Model):
        raise ValueError(f"{role} must be a keras.Model or a registered model name; got {type(stream).__name__}.")
    if isinstance(stream.output, dict):
        raise ValueError(
            f"The {role} stream has several heads {sorted(stream.output)}; fuse single-head streams "
            "(e.g. keras.Model(stream.input, stream.output['ucf101']))."
        )
    return stream


@register_model
def two_stream(
    spatial: keras.Model | str = "spatial_stream",
    temporal: keras.Model | str = "temporal_stream",
    *,
    fusion: str = "average",
    num_classes: int | None = None,
    weights: str | None = None,
    name: str | None = None,
) -> keras.Model:
    """Two-stream model: fused class scores from an RGB frame and a flow stack.

    The streams run as nested models on the inputs ``{"clip": (batch, 1, H, W, 3),
    "flow": (batch, L, H, W, 2)}``; their softmax scores are fused by averaging or
    by a linear SVM (:class:`~keras_video_zoo.layers.LinearSVMFusion`, fitted on
    held-out scores with :func:`keras_video_zoo.evaluation.fit_svm_fusion`).

    Args:
        spatial: a spatial-stream model, or a registered name to build one.
        temporal: a temporal-stream model, or a registered name to build one.
        fusion: ``"average"`` (softmax scores averaged) or ``"svm"``.
        num_classes: classes for streams built from names; checked against
            given models. Both streams must have the same classes.
        weights: ``None`` (random), a registered tag (``"synthetic"``: bundled for the ``*_tiny``
            variants only), any checkpoint SOURCE or a ``.weights.h5`` path of the fused model
            (see :func:`~keras_video_zoo.models.pretrained.load_weights`). No Sports-1M or UCF-101
            weights ship for the paper-size models: train them with ``kvz train`` and publish them
            with ``kvz push`` (README, "Paper-size weights").
        name: model name.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import two_stream
    >>> model = two_stream("spatial_stream_tiny", "temporal_stream_tiny")
    >>> inputs = {"clip": np.zeros((2, 1, 64, 64, 3), "uint8"),
    ...           "flow": np.full((2, 10, 64, 64, 2), 128, "uint8")}
    >>> model.predict(inputs, verbose=0).shape
    (2, 10)
    """
    if fusion not in FUSIONS:
        raise ValueError(f"fusion must be one of {FUSIONS}; got {fusion!r}.")
    spatial = _resolve_stream(spatial, num_classes, "spatial")
    temporal = _resolve_stream(temporal, num_classes, "temporal")
    classes = {"spatial": spatial.output_shape[-1], "temporal": temporal.output_shape[-1]}
    expected = {classes["spatial"]} if num_classes is None else {num_classes}
    if set(classes.values()) != expected:
        asked = "" if num_classes is None else f", num_classes={num_classes}"
        raise ValueError(f"Mismatched stream class counts: {classes}{asked}. Both streams must score the same classes.")
    for role, stream in (("spatial", spatial), ("temporal", temporal)):
        activation = getattr(stream.layers[-1], "activation", None)
        if getattr(activation, "__name__", None) != "softmax":
            raise ValueError(
                f"two_stream fuses softmax scores, but the {role} stream's last layer {stream.layers[-1].name!r} "
                "does not end in a softmax; build it with classifier_activation='softmax'."
            )

    inputs = {
        "clip": keras.Input(spatial.input_shape[1:], name="clip"),
        "flow": keras.Input(temporal.input_shape[1:], name="flow"),
    }
    scores = [spatial(inputs["clip"]), temporal(inputs["flow"])]
    if fusion == "average":
        fused = keras.layers.Average(name="fused_scores")(scores)
    else:
        fused = LinearSVMFusion(classes["spatial"], name="svm_fusion")(scores)
    model = keras.Model(inputs, fused, name=name or "two_stream")
    return load_weights(model, weights, "two_stream")


def fuse_streams(model: keras.Model, spatial: keras.Model, temporal: keras.Model, *, fusion: str) -> keras.Model:
    """``model`` (a two-stream model) rebuilt around other streams -- e.g. trained ones -- and ``fusion``.

    The result keeps ``model``'s name and build arguments (with the new fusion), so it saves,
    loads and describes itself as ``model`` would.

    Example:
    >>> model = two_stream("spatial_stream_tiny", "temporal_stream_tiny")
    >>> fused = fuse_streams(model, *model.layers[2:4], fusion="svm")
    >>> fused.name, fused.layers[-1].name
    ('two_stream', 'svm_fusion')
    """
    fused = two_stream(spatial, temporal, fusion=fusion, name=model.name)
    built = getattr(model, "build_arguments", None)  # rebuilt on load: with the fusion it now has
    fused.build_arguments = built and BuildArguments(built.model, {**built.kwargs, "fusion": fusion})
    return fused


def svm_fusion_layer(model: keras.Model) -> LinearSVMFusion:
    """The model's :class:`LinearSVMFusion` layer; a ValueError if it has none."""
    layers = [layer for layer in model.layers if isinstance(layer, LinearSVMFusion)]
    if len(layers) != 1:
        raise ValueError(
            f"Model {model.name!r} has {len(layers)} LinearSVMFusion layers; "
            "build it with two_stream(..., fusion='svm')."
        )
    return layers[0]


MULTITASK_HEADS = {"ucf101": 101, "hmdb51": 51}
TINY_MULTITASK_HEADS = {"source": 10, "target": 5}

register_model(temporal_stream, name="temporal_stream_multitask", num_classes=MULTITASK_HEADS)
register_model(
    spatial_stream, name="spatial_stream_tiny", input_shape=tiny_clip(1), pixel_scale=TINY_PIXEL_SCALE, **TINY_STREAM
)
register_model(temporal_stream, name="temporal_stream_tiny", input_shape=tiny_clip(10, channels=2), **TINY_STREAM)
register_model(
    temporal_stream,
    name="temporal_stream_multitask_tiny",
    input_shape=tiny_clip(10, channels=2),
    **{**TINY_STREAM, "num_classes": TINY_MULTITASK_HEADS},
)
register_model(two_stream, name="two_stream_tiny", spatial="spatial_stream_tiny", temporal="temporal_stream_tiny")

# The very deep two-stream ConvNets: VGG-16 streams (MODELS.md), the form of the published UCF-101 weights.
VGG16 = {"trunk": "vgg16"}
register_model(spatial_stream, name="spatial_stream_vgg16", description="Spatial stream, VGG-16 trunk", **VGG16)
register_model(temporal_stream, name="temporal_stream_vgg16", description="Temporal stream, VGG-16 trunk", **VGG16)
register_model(
    two_stream,
    name="two_stream_vgg16",
    description="Two-stream model with VGG-16 streams",
    spatial="spatial_stream_vgg16",
    temporal="temporal_stream_vgg16",
)
register_model(
    spatial_stream,
    name="spatial_stream_vgg16_tiny",
    input_shape=tiny_clip(1),
    pixel_scale=TINY_PIXEL_SCALE,
    **VGG16,
    **TINY_STREAM,
)
register_model(
    temporal_stream, name="temporal_stream_vgg16_tiny", input_shape=tiny_clip(10, channels=2), **VGG16, **TINY_STREAM
)
register_model(
    two_stream, name="two_stream_vgg16_tiny", spatial="spatial_stream_vgg16_tiny", temporal="temporal_stream_vgg16_tiny"
)
