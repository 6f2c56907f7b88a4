"""Model factories, one file per family, and :func:`create_model`, the one way to build or load a model."""

from keras_video_zoo.models.clip_wrappers import pipeline_size, with_augmentation, with_views
from keras_video_zoo.models.early_fusion import early_fusion
from keras_video_zoo.models.late_fusion import late_fusion
from keras_video_zoo.models.pretrained import create_model
from keras_video_zoo.models.single_frame import single_frame
from keras_video_zoo.models.slow_fusion import slow_fusion
from keras_video_zoo.models.two_stream import spatial_stream, temporal_stream, two_stream
from keras_video_zoo.registry import list_models

__all__ = [
    "create_model",
    "early_fusion",
    "late_fusion",
    "list_models",
    "pipeline_size",
    "single_frame",
    "slow_fusion",
    "spatial_stream",
    "temporal_stream",
    "two_stream",
    "with_augmentation",
    "with_views",
]
