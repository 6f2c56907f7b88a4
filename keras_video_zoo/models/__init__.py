"""Model factories, one file per family."""

from keras_video_zoo.models.early_fusion import early_fusion
from keras_video_zoo.models.late_fusion import late_fusion
from keras_video_zoo.models.single_frame import single_frame
from keras_video_zoo.models.slow_fusion import slow_fusion

__all__ = ["early_fusion", "late_fusion", "single_frame", "slow_fusion"]
