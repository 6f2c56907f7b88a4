"""Model factories, one file per family."""

from keras_video_zoo.models.early_fusion import early_fusion
from keras_video_zoo.models.late_fusion import late_fusion
from keras_video_zoo.models.single_frame import single_frame
from keras_video_zoo.models.slow_fusion import slow_fusion
from keras_video_zoo.models.two_stream import spatial_stream, temporal_stream, two_stream

__all__ = [
    "early_fusion",
    "late_fusion",
    "single_frame",
    "slow_fusion",
    "spatial_stream",
    "temporal_stream",
    "two_stream",
]
