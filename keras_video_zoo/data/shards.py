"""Sharded TFRecords of JPEG frames: decode a dataset once, train from the shards many times.

Each video becomes one ``tf.train.SequenceExample``: context ``video_id``,
``labels`` (int64 list), ``height``/``width``/``num_frames``; feature list
``frames`` holds one JPEG per frame, resized to a chosen short side. A training
pipeline then decodes only the JPEGs of the frames its clips need.

Layout of a shard folder::

    plan.json                            what goes in which shard (written first)
    shard-00000-of-00008.tfrecord        the records
    shard-00000-of-00008.json            written last: the shard is complete
    report.json                          the totals and the unreadable videos

Writing is resumable and atomic: a shard is written under a ``.tmp`` name and
renamed when complete, then its ``.json`` is written the same way; a rerun keeps
every shard whose ``.json`` exists (and whose size matches it) and rewrites the
others, so an interrupted run loses and duplicates nothing.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import TrainingClips, clip_span
from keras_video_zoo.data.video_io import VideoReadError, read_frames
from keras_video_zoo.opencv import cv2

PLAN_FILE = "plan.json"
REPORT_FILE = "report.json"
FORMAT_VERSION = 1

__all__ = [
    "ShardReport",
    "parse_video_example",
    "read_shard_plan",
    "shard_files",
    "shard_training_dataset",
    "verify_shards",
    "video_example",
    "write_shards",
]


@dataclass
class ShardReport:
    """What :func:`write_shards` did.

    Attributes:
        directory: the shard folder.
        shards: shards in the folder.
        written: shards written by this run; ``kept``: complete shards found and kept.
        videos: videos stored in all shards.
        frames: frames stored in all shards.
        unreadable: video id -> why it could not be read (not stored).
    """

    directory: str
    shards: int
    written: int
    kept: int
    videos: int
    frames: int
    unreadable: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        text = (
            f"{self.videos} videos ({self.frames} frames) in {self.shards} shards at {self.directory} "
            f"({self.written} written, {self.kept} kept from an earlier run)"
        )
        if self.unreadable:
            text += f"; {len(self.unreadable)} unreadable video(s) skipped, listed in {REPORT_FILE}"
        return text


def _shard_name(index: int, count: int) -> str:
    return f"shard-{index:05d}-of-{count:05d}"


def video_example(record: VideoRecord, frames: np.ndarray, jpeg_quality: int = 90) -> tf.train.SequenceExample:
    """One video as a SequenceExample of JPEG frames.

    Example:
    >>> record = VideoRecord("v.avi", (2,), "v")
    >>> example = video_example(record, np.zeros((3, 8, 10, 3), np.uint8))
    >>> parsed = parse_video_example(example.SerializeToString())
    >>> parsed["video_id"].numpy(), parsed["labels"].numpy().tolist(), parsed["frames"].shape
    (b'v', [2], TensorShape([3]))
    """
    height, width = frames.shape[1:3]
    parameters = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    jpegs = []
    for frame in frames:
        ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), parameters)
        if not ok:
            raise ValueError(f"{record.video_id}: JPEG encoding failed.")
        jpegs.append(encoded.tobytes())

    def int64s(values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))

    context = tf.train.Features(
        feature={
            "video_id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[record.video_id.encode()])),
            "labels": int64s(record.labels),
            "num_frames": int64s([len(frames)]),
            "height": int64s([height]),
            "width": int64s([width]),
        }
    )
    frame_list = tf.train.FeatureList(
        feature=[tf.train.Feature(bytes_list=tf.train.BytesList(value=[jpeg])) for jpeg in jpegs]
    )
    return tf.train.SequenceExample(
        context=context, feature_lists=tf.train.FeatureLists(feature_list={"frames": frame_list})
    )


_CONTEXT = {
    "video_id": tf.io.FixedLenFeature([], tf.string),
    "labels": tf.io.VarLenFeature(tf.int64),
    "num_frames": tf.io.FixedLenFeature([], tf.int64),
    "height": tf.io.FixedLenFeature([], tf.int64),
    "width": tf.io.FixedLenFeature([], tf.int64),
}
_SEQUENCE = {"frames": tf.io.FixedLenSequenceFeature([], tf.string)}


def parse_video_example(serialized) -> dict[str, tf.Tensor]:
    """``video_id``, ``labels`` (int64 vector), ``frames`` (JPEG strings), ``num_frames``, ``height``, ``width``."""
    context, sequence = tf.io.parse_single_sequence_example(serialized, _CONTEXT, _SEQUENCE)
    return {**context, "labels": tf.sparse.to_dense(context["labels"]), "frames": sequence["frames"]}


def _plan(dataset: VideoDataset, videos_per_shard: int, short_side: int, jpeg_quality: int) -> dict:
    ids = [record.video_id for record in dataset.records]
    shards = [ids[start : start + videos_per_shard] for start in range(0, len(ids), videos_per_shard)]
    return {
        "format": FORMAT_VERSION,
        "dataset": dataset.name,
        "class_names": list(dataset.class_names),
        "short_side": short_side,
        "jpeg_quality": jpeg_quality,
        "videos_per_shard": videos_per_shard,
        "shards": [{"name": _shard_name(i, len(shards)), "videos": videos} for i, videos in enumerate(shards)],
    }


def _write_json_atomically(path: Path, data) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(temporary, path)


def _complete(directory: Path, name: str) -> dict | None:
    """The shard's metadata if the shard is complete, else ``None``."""
    meta_path, shard_path = directory / f"{name}.json", directory / f"{name}.tfrecord"
    if not meta_path.exists() or not shard_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    return meta if shard_path.stat().st_size == meta.get("bytes") else None


