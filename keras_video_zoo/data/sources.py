"""Where clips come from: one :class:`ClipSource` per kind of storage, behind one pair of pipelines.

A source knows its videos (a :class:`~keras_video_zoo.data.records.VideoDataset`), how to cut
training clips and evaluation clips from one of them, and keeps a
:class:`~keras_video_zoo.data.video_report.VideoReport` of what it could and could not use.
:func:`keras_video_zoo.data.pipelines.training_dataset` and
:func:`~keras_video_zoo.data.pipelines.evaluation_dataset` do the rest (shuffling, mixing
videos in a batch, labels, batching) the same way for every source:

- :class:`VideoFiles`: video files in any container, or folders of extracted frames, decoded
  as a stream (OpenCV, or PyAV past damage);
- :class:`RGBShards`: TFRecord shards written by ``kvz prepare``;
- :class:`keras_video_zoo.flow.sources.FlowFolders` and
  :class:`~keras_video_zoo.flow.sources.FlowShards`: stacks of stored optical flow.

Every source ships uint8 clips of one fixed size per pipeline (its geometry); crops and flips
are the device's job (``with_augmentation``, ``with_views``). Two-stream models are scored
stream by stream, each from its own source, and fused per video
(:func:`keras_video_zoo.evaluation.video_evaluation.evaluate_two_stream`), as the paper fuses
the streams' averaged scores.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import ClipProtocol, TrainingClips, clip_span
from keras_video_zoo.data.shard_records import parse_video_example
from keras_video_zoo.data.shards import read_shard_plan
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_io import read_clips
from keras_video_zoo.data.video_report import VideoReport


class ClipSource(ABC):
    """A kind of storage that clips are cut from.

    Attributes:
        dataset: the videos and class names.
        report: what the source used, skipped (with reasons), found damaged or short.
    """

    dataset: VideoDataset
    report: VideoReport

    @abstractmethod
    def clip_shape(self, frames: int) -> tuple[int, int, int, int]:
        """``(T, H, W, C)`` of one clip of ``frames`` frames (flow: ``frames`` fields)."""

    @abstractmethod
    def video_elements(self) -> tf.data.Dataset:
        """One element per video, in dataset order; the last component is the video's index."""

    @abstractmethod
    def training_clips(self, element, draw: tf.Tensor, sampler: TrainingClips) -> tf.Tensor:
        """``(k, T, H, W, C)`` uint8 random clips of one video (``k = 0`` for a video that is skipped)."""

    @abstractmethod
    def evaluation_clips(self, element, protocol: ClipProtocol) -> tf.Tensor:
        """``(n, T, H, W, C)`` uint8 clips of one video under ``protocol``, in a fixed order."""


