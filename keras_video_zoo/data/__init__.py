"""Video data: decoding, dataset layouts, the synthetic dataset, and generated clips and flow.

Dataset readers live in :mod:`keras_video_zoo.data.layouts` (``ucf101``, ``hmdb51``, ...).
"""

from keras_video_zoo.data import layouts
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.synthetic import example_inputs, moving_square_clip, translating_flow_fields
from keras_video_zoo.data.synthetic_dataset import (
    APPEARANCE_DEFINED_CLASSES,
    MOTION_DEFINED_CLASSES,
    SOURCE_CLASSES,
    TARGET_CLASSES,
    generate_dataset,
    read_class_kinds,
    render_video,
)
from keras_video_zoo.data.video_io import (
    VIDEO_EXTENSIONS,
    ShortVideoError,
    SkippedVideos,
    UnreadableVideoWarning,
    VideoInfo,
    VideoReadError,
    count_frames,
    probe_video,
    read_frame_folder,
    read_frames,
    safe_read,
)

__all__ = [
    "APPEARANCE_DEFINED_CLASSES",
    "MOTION_DEFINED_CLASSES",
    "SOURCE_CLASSES",
    "TARGET_CLASSES",
    "VIDEO_EXTENSIONS",
    "ShortVideoError",
    "SkippedVideos",
    "UnreadableVideoWarning",
    "VideoDataset",
    "VideoInfo",
    "VideoReadError",
    "VideoRecord",
    "count_frames",
    "example_inputs",
    "generate_dataset",
    "layouts",
    "moving_square_clip",
    "probe_video",
    "read_class_kinds",
    "read_frame_folder",
    "read_frames",
    "render_video",
    "safe_read",
    "translating_flow_fields",
]
