"""Video data: decoding, frame fitting, dataset layouts, clip sources, what was used, generated (synthetic) videos.

Dataset readers live in :mod:`keras_video_zoo.data.layouts` (``ucf101``, ``hmdb51``, ...); clip
sources in :mod:`keras_video_zoo.data.sources` and the pipelines over them in
:mod:`keras_video_zoo.data.pipelines` (they import TensorFlow, so they are not loaded here).
"""

from keras_video_zoo.data import layouts
from keras_video_zoo.data.decoders import VideoInfo, probe_video, unreadable_reason
from keras_video_zoo.data.geometry import FrameGeometry
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
from keras_video_zoo.data.video_errors import DamagedVideoError, DecodedVideo, ShortVideoError, VideoReadError
from keras_video_zoo.data.video_files import video_files
from keras_video_zoo.data.video_io import (
    count_frames,
    iter_frames,
    read_clips,
    read_frame_folder,
    read_frames,
    read_video,
)
from keras_video_zoo.data.video_report import VideoReport

__all__ = [
    "APPEARANCE_DEFINED_CLASSES",
    "MOTION_DEFINED_CLASSES",
    "SOURCE_CLASSES",
    "TARGET_CLASSES",
    "DamagedVideoError",
    "DecodedVideo",
    "FrameGeometry",
    "ShortVideoError",
    "VideoDataset",
    "VideoInfo",
    "VideoReadError",
    "VideoRecord",
    "VideoReport",
    "count_frames",
    "example_inputs",
    "generate_dataset",
    "iter_frames",
    "layouts",
    "moving_square_clip",
    "probe_video",
    "read_class_kinds",
    "read_frame_folder",
    "read_clips",
    "read_frames",
    "read_video",
    "render_video",
    "translating_flow_fields",
    "unreadable_reason",
    "video_files",
]
