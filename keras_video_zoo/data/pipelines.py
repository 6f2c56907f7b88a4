"""The clip pipelines: one training and one evaluation ``tf.data`` pipeline for every clip source.

The CPU side only decodes: each video is read once per visit for all of its clips
(several videos in parallel), its clips are mixed with other videos' clips, and batches are
uint8 ``(batch, T, H, W, C)`` at the source's fixed size. Cropping and flipping run on the
device (:func:`keras_video_zoo.models.clip_wrappers.with_augmentation` and
:func:`~keras_video_zoo.models.clip_wrappers.with_views`).

A video a source cannot use yields no clip and a line in the source's
:class:`~keras_video_zoo.data.video_report.VideoReport`; an epoch never dies on one bad video.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import ClipProtocol, TrainingClips, UniformClipsProtocol
from keras_video_zoo.data.sources import ClipSource, VideoFiles

__all__ = ["evaluation_dataset", "training_dataset"]


def _label_array(records: Sequence[VideoRecord], num_classes: int, multi_hot: bool) -> np.ndarray:
    if not multi_hot:
        return np.array([record.labels[0] for record in records], np.int32)
    labels = np.zeros((len(records), num_classes), np.float32)
    for row, record in enumerate(records):
        labels[row, list(record.labels)] = 1.0
    return labels


def _multi_hot(dataset: VideoDataset, multi_hot: bool | None) -> bool:
    if multi_hot is None:
        return dataset.multi_label
    if not multi_hot and dataset.multi_label:
        raise ValueError(f"{dataset.name} has multi-label videos; use multi_hot=True (or leave it None).")
    return multi_hot


def _as_source(source: ClipSource | VideoDataset, frame_size) -> ClipSource:
    """A source, or a dataset of video files with the given (square) frame size."""
    if isinstance(source, ClipSource):
        if frame_size is not None:
            raise ValueError("frame_size applies to a VideoDataset; a source has its own geometry.")
        return source
    if frame_size is None:
        raise ValueError(
            "a VideoDataset needs frame_size, the square side the pipeline ships (e.g. 75 for a 64 crop; "
            "keras_video_zoo.models.clip_wrappers.pipeline_size(model) gives a model's), or pass a ClipSource."
        )
    side = frame_size if isinstance(frame_size, int) else int(frame_size[0])
    if not isinstance(frame_size, int) and tuple(frame_size) != (side, side):
        raise ValueError(f"frames ship as centred squares: frame_size is one side; got {frame_size!r}.")
    return VideoFiles(source, FrameGeometry.square_of(side))


def training_dataset(
    source: ClipSource | VideoDataset,
    sampler: TrainingClips | None = None,
    *,
    batch_size: int = 32,
    frame_size: int | Sequence[int] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    deterministic: bool = False,
    parallel_videos: int = 2,
    mix_videos: int = 4,
    drop_remainder: bool = False,
    multi_hot: bool | None = None,
) -> tf.data.Dataset:
    """Batches of ``(uint8 clips (B, T, H, W, C), labels)`` for one epoch (``.repeat()`` for more).

    Each epoch visits every video once (in a new shuffled order) and draws
    ``sampler.clips_per_video`` new random clips (flow: stacks) from it.

    Args:
        source: a :class:`~keras_video_zoo.data.sources.ClipSource`, or a ``VideoDataset`` of
            video files (then ``frame_size`` is required).
        sampler: clip length, frame stride and clips per video (default 1 clip of 10 frames).
        batch_size: clips per batch.
        frame_size: for a ``VideoDataset``: the side of the centred square every frame is fitted to.
        shuffle: shuffle the videos every epoch.
        seed: with ``deterministic``, makes every epoch's clips and their order reproducible
            (epoch ``e`` differs from epoch ``e + 1`` but is the same in every run).
        deterministic: keep the output order fixed despite parallel decoding (slightly slower).
        parallel_videos: videos read at once (one per core is a good start).
        mix_videos: several clips of one video are interleaved round-robin with clips of this
            many other videos, so a batch is not one video's clips.
        drop_remainder: drop a last, smaller batch.
        multi_hot: labels as multi-hot float vectors (default: when the dataset is multi-label),
            else int32 class indices.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.opencv import cv2
    >>> path = tempfile.mkdtemp() + "/v.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (40, 30))
    >>> for value in range(30):
    ...     _ = writer.write(np.full((30, 40, 3), 8 * value, np.uint8))
    >>> writer.release()
    >>> data = VideoDataset([VideoRecord(path, (1,), "v")], ["a", "b"])
    >>> batches = training_dataset(data, TrainingClips(frames=4, clips_per_video=3), frame_size=24, seed=0)
    >>> clips, labels = next(iter(batches))
    >>> tuple(clips.shape), clips.dtype.name, labels.numpy().tolist()
    ((3, 4, 24, 24, 3), 'uint8', [1, 1, 1])
    """
    source = _as_source(source, frame_size)
    sampler = sampler or TrainingClips()
    multi_hot = _multi_hot(source.dataset, multi_hot)
    labels = tf.constant(_label_array(source.dataset.records, source.dataset.num_classes, multi_hot))
    videos = source.video_elements()
    if shuffle:
        videos = videos.shuffle(len(source.dataset), seed=seed, reshuffle_each_iteration=True)
    # One random draw per video visit: the clips a worker cuts depend on it alone, not on thread timing.
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def clips_with_labels(element, draw):
        index = element[-1] if isinstance(element, tuple) else element
        clips = source.training_clips(element, draw, sampler)
        return clips, tf.repeat(tf.gather(labels, index)[None], tf.shape(clips)[0], axis=0)

    per_video = tf.data.Dataset.zip(videos, draws).map(
        clips_with_labels, num_parallel_calls=parallel_videos, deterministic=deterministic
    )
    clips = per_video.interleave(
        lambda clip, label: tf.data.Dataset.from_tensor_slices((clip, label)),
        cycle_length=max(1, mix_videos),
        block_length=1,
    )
    options = tf.data.Options()
    options.deterministic = deterministic
    return clips.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE).with_options(options)


def evaluation_dataset(
    source: ClipSource | VideoDataset,
    protocol: ClipProtocol | None = None,
    *,
    batch_size: int = 32,
    frame_size: int | Sequence[int] | None = None,
    parallel_videos: int = 2,
) -> tf.data.Dataset:
    """Batches of ``(uint8 clips (B, T, H, W, C), video index (B,))`` for a protocol, in video order.

    Each video is read once for all of its ``protocol.clips`` clips (flow: stacks); the views
    (crops, flips) are the device's job (:func:`~keras_video_zoo.models.clip_wrappers.with_views`).
    The output is the same on every run. Average clip scores per video with
    :func:`keras_video_zoo.evaluation.video_scores`; the video's labels are
    ``source.dataset[video_index].labels``.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.opencv import cv2
    >>> path = tempfile.mkdtemp() + "/v.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (40, 30))
    >>> for value in range(30):
    ...     _ = writer.write(np.full((30, 40, 3), 8 * value, np.uint8))
    >>> writer.release()
    >>> data = VideoDataset([VideoRecord(path, (0,), "v"), VideoRecord(path + ".missing", (0,), "w")], ["a"])
    >>> source = VideoFiles(data, FrameGeometry.square_of(24))
    >>> clips, videos = next(iter(evaluation_dataset(source, UniformClipsProtocol(3, frames=4))))
    >>> tuple(clips.shape), videos.numpy().tolist(), source.report.summary("scored")
    ((3, 4, 24, 24, 3), [0, 0, 0], 'scored 1 of 2 videos; 1 skipped (...v.avi.missing: no such file.)')
    """
    source = _as_source(source, frame_size)
    protocol = protocol or UniformClipsProtocol()

    def clips_with_index(*element):  # tf.data spreads a tuple element over the arguments
        element = element if len(element) > 1 else element[0]
        index = element[-1] if isinstance(element, tuple) else element
        clips = source.evaluation_clips(element, protocol)
        return clips, tf.fill([tf.shape(clips)[0]], tf.cast(index, tf.int32))

    per_video = source.video_elements().map(clips_with_index, num_parallel_calls=parallel_videos, deterministic=True)
    return per_video.unbatch().batch(batch_size).prefetch(tf.data.AUTOTUNE)