def _write_one_shard(
    directory: Path, name: str, records: Sequence[VideoRecord], short_side: int, jpeg_quality: int, backend: str, tick
) -> dict:
    temporary = directory / f"{name}.tfrecord.tmp"
    unreadable, sizes, labels, frames_total = {}, {}, {}, 0
    with tf.io.TFRecordWriter(str(temporary)) as writer:
        for record in records:
            try:
                frames = read_frames(record.path, None, short_side=short_side, backend=backend)
            except (VideoReadError, cv2.error) as error:
                unreadable[record.video_id] = getattr(error, "reason", str(error))
            else:
                writer.write(video_example(record, frames, jpeg_quality).SerializeToString())
                sizes[record.video_id] = list(frames.shape[1:3])
                labels[record.video_id] = list(record.labels)
                frames_total += len(frames)
            tick()
    os.replace(temporary, directory / f"{name}.tfrecord")
    meta = {
        "videos": [video_id for video_id in sizes],
        "frame_sizes": sizes,
        "labels": labels,
        "frames": frames_total,
        "unreadable": unreadable,
        "bytes": (directory / f"{name}.tfrecord").stat().st_size,
    }
    _write_json_atomically(directory / f"{name}.json", meta)  # last: marks the shard complete
    return meta


def write_shards(
    dataset: VideoDataset,
    directory: str | os.PathLike,
    *,
    short_side: int = 128,
    videos_per_shard: int = 64,
    jpeg_quality: int = 90,
    workers: int = 2,
    backend: str = "opencv",
    progress: bool = True,
) -> ShardReport:
    """Writes ``dataset`` as sharded TFRecords into ``directory``, resuming an earlier run.

    Args:
        dataset: the videos to store, in their order.
        directory: created if missing; may hold an interrupted run of the same call.
        short_side: frames are resized so their shorter side is this long.
        videos_per_shard: videos per shard (a shard is the unit of resumption).
        jpeg_quality: 0-100.
        workers: shards written in parallel (threads; decoding and JPEG encoding release the GIL).
        backend: video decoder, ``"opencv"`` or ``"pyav"``.
        progress: show a tqdm bar over videos.

    Returns:
        A :class:`ShardReport`; unreadable videos are skipped and listed in it and in ``report.json``.

    Raises:
        ValueError: ``directory`` holds shards of another dataset or other settings.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> data = VideoDataset([VideoRecord("missing.avi", (0,), "missing")], ["a"])
    >>> report = write_shards(data, tempfile.mkdtemp(), progress=False)
    >>> report.videos, report.unreadable
    (0, {'missing': 'no such file.'})
    """
    if short_side < 1 or videos_per_shard < 1 or not 0 <= jpeg_quality <= 100 or workers < 1:
        raise ValueError(
            f"need short_side >= 1, videos_per_shard >= 1, 0 <= jpeg_quality <= 100, workers >= 1; got "
            f"{short_side}, {videos_per_shard}, {jpeg_quality}, {workers}."
        )
    if len(dataset) == 0:
        raise ValueError(f"{dataset.name} has no videos; check the dataset root and split.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plan = _plan(dataset, videos_per_shard, short_side, jpeg_quality)
    plan_path = directory / PLAN_FILE
    if plan_path.exists():
        existing = json.loads(plan_path.read_text())
        if existing != plan:
            raise ValueError(
                f"{directory} already holds shards of another dataset or other settings "
                f"({existing.get('dataset')!r}, short side {existing.get('short_side')}, "
                f"{existing.get('videos_per_shard')} videos per shard); use an empty folder, or delete it to rebuild."
            )
    else:
        _write_json_atomically(plan_path, plan)
    for shard in plan["shards"]:  # partial files of an interrupted run (only ours: flow shards may live here too)
        for leftover in (f"{shard['name']}.tfrecord.tmp", f"{shard['name']}.json.tmp"):
            (directory / leftover).unlink(missing_ok=True)

    by_id = {record.video_id: record for record in dataset.records}
    done = {shard["name"]: _complete(directory, shard["name"]) for shard in plan["shards"]}
    pending = [shard for shard in plan["shards"] if done[shard["name"]] is None]
    bar = tqdm(
        total=sum(len(shard["videos"]) for shard in pending),
        desc=f"prepare {dataset.name}",
        unit="video",
        disable=not progress,
    )
    lock = threading.Lock()

    def tick():
        with lock:
            bar.update(1)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # At most `workers` shards in flight: after a failure or Ctrl-C no new shard starts.
            queue, running = list(pending), {}
            while queue or running:
                while queue and len(running) < workers:
                    shard = queue.pop(0)
                    records = [by_id[video_id] for video_id in shard["videos"]]
                    arguments = (directory, shard["name"], records, short_side, jpeg_quality, backend, tick)
                    running[pool.submit(_write_one_shard, *arguments)] = shard["name"]
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[running.pop(future)] = future.result()
    finally:
        bar.close()

    unreadable = {video_id: reason for meta in done.values() for video_id, reason in meta["unreadable"].items()}
    report = ShardReport(
        directory=str(directory),
        shards=len(plan["shards"]),
        written=len(pending),
        kept=len(plan["shards"]) - len(pending),
        videos=sum(len(meta["videos"]) for meta in done.values()),
        frames=sum(meta["frames"] for meta in done.values()),
        unreadable=unreadable,
    )
    summary = {key: value for key, value in report.__dict__.items() if key not in ("written", "kept")}
    _write_json_atomically(directory / REPORT_FILE, summary)
    return report


def read_shard_plan(directory: str | os.PathLike) -> dict:
    """The plan of a complete shard folder, with each shard's metadata under ``"meta"``.

    Raises:
        ValueError: not a shard folder, or a shard is missing, incomplete or truncated.
    """
    directory = Path(directory)
    plan_path = directory / PLAN_FILE
    if not plan_path.exists():
        raise ValueError(f"{directory} is not a shard folder (no {PLAN_FILE}); create one with `kvz prepare`.")
    plan = json.loads(plan_path.read_text())
    if plan.get("format") != FORMAT_VERSION:
        raise ValueError(f"{plan_path}: shard format {plan.get('format')!r}; this version reads {FORMAT_VERSION}.")
    incomplete = []
    for shard in plan["shards"]:
        shard["meta"] = _complete(directory, shard["name"])
        if shard["meta"] is None:
            incomplete.append(shard["name"])
    if incomplete:
        raise ValueError(
            f"{directory}: shards {incomplete[:5]} are missing, incomplete or truncated (of {len(plan['shards'])}); "
            f"rerun `kvz prepare` with the same arguments to finish them."
        )
    return plan


def shard_files(directory: str | os.PathLike) -> list[str]:
    """The TFRecord files of a complete shard folder (see :func:`read_shard_plan` for the errors)."""
    plan = read_shard_plan(directory)
    return [str(Path(directory) / f"{shard['name']}.tfrecord") for shard in plan["shards"]]


def verify_shards(directory: str | os.PathLike) -> int:
    """Reads and parses every record (checking the CRCs); returns the number of videos.

    Raises:
        ValueError: naming the shard that is corrupt.
    """
    videos = 0
    for path in shard_files(directory):
        try:
            for serialized in tf.data.TFRecordDataset(path):
                parse_video_example(serialized)
                videos += 1
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
            raise ValueError(
                f"shard {path} is corrupt ({error.message.splitlines()[0]}); delete it and its .json, then rerun "
                "`kvz prepare` with the same arguments to rewrite it."
            ) from error
    return videos


def _frame_size(plan: dict, frame_size: tuple[int, int] | None) -> tuple[int, int]:
    if frame_size is not None:
        return tuple(frame_size)
    sizes = {tuple(size) for shard in plan["shards"] for size in shard["meta"]["frame_sizes"].values()}
    if len(sizes) != 1:
        raise ValueError(f"the shards hold frames of {len(sizes)} sizes ({sorted(sizes)[:4]}); pass frame_size.")
    return sizes.pop()


def shard_training_dataset(
    directory: str | os.PathLike,
    sampler: TrainingClips | None = None,
    *,
    batch_size: int = 32,
    frame_size: tuple[int, int] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    deterministic: bool = False,
    parallel_reads: int = 2,
    shuffle_buffer: int = 256,
    drop_remainder: bool = False,
    multi_hot: bool | None = None,
) -> tf.data.Dataset:
    """Batches of ``(uint8 clips (B, T, H, W, 3), labels)`` from a shard folder, one epoch.

    Like :func:`keras_video_zoo.data.pipelines.training_dataset` (same sampler,
    seeds, label format and clip policy for short videos) but decodes only the
    JPEGs of the sampled frames. Frames are fitted to ``frame_size``
    (resized to cover it, centre-cropped); by default the shards' frame size.

    Raises:
        ValueError: not a shard folder, or a shard is missing or truncated.
        tf.errors.DataLossError: (while iterating) a shard's content is corrupt;
            :func:`verify_shards` names it.
    """
    sampler = sampler or TrainingClips()
    plan = read_shard_plan(directory)
    files = [str(Path(directory) / f"{shard['name']}.tfrecord") for shard in plan["shards"]]
    num_classes = len(plan["class_names"])
    if multi_hot is None:
        multi_hot = any(len(labels) > 1 for shard in plan["shards"] for labels in shard["meta"]["labels"].values())
    frame_size = _frame_size(plan, frame_size)
    span = clip_span(sampler.frames, sampler.stride)
    offsets = tf.range(sampler.frames, dtype=tf.int64) * sampler.stride

    file_names = tf.data.Dataset.from_tensor_slices(files)
    if shuffle:
        file_names = file_names.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    records = file_names.interleave(
        tf.data.TFRecordDataset, cycle_length=parallel_reads, num_parallel_calls=parallel_reads, deterministic=True
    )
    if shuffle:
        records = records.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def clips_of(serialized, random):
        video = parse_video_example(serialized)
        count = tf.shape(video["frames"], out_type=tf.int64)[0]
        last_start = tf.maximum(count - span, 0)
        starts = tf.random.stateless_uniform(
            [sampler.clips_per_video], seed=tf.stack([random, 0]), minval=0, maxval=last_start + 1, dtype=tf.int64
        )
        indices = starts[:, None] + offsets[None, :]
        indices = tf.minimum(indices, count - 1) if sampler.short_video == "clamp" else indices % count
        jpegs = tf.gather(video["frames"], tf.reshape(indices, [-1]))
        frames = tf.map_fn(
            lambda jpeg: tf.io.decode_jpeg(jpeg, channels=3), jpegs, fn_output_signature=tf.TensorSpec(None, tf.uint8)
        )
        frames = _fit(frames, frame_size)
        clips = tf.reshape(frames, [sampler.clips_per_video, sampler.frames, *frame_size, 3])
        if multi_hot:
            label = tf.reduce_max(tf.one_hot(video["labels"], num_classes), axis=0)
        else:
            label = tf.cast(video["labels"][0], tf.int32)
        return clips, tf.repeat(label[None], sampler.clips_per_video, axis=0)

    videos = tf.data.Dataset.zip(records, seeds).map(
        clips_of, num_parallel_calls=parallel_reads, deterministic=deterministic
    )
    clips = videos.unbatch()
    options = tf.data.Options()
    options.deterministic = deterministic
    return clips.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE).with_options(options)


def _fit(frames: tf.Tensor, size: tuple[int, int]) -> tf.Tensor:
    """tf version of :func:`keras_video_zoo.data.pipelines.fit_frames` (a no-op at the right size)."""
    height, width = tf.shape(frames)[1], tf.shape(frames)[2]
    target = tf.constant(size)

    def resized():
        scale = tf.reduce_max(tf.cast(target, tf.float32) / tf.cast(tf.stack([height, width]), tf.float32))
        cover = tf.maximum(target, tf.cast(tf.round(tf.cast(tf.stack([height, width]), tf.float32) * scale), tf.int32))
        big = tf.image.resize(frames, cover, antialias=True)
        cropped = tf.image.resize_with_crop_or_pad(big, size[0], size[1])
        return tf.cast(tf.clip_by_value(tf.round(cropped), 0, 255), tf.uint8)

    same = tf.logical_and(tf.equal(height, size[0]), tf.equal(width, size[1]))
    return tf.ensure_shape(tf.cond(same, lambda: frames, resized), [None, *size, 3])
