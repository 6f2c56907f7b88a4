"""Dataset layout readers: each returns a :class:`keras_video_zoo.data.records.VideoDataset`.

- :func:`ucf101` — UCF-101 (classInd + train/test lists for splits 1-3, its quirks handled);
- :func:`hmdb51` — HMDB-51 (split files with 0/1/2 codes);
- :func:`folder_per_class` — ``root/<class>/<video>`` with an optional split file;
- :func:`csv_manifest` — ``path,label[,split]`` rows (``;`` joins several labels);
- :func:`frame_folders` / :func:`with_frame_folders` — pre-extracted ``<video>/img_00001.jpg`` folders;
- :func:`multilabel_list` — Sports-1M style lists with several labels per video.

Every reader checks that listed videos exist (``on_missing="raise"`` or ``"skip"``).
"""

from keras_video_zoo.data.layouts._common import case_insensitive_order, read_class_names
from keras_video_zoo.data.layouts.csv_manifest import csv_manifest
from keras_video_zoo.data.layouts.folders import folder_per_class
from keras_video_zoo.data.layouts.frame_folders import frame_folders, with_frame_folders
from keras_video_zoo.data.layouts.hmdb51 import HMDB51_SPLITS, hmdb51
from keras_video_zoo.data.layouts.multilabel import multilabel_list, youtube_id
from keras_video_zoo.data.layouts.ucf101 import (
    UCF101_CLASS_GROUPS,
    UCF101_CLASS_NAMES,
    UCF101_SPLITS,
    ucf101,
    ucf101_class_group,
)

__all__ = [
    "HMDB51_SPLITS",
    "UCF101_CLASS_GROUPS",
    "UCF101_CLASS_NAMES",
    "UCF101_SPLITS",
    "case_insensitive_order",
    "csv_manifest",
    "folder_per_class",
    "frame_folders",
    "hmdb51",
    "multilabel_list",
    "read_class_names",
    "ucf101",
    "ucf101_class_group",
    "with_frame_folders",
    "youtube_id",
]
