"""keras_video_zoo: video classification models from Karpathy et al. 2014 and Simonyan & Zisserman 2014.

Example:
>>> from keras_video_zoo import create_model, list_models
>>> "slow_fusion_tiny" in list_models()
True
>>> create_model("slow_fusion_tiny").input_shape
(None, 10, 64, 64, 3)
"""

from keras_video_zoo import layers
from keras_video_zoo.hub import from_pretrained, push_to_hub
from keras_video_zoo.models import (
    early_fusion,
    late_fusion,
    single_frame,
    slow_fusion,
    spatial_stream,
    temporal_stream,
    two_stream,
)
from keras_video_zoo.registry import create_model, list_models

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "create_model",
    "early_fusion",
    "from_pretrained",
    "late_fusion",
    "layers",
    "list_models",
    "push_to_hub",
    "single_frame",
    "slow_fusion",
    "spatial_stream",
    "temporal_stream",
    "two_stream",
]