class VideoFiles(ClipSource):
    """Videos decoded as a stream: video files in any container FFmpeg reads, or extracted frame folders.

    Each video is decoded once per visit, sequentially up to the last frame its clips need,
    and every frame it keeps is fitted by ``geometry`` as it is decoded, so memory does not
    grow with a video's length or resolution and no video's size depends on another's.

    Args:
        dataset: the videos.
        geometry: how frames are fitted; batched pipelines need a fixed size
            (``FrameGeometry.square_of(S)``: short side S, centred square; see
            ``keras_video_zoo.models.clip_wrappers.pipeline_size`` for a model's S).
        backend: ``"opencv"`` (PyAV takes over past damage) or ``"pyav"``.
        damaged: ``"use"`` the frames a damaged video decodes, or ``"skip"`` it.
        report: a report to add to (default: a new one).

    Example:
    >>> import tempfile, numpy as np
    >>> from keras_video_zoo.opencv import cv2
    >>> path = tempfile.mkdtemp() + "/v.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (64, 48))
    >>> for value in range(12):
    ...     _ = writer.write(np.full((48, 64, 3), 20 * value, np.uint8))
    >>> writer.release()
    >>> source = VideoFiles(VideoDataset([VideoRecord(path, (0,), "v")], ["a"]), FrameGeometry.square_of(32))
    >>> source.clip_shape(10)
    (10, 32, 32, 3)
    """

    def __init__(
        self,
        dataset: VideoDataset,
        geometry: FrameGeometry,
        *,
        backend: str = "opencv",
        damaged: str = "use",
        report: VideoReport | None = None,
    ) -> None:
        if geometry.fixed_size is None:
            raise ValueError(f"a pipeline batches clips of one size: give a fixed geometry, not {geometry}.")
        if len(dataset) == 0:
            raise ValueError(f"{dataset.name} has no videos; check the dataset root and split.")
        self.dataset, self.geometry, self.backend = dataset, geometry, backend
        self.report = report or VideoReport(damaged)
        self._frame_counts: dict[str, int] = {}  # probed (or corrected) once, not every epoch

    def clip_shape(self, frames: int) -> tuple[int, int, int, int]:
        return (frames, *self.geometry.fixed_size, 3)

    def video_elements(self) -> tf.data.Dataset:
        return tf.data.Dataset.range(len(self.dataset))

    def clips(self, record: VideoRecord, sample, span: int) -> np.ndarray:
        """``sample(num_frames) -> (clips, T)`` indices, decoded; ``(0, ...)`` and a report line if unusable."""
        try:
            clips, video = read_clips(
                record.path, sample, geometry=self.geometry, backend=self.backend, frame_counts=self._frame_counts
            )
        except VideoReadError as error:
            self.report.skipped(record.path, error.reason)
            return np.zeros((0, 1, *self.geometry.fixed_size, 3), np.uint8)
        count = self._frame_counts[record.path]
        problems = video.problems()
        if problems:
            self.report.damaged(record.path, problems)
            if self.report.damaged_policy == "skip":
                self.report.skipped(record.path, f"damaged: {problems}")
                return np.zeros((0, 1, *self.geometry.fixed_size, 3), np.uint8)
        if count < span:
            self.report.short(record.path, f"{count} frame(s), shorter than a clip of {span}")
        self.report.used(record.path)
        return clips

    def _decode_op(self, load, arguments: list, frames: int) -> tf.Tensor:
        clips = tf.numpy_function(load, arguments, tf.uint8, stateful=False)
        return tf.reshape(clips, (-1, *self.clip_shape(frames)))  # also fixes the static shape

    def training_clips(self, element, draw, sampler: TrainingClips) -> tf.Tensor:
        span = clip_span(sampler.frames, sampler.stride)

        def load(index, seed):
            # The clips of a visit depend on its seed alone, not on which thread decodes it.
            rng = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)
            return self.clips(self.dataset[int(index)], lambda count: sampler.sample(count, rng), span)

        return self._decode_op(load, [element, draw], sampler.frames)

    def evaluation_clips(self, element, protocol: ClipProtocol) -> tf.Tensor:
        span = clip_span(protocol.frames, protocol.stride)

        def load(index):
            return self.clips(self.dataset[int(index)], lambda count: protocol.sample(count, int(index)), span)

        return self._decode_op(load, [element], protocol.frames)


