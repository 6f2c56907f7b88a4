"""keras_video_zoo: video classification models from Karpathy et al. 2014 and Simonyan & Zisserman 2014.

``import keras_video_zoo`` is light: the public names below load their modules (and Keras,
and TensorFlow) on first use (PEP 562), so ``kvz --help`` and a JAX or PyTorch user pay only
for what they touch.

Example:
>>> import keras_video_zoo as kvz
>>> "slow_fusion_tiny" in kvz.list_models()
True
>>> kvz.create_model("slow_fusion_tiny").input_shape
(None, 10, 64, 64, 3)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from keras_video_zoo import runtime
from keras_video_zoo.version import __version__

runtime.configure_environment()  # before TensorFlow loads: oneDNN kernels on every x86 CPU

# Public name -> the module that defines it.
_PUBLIC = {
    "create_model": "keras_video_zoo.models",
    "list_models": "keras_video_zoo.models",
    "early_fusion": "keras_video_zoo.models",
    "late_fusion": "keras_video_zoo.models",
    "single_frame": "keras_video_zoo.models",
    "slow_fusion": "keras_video_zoo.models",
    "spatial_stream": "keras_video_zoo.models",
    "temporal_stream": "keras_video_zoo.models",
    "two_stream": "keras_video_zoo.models",
    "from_pretrained": "keras_video_zoo.hub",
    "push_to_hub": "keras_video_zoo.hub",
}
_SUBMODULES = ("data", "evaluation", "flow", "hub", "layers", "models", "training")

__all__ = ["__version__", *sorted(_PUBLIC), *_SUBMODULES]

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from keras_video_zoo import data, evaluation, flow, hub, layers, models, training  # noqa: F401
    from keras_video_zoo.hub import from_pretrained, push_to_hub  # noqa: F401
    from keras_video_zoo.models import (  # noqa: F401
        create_model,
        early_fusion,
        late_fusion,
        list_models,
        single_frame,
        slow_fusion,
        spatial_stream,
        temporal_stream,
        two_stream,
    )


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"keras_video_zoo.{name}")
    else:
        raise AttributeError(f"module 'keras_video_zoo' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
