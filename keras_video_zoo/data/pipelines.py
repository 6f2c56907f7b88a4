"""tf.data pipelines from a :class:`~keras_video_zoo.data.records.VideoDataset` to batches of uint8 clips.

The CPU side only decodes: each video is decoded once, sequentially up to the
last frame its clips need, by several videos in parallel (``parallel_videos``
threads; OpenCV releases the GIL while decoding), and all of its clips are
emitted, interleaved with other videos' clips. Batches are uint8
``(batch, T, H, W, 3)`` at ``frame_size``; cropping, flipping and resizing run on
the device (:func:`keras_video_zoo.layers.clip_augmentation.with_augmentation`).

Unreadable videos (corrupt, truncated, zero frames, not a video) are skipped with
an ``UnreadableVideoWarning`` naming the file and counted in a
:class:`~keras_video_zoo.data.video_io.SkippedVideos`; an epoch never dies on one.
A container whose reported frame count is too high is resampled with the count
that really decodes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import ClipProtocol, TrainingClips, UniformClipsProtocol
from keras_video_zoo.data.video_io import (
    ShortVideoError,
    SkippedVideos,
    VideoReadError,
    count_frames,
    frame_folder_images,
    probe_video,
    read_frames,
)
from keras_video_zoo.opencv import cv2

__all__ = ["evaluation_dataset", "fit_frames", "frame_size_of", "read_clips", "training_dataset"]

Sampler = Callable[[int], np.ndarray]


def fit_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frames resized to cover ``size`` (keeping the aspect ratio), then centre-cropped to it.

    Example:
    >>> fit_frames(np.zeros((2, 240, 320, 3), np.uint8), (120, 120)).shape
    (2, 120, 120, 3)
    """
    height, width = frames.shape[1:3]
    target_height, target_width = size
    if (height, width) == (target_height, target_width):
        return frames
    scale = max(target_height / height, target_width / width)
    new_height, new_width = max(target_height, round(height * scale)), max(target_width, round(width * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    top, left = (new_height - target_height) // 2, (new_width - target_width) // 2
    return np.stack(
        [
            cv2.resize(frame, (new_width, new_height), interpolation=interpolation)[
                top : top + target_height, left : left + target_width
            ]
            for frame in frames
        ]
    )


def _reported_frames(path: str, backend: str) -> tuple[int, tuple[int, int] | None]:
    """Frame count (as the container reports it, or counted if it reports none) and size."""
    if Path(path).is_dir():
        return len(frame_folder_images(path)), None
    info = probe_video(path, backend=backend)
    count = info.frame_count if info.frame_count > 0 else count_frames(path, backend=backend)
    return count, (info.height, info.width)


def read_clips(
    path: str,
    sample: Sampler,
    *,
    frame_size: tuple[int, int] | None = None,
    backend: str = "opencv",
    frame_counts: dict[str, int] | None = None,
) -> np.ndarray:
    """Decodes one video once and cuts the clips ``sample(num_frames)`` asks for.

    Args:
        path: a video file or a frame folder.
        sample: maps the video's frame count to ``(clips, T)`` frame indices.
        frame_size: ``(H, W)`` of the output (see :func:`fit_frames`); ``None`` keeps the video's.
        frame_counts: a cache of videos' frame counts (path -> count), read and updated, so that
            later epochs skip probing the container (and keep a corrected count).

    Returns:
        uint8 ``(clips, T, H, W, 3)``.

    Raises:
        VideoReadError: the video cannot be read.

    Example:
    >>> import tempfile
    >>> path = tempfile.mkdtemp() + "/ramp.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (32, 32))
    >>> for value in range(0, 200, 20):
    ...     _ = writer.write(np.full((32, 32, 3), value, np.uint8))
    >>> writer.release()
    >>> clips = read_clips(path, lambda n: np.array([[0, 1], [n - 2, n - 1]]))
    >>> clips.shape, [round(v / 20) for v in clips[:, :, 0, 0, 0].ravel()]  # frame i is grey 20 i
    ((2, 2, 32, 32, 3), [0, 1, 8, 9])
    """
    cached = frame_counts.get(path) if frame_counts is not None else None
    num_frames = cached if cached is not None else _reported_frames(path, backend)[0]
    indices = np.asarray(sample(num_frames))
    try:
        frames = _read_unique(path, indices, backend)
    except ShortVideoError as error:  # the container over-reported its length: sample again within what decodes
        num_frames = error.decoded_frames
        indices = np.asarray(sample(num_frames))
        frames = _read_unique(path, indices, backend)
    if frame_counts is not None:
        frame_counts[path] = num_frames
    if frame_size is not None:
        frames = fit_frames(frames, frame_size)
    unique = np.unique(indices)
    return frames[np.searchsorted(unique, indices)]


def _read_unique(path: str, indices: np.ndarray, backend: str) -> np.ndarray:
    try:
        return read_frames(path, np.unique(indices).tolist(), backend=backend)
    except cv2.error as error:  # a decoder failure deep in OpenCV is still just an unreadable video
        raise VideoReadError(path, f"decoding failed ({error}).") from error


def frame_size_of(dataset: VideoDataset, backend: str = "opencv") -> tuple[int, int]:
    """The ``(H, W)`` of the first readable video: the default pipeline frame size.

    Raises:
        ValueError: no video of the dataset can be read.
    """
    errors = []
    for record in dataset.records[:20]:
        try:
            if Path(record.path).is_dir():
                return tuple(read_frames(record.path, [0]).shape[1:3])
            info = probe_video(record.path, backend=backend)
            return info.height, info.width
        except VideoReadError as error:
            errors.append(str(error))
    raise ValueError(
        f"{dataset.name}: none of the first videos can be read ({'; '.join(errors[:3])}); pass frame_size."
    )


def _label_array(records: Sequence[VideoRecord], num_classes: int, multi_hot: bool) -> np.ndarray:
    if not multi_hot:
        return np.array([record.labels[0] for record in records], np.int32)
    labels = np.zeros((len(records), num_classes), np.float32)
    for row, record in enumerate(records):
        labels[row, list(record.labels)] = 1.0
    return labels


def _check_dataset(dataset: VideoDataset, multi_hot: bool | None) -> bool:
    if len(dataset) == 0:
        raise ValueError(f"{dataset.name} has no videos; check the dataset root and split.")
    if multi_hot is None:
        return dataset.multi_label
    if not multi_hot and dataset.multi_label:
        raise ValueError(f"{dataset.name} has multi-label videos; use multi_hot=True (or leave it None).")
    return multi_hot


def _loader(dataset, frame_size, backend, skipped, sample_for: Callable[[int, int], Sampler]):
    """A numpy function: (video index, seed) -> (clips, count) with zero clips for an unreadable video."""
    empty = np.zeros((0, 1, *frame_size, 3), np.uint8)
    frame_counts: dict[str, int] = {}  # probed once per video, not every epoch

    def load(index, seed):
        record = dataset.records[int(index)]
        sample = sample_for(int(index), int(seed))
        try:
            clips = read_clips(record.path, sample, frame_size=frame_size, backend=backend, frame_counts=frame_counts)
        except VideoReadError as error:
            skipped.record(error)
            return empty, np.int32(0)
        return clips, np.int32(len(clips))

    return load


def _clip_dataset(
    indices_and_seeds: tf.data.Dataset,
    load,
    frames: int,
    frame_size: tuple[int, int],
    parallel_videos: int,
    deterministic: bool,
) -> tf.data.Dataset:
    """Parallel decode; yields ``(clips (k, T, H, W, 3), index)`` per readable video."""

    def decode(index, seed):
        clips, count = tf.numpy_function(load, [index, seed], [tf.uint8, tf.int32], stateful=False)
        clips = tf.reshape(clips, (count, frames, *frame_size, 3))  # also fixes the static shape
        return clips, index

    return indices_and_seeds.map(decode, num_parallel_calls=parallel_videos, deterministic=deterministic)


def training_dataset(
    dataset: VideoDataset,
    sampler: TrainingClips | None = None,
    *,
    batch_size: int = 32,
    frame_size: tuple[int, int] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    deterministic: bool = False,
    parallel_videos: int = 2,
    mix_videos: int = 4,
    drop_remainder: bool = False,
    multi_hot: bool | None = None,
    backend: str = "opencv",
    skipped: SkippedVideos | None = None,
) -> tf.data.Dataset:
    """Batches of ``(uint8 clips (B, T, H, W, 3), labels)`` for one epoch (``.repeat()`` for more).

    Each epoch visits every video once (in a new shuffled order) and draws
    ``sampler.clips_per_video`` new random clips from it.

    Args:
        dataset: the videos, e.g. ``ucf101(root, split=1, subset="train")``.
        sampler: clip length, frame stride and clips per video (default 1 clip of 10 frames).
        batch_size: clips per batch.
        frame_size: ``(H, W)`` the CPU ships; other sizes are fitted (resized, centre-cropped);
            default: the first readable video's size.
        shuffle: shuffle the videos every epoch.
        seed: with ``deterministic``, makes every epoch's clips and their order reproducible
            (epoch ``e`` differs from epoch ``e + 1`` but is the same in every run).
        deterministic: keep the output order fixed despite parallel decoding (slightly slower).
        parallel_videos: videos decoded at once (one per core is a good start).
        mix_videos: several clips of one video are interleaved round-robin with
            clips of this many other videos, so a batch is not one video's clips.
        drop_remainder: drop a last, smaller batch.
        multi_hot: labels as multi-hot float vectors (default: when the dataset is multi-label),
            else int32 class indices.
        backend: ``"opencv"`` or ``"pyav"``.
        skipped: collects unreadable videos (each warned once, naming the file).

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> path = tempfile.mkdtemp() + "/v.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (40, 30))
    >>> for value in range(30):
    ...     _ = writer.write(np.full((30, 40, 3), 8 * value, np.uint8))
    >>> writer.release()
    >>> data = VideoDataset([VideoRecord(path, (1,), "v")], ["a", "b"])
    >>> clips, labels = next(iter(training_dataset(data, TrainingClips(frames=4, clips_per_video=3), seed=0)))
    >>> tuple(clips.shape), clips.dtype.name, labels.numpy().tolist()
    ((3, 4, 30, 40, 3), 'uint8', [1, 1, 1])
    """
    sampler = sampler or TrainingClips()
    multi_hot = _check_dataset(dataset, multi_hot)
    frame_size = tuple(frame_size) if frame_size is not None else frame_size_of(dataset, backend)
    skipped = skipped if skipped is not None else SkippedVideos()
    labels = tf.constant(_label_array(dataset.records, dataset.num_classes, multi_hot))

    def sample_for(index: int, seed: int) -> Sampler:
        return lambda num_frames: sampler.sample(num_frames, np.random.default_rng(seed & 0xFFFFFFFFFFFFFFFF))

    load = _loader(dataset, frame_size, backend, skipped, sample_for)
    indices = tf.data.Dataset.range(len(dataset))
    if shuffle:
        indices = indices.shuffle(len(dataset), seed=seed, reshuffle_each_iteration=True)
    # One random seed per video visit: the clip a worker draws depends on it alone, not on thread timing.
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    videos = _clip_dataset(
        tf.data.Dataset.zip(indices, seeds), load, sampler.frames, frame_size, parallel_videos, deterministic
    )

    def clips_with_labels(clips, index):
        video_labels = tf.repeat(tf.gather(labels, index)[None], tf.shape(clips)[0], axis=0)
        return tf.data.Dataset.from_tensor_slices((clips, video_labels))

    clips = videos.interleave(clips_with_labels, cycle_length=max(1, mix_videos), block_length=1)
    options = tf.data.Options()
    options.deterministic = deterministic
    return clips.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE).with_options(options)


def evaluation_dataset(
    dataset: VideoDataset,
    protocol: ClipProtocol | None = None,
    *,
    batch_size: int = 32,
    frame_size: tuple[int, int] | None = None,
    parallel_videos: int = 2,
    backend: str = "opencv",
    skipped: SkippedVideos | None = None,
) -> tf.data.Dataset:
    """Batches of ``(uint8 clips (B, T, H, W, 3), video index (B,))`` for a protocol, in video order.

    Each video is decoded once for all of its ``protocol.clips`` clips; the views
    (crops, flips) are the device's job (:func:`~keras_video_zoo.layers.clip_augmentation.with_views`).
    The output is the same on every run. Average clip scores per video with
    :func:`keras_video_zoo.evaluation.video_scores`;
    the video's labels are ``dataset[video_index].labels``.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> path = tempfile.mkdtemp() + "/v.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (40, 30))
    >>> for value in range(30):
    ...     _ = writer.write(np.full((30, 40, 3), 8 * value, np.uint8))
    >>> writer.release()
    >>> data = VideoDataset([VideoRecord(path, (0,), "v"), VideoRecord(path + ".missing", (0,), "w")], ["a"])
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     clips, videos = next(iter(evaluation_dataset(data, UniformClipsProtocol(3, frames=4))))
    >>> tuple(clips.shape), videos.numpy().tolist()
    ((3, 4, 30, 40, 3), [0, 0, 0])
    """
    protocol = protocol or UniformClipsProtocol()
    _check_dataset(dataset, None)
    frame_size = tuple(frame_size) if frame_size is not None else frame_size_of(dataset, backend)
    skipped = skipped if skipped is not None else SkippedVideos()

    def sample_for(index: int, seed: int) -> Sampler:
        return lambda num_frames: protocol.sample(num_frames, index)

    load = _loader(dataset, frame_size, backend, skipped, sample_for)
    indices = tf.data.Dataset.range(len(dataset))
    videos = _clip_dataset(
        tf.data.Dataset.zip(indices, indices), load, protocol.frames, frame_size, parallel_videos, True
    )

    def clips_with_index(clips, index):
        video = tf.fill([tf.shape(clips)[0]], tf.cast(index, tf.int32))
        return tf.data.Dataset.from_tensor_slices((clips, video))

    return videos.flat_map(clips_with_index).batch(batch_size).prefetch(tf.data.AUTOTUNE)
