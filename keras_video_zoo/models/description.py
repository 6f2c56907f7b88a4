"""What a model is, in one place: its RGB and flow streams, how they are fused and stacked, how it is evaluated.

Training, evaluation, prediction, timelines and the commands ask :func:`describe` instead of working it out
at each call site. Nothing here reads a model's name or a layer's class name: the streams are the models
that take ``(T, H, W, 3)`` clips and ``(L, H, W, 2)`` flow stacks, the stacking is what the temporal stream
recorded when it was built (:class:`~keras_video_zoo.layers.FlowStack`), the fusion is the fused model's
fusion layer, and the protocol family is the factory that built the model (its build arguments).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from keras_video_zoo.layers import FlowStack, LinearSVMFusion
from keras_video_zoo.models.heads import nested_models
from keras_video_zoo.models.two_stream import spatial_stream, temporal_stream, two_stream
from keras_video_zoo.registry import get_model_entry, is_registered

_TWO_STREAM_FACTORIES = (spatial_stream, temporal_stream, two_stream)


@dataclass(frozen=True)
class ModelDescription:
    """What a zoo model takes and how it is scored.

    Attributes:
        rgb: the stream that takes RGB clips ``(T, H, W, 3)`` (the model itself for a clip model), or None.
        flow: the stream that takes flow stacks ``(L, H, W, 2)``, or None.
        fusion: ``"average"`` or ``"svm"`` for a two-stream model, None for one stream.
        stacking: how the flow stream's fields are chosen (``"forward"``, ``"centred"``, ``"bidirectional"``,
            ``"trajectory"``), None without a flow stream.
        protocol: the evaluation protocol family, ``"two_stream"`` (Simonyan & Zisserman's 25 frames x 10
            crops) or ``"karpathy"`` (Karpathy et al.'s clips x crop/flip views).
    """

    rgb: keras.Model | None
    flow: keras.Model | None
    fusion: str | None
    stacking: str | None
    protocol: str

    @property
    def streams(self) -> list[keras.Model]:
        """The streams that exist, RGB first."""
        return [stream for stream in (self.rgb, self.flow) if stream is not None]


def flow_stacking(stream: keras.Model) -> str:
    """The stacking a temporal stream records (``"forward"`` for one built before streams recorded it)."""
    stacks = [layer for layer in stream.layers if isinstance(layer, FlowStack)]
    return stacks[0].stacking if stacks else "forward"


def _built_by_two_stream_factory(model: keras.Model) -> bool:
    built = getattr(model, "build_arguments", None)
    return built is not None and is_registered(built.model) and get_model_entry(built.model).factory in (
        _TWO_STREAM_FACTORIES
    )


def describe(model: keras.Model) -> ModelDescription:
    """The streams, fusion, flow stacking and protocol family of ``model``.

    Raises:
        ValueError: the model is neither a clip model, a temporal stream nor a two-stream model of the two.

    Example:
    >>> from keras_video_zoo import create_model
    >>> description = describe(create_model("two_stream_tiny"))
    >>> description.fusion, description.stacking, description.protocol, description.rgb.name
    ('average', 'forward', 'two_stream', 'spatial_stream_tiny')
    >>> describe(create_model("slow_fusion_tiny")).protocol
    'karpathy'
    """
    streams = nested_models(model) if len(model.inputs) == 2 else [model]
    kinds: dict[str, keras.Model | None] = {"rgb": None, "flow": None}
    for stream in streams:
        shape = stream.input_shape
        if not isinstance(shape, tuple) or len(shape) != 5 or shape[-1] not in (2, 3):
            raise ValueError(
                f"{model.name} takes {model.input_shape}: not a clip model (T, H, W, 3), a flow stream "
                "(L, H, W, 2), or a two-stream model of the two."
            )
        kinds["flow" if shape[-1] == 2 else "rgb"] = stream
    rgb, flow = kinds["rgb"], kinds["flow"]
    fusion = None
    if rgb is not None and flow is not None:
        fusion = "svm" if any(isinstance(layer, LinearSVMFusion) for layer in model.layers) else "average"
    two_stream_family = flow is not None or _built_by_two_stream_factory(model)
    return ModelDescription(
        rgb=rgb,
        flow=flow,
        fusion=fusion,
        stacking=flow_stacking(flow) if flow is not None else None,
        protocol="two_stream" if two_stream_family else "karpathy",
    )