class RGBShards(ClipSource):
    """Clips from the TFRecord shards ``kvz prepare`` writes (a SequenceExample of JPEG frames per video).

    Only the JPEGs of the sampled frames are decoded, in the graph. The videos the shards could
    not store are in the report as skipped, with the reason ``kvz prepare`` gave.

    Args:
        directory: a complete shard folder.
        geometry: ``FrameGeometry.square_of(S)``: stored frames are cut to their centred square, resized to S.
    """

    def __init__(self, directory: str | Path, geometry: FrameGeometry, *, report: VideoReport | None = None) -> None:
        if not geometry.square:
            raise ValueError(f"shards are fitted to a centred square: give FrameGeometry.square_of(S), not {geometry}.")
        self.directory, self.geometry = Path(directory), geometry
        plan = read_shard_plan(directory)
        self.schema = plan["format"]  # format 1 shards (kvz's first keys) still read
        self.files = [str(self.directory / f"{shard['name']}.tfrecord") for shard in plan["shards"]]
        records = [
            VideoRecord(f"{directory}#{video_id}", tuple(shard["meta"]["labels"][video_id]), video_id)
            for shard in plan["shards"]
            for video_id in shard["meta"]["videos"]
        ]
        self.dataset = VideoDataset(records, plan["class_names"], name=f"shards:{directory}")
        self.report = report or VideoReport()
        for shard in plan["shards"]:
            for video_id, reason in shard["meta"]["unreadable"].items():
                self.report.skipped(video_id, f"not in the shards (kvz prepare: {reason})")
            for video_id, damage in shard["meta"].get("damaged", {}).items():
                self.report.damaged(video_id, damage)
        for record in records:
            self.report.used(record.video_id)
        self._index = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant([r.video_id for r in records]), tf.range(len(records), dtype=tf.int64)
            ),
            default_value=-1,
        )

    def clip_shape(self, frames: int) -> tuple[int, int, int, int]:
        return (frames, *self.geometry.fixed_size, 3)

    def video_elements(self) -> tf.data.Dataset:
        def with_index(serialized):
            video = parse_video_example(serialized, self.schema)
            return video["frames"], self._index.lookup(video["video_id"])

        return tf.data.TFRecordDataset(self.files).map(with_index, num_parallel_calls=tf.data.AUTOTUNE)

    def _decode(self, jpegs: tf.Tensor, indices: tf.Tensor, frames: int) -> tf.Tensor:
        chosen = tf.gather(jpegs, tf.reshape(indices, [-1]))
        decoded = tf.map_fn(
            lambda jpeg: tf.io.decode_jpeg(jpeg, channels=3), chosen, fn_output_signature=tf.TensorSpec(None, tf.uint8)
        )
        return tf.reshape(fit_tensor(decoded, self.geometry), (-1, *self.clip_shape(frames)))

    def training_clips(self, element, draw, sampler: TrainingClips) -> tf.Tensor:
        jpegs, _ = element
        count = tf.shape(jpegs, out_type=tf.int64)[0]
        last_start = tf.maximum(count - clip_span(sampler.frames, sampler.stride), 0)
        starts = tf.random.stateless_uniform(
            [sampler.clips_per_video], seed=tf.stack([draw, 0]), minval=0, maxval=last_start + 1, dtype=tf.int64
        )
        indices = starts[:, None] + tf.range(sampler.frames, dtype=tf.int64)[None, :] * sampler.stride
        indices = tf.minimum(indices, count - 1) if sampler.short_video == "clamp" else indices % count
        return self._decode(jpegs, indices, sampler.frames)

    def evaluation_clips(self, element, protocol: ClipProtocol) -> tf.Tensor:
        jpegs, index = element
        count = tf.shape(jpegs, out_type=tf.int64)[0]
        indices = tf.numpy_function(
            lambda n, i: np.asarray(protocol.sample(int(n), int(i)), np.int64), [count, index], tf.int64
        )
        return self._decode(jpegs, indices, protocol.frames)


def fit_tensor(frames: tf.Tensor, geometry: FrameGeometry) -> tf.Tensor:
    """:meth:`FrameGeometry.fit` of a square geometry for a ``(N, H, W, C)`` tensor in the graph."""
    if geometry.size is not None or not geometry.square:
        raise ValueError(f"stored frames are fitted to a centred square in the graph; got {geometry}.")
    side = geometry.short_side
    height, width = tf.shape(frames)[1], tf.shape(frames)[2]
    square = tf.minimum(height, width)
    top, left = (height - square) // 2, (width - square) // 2
    frames = frames[:, top : top + square, left : left + square]

    def resized():
        scaled = tf.image.resize(frames, (side, side), antialias=True)
        return tf.cast(tf.clip_by_value(tf.round(scaled), 0, 255), tf.uint8)

    fitted = tf.cond(tf.equal(square, side), lambda: frames, resized)
    return tf.ensure_shape(fitted, [None, side, side, None])
