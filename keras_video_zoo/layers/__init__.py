"""Custom Keras layers of the zoo, all registered for ``safe_mode`` loading."""

from keras_video_zoo.layers.clip_augmentation import AverageViews, ClipAugmentation, ClipViews
from keras_video_zoo.layers.clip_shape_check import ClipShapeCheck
from keras_video_zoo.layers.frame_pooling import FrameMaxPooling
from keras_video_zoo.layers.frame_selection import SelectFrames
from keras_video_zoo.layers.frame_window_convolution import FrameWindowConv
from keras_video_zoo.layers.frames_to_channels import FlowStack, FramesToChannels
from keras_video_zoo.layers.linear_svm_fusion import LinearSVMFusion
from keras_video_zoo.layers.local_response_normalization import LocalResponseNormalization
from keras_video_zoo.layers.mean_flow_subtraction import MeanFlowSubtraction
from keras_video_zoo.layers.multiresolution_views import ContextResize, FoveaCrop
from keras_video_zoo.layers.time_folding import FoldTime, UnfoldTime

__all__ = [
    "AverageViews",
    "ClipAugmentation",
    "ClipShapeCheck",
    "ClipViews",
    "ContextResize",
    "FoldTime",
    "FoveaCrop",
    "FlowStack",
    "FrameMaxPooling",
    "FrameWindowConv",
    "FramesToChannels",
    "LinearSVMFusion",
    "LocalResponseNormalization",
    "MeanFlowSubtraction",
    "SelectFrames",
    "UnfoldTime",
]
