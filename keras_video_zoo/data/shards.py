"""Sharded TFRecords of JPEG frames: decode a dataset once, train from the shards many times.

Each video becomes one ``tf.train.SequenceExample``: context ``video_id``,
``labels`` (int64 list), ``height``/``width``/``num_frames``; feature list
``frames`` holds one JPEG per frame, resized to a chosen short side. A training
pipeline (:class:`keras_video_zoo.data.sources.RGBShards`) then decodes only the JPEGs of the
frames its clips need.

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

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.report import DAMAGED_POLICIES, VideoReport
from keras_video_zoo.data.video_io import (
    DamagedVideoError,
    VideoReadError,
    describe_damage,
    iter_frames,
    stored_frame_count,
)
from keras_video_zoo.opencv import cv2

PLAN_FILE = "plan.json"
REPORT_FILE = "report.json"
FORMAT_VERSION = 1

__all__ = [
    "ShardReport",
    "parse_video_example",
    "read_shard_plan",
    "shard_files",
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
        frames: frames stored in all shards.
        videos: the account of every video: stored (used), skipped with the reason, damaged.
    """

    directory: str
    shards: int
    written: int
    kept: int
    frames: int
    videos: VideoReport = field(default_factory=VideoReport)

    @property
    def unreadable(self) -> dict[str, str]:
        """Skipped videos (path -> reason)."""
        return self.videos.skip_reasons()

    def summary(self) -> str:
        return (
            self.videos.summary("stored", where=f"{self.directory}/{REPORT_FILE}")
            + f" ({self.frames} frames in {self.shards} shards: {self.written} written now, {self.kept} kept)"
        )


def _shard_name(index: int, count: int) -> str:
    return f"shard-{index:05d}-of-{count:05d}"


def encode_jpeg(frame: np.ndarray, jpeg_quality: int = 90) -> bytes:
    """One RGB frame as JPEG bytes."""
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    )
    if not ok:
        raise ValueError("JPEG encoding failed.")
    return encoded.tobytes()


def video_example(record: VideoRecord, jpegs: Sequence[bytes], height: int, width: int) -> tf.train.SequenceExample:
    """One video as a SequenceExample of JPEG frames.

    Example:
    >>> record = VideoRecord("v.avi", (2,), "v")
    >>> jpegs = [encode_jpeg(frame) for frame in np.zeros((3, 8, 10, 3), np.uint8)]
    >>> parsed = parse_video_example(video_example(record, jpegs, 8, 10).SerializeToString())
    >>> parsed["video_id"].numpy(), parsed["labels"].numpy().tolist(), parsed["frames"].shape
    (b'v', [2], TensorShape([3]))
    """

    def int64s(values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))

    context = tf.train.Features(
        feature={
            "video_id": tf.train.Feature(bytes_list=tf.train.BytesList(value=[record.video_id.encode()])),
            "labels": int64s(record.labels),
            "num_frames": int64s([len(jpegs)]),
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


def shard_marker(shard: Path) -> dict | None:
    """A shard file's marker (``<shard>.json``, written last) when the shard is complete, else ``None``."""
    marker = shard.with_suffix(".json")
    if not marker.exists() or not shard.exists():
        return None
    meta = json.loads(marker.read_text())
    return meta if shard.stat().st_size == meta.get("bytes") else None


def write_shard_file(shard: Path, records, meta: dict) -> dict:
    """Writes serialized ``records`` to ``shard`` atomically, then its marker: the one resumable shard writer.

    The records go to ``<shard>.tmp``, renamed when complete; the marker (``meta`` plus the file's
    size) is written last, so a shard with a marker is complete and a rerun keeps it. The RGB shards
    (:func:`write_shards`) and the flow shards beside them
    (:func:`keras_video_zoo.flow.shards.write_flow_shards`) are both written this way.
    """
    temporary = shard.with_name(shard.name + ".tmp")
    with tf.io.TFRecordWriter(str(temporary)) as writer:
        for record in records:
            writer.write(record)
    os.replace(temporary, shard)
    meta = {**meta, "bytes": shard.stat().st_size}
    _write_json_atomically(shard.with_suffix(".json"), meta)
    return meta


def _complete(directory: Path, name: str) -> dict | None:
    return shard_marker(directory / f"{name}.tfrecord")


def _write_one_shard(
    directory: Path,
    name: str,
    records: Sequence[VideoRecord],
    geometry: FrameGeometry,
    jpeg_quality: int,
    backend: str,
    damaged: str,
    tick,
) -> dict:
    meta = {"videos": [], "frame_sizes": {}, "labels": {}, "frames": 0, "unreadable": {}, "damaged": {}}

    def serialized():
        for record in records:
            try:
                jpegs, errors, size = [], [], None
                for frame in iter_frames(record.path, geometry=geometry, backend=backend, decoder_errors=errors):
                    jpegs.append(encode_jpeg(frame, jpeg_quality))  # one frame in memory, its JPEG kept
                    size = frame.shape[:2]
                if not jpegs:
                    raise VideoReadError(record.path, "no frame decodes (a damaged or truncated video).")
                reported = stored_frame_count(record.path) if Path(record.path).is_file() else len(jpegs)
                damage = describe_damage(len(jpegs), reported, errors)
                if damage:
                    meta["damaged"][record.video_id] = damage
                    if damaged == "skip":
                        raise DamagedVideoError(record.path, damage)
            except (VideoReadError, cv2.error) as error:
                meta["unreadable"][record.video_id] = getattr(error, "reason", str(error))
            else:
                yield video_example(record, jpegs, *size).SerializeToString()
                meta["videos"].append(record.video_id)
                meta["frame_sizes"][record.video_id] = list(size)
                meta["labels"][record.video_id] = list(record.labels)
                meta["frames"] += len(jpegs)
            tick()

    return write_shard_file(directory / f"{name}.tfrecord", serialized(), meta)


def write_shards(
    dataset: VideoDataset,
    directory: str | os.PathLike,
    *,
    short_side: int = 128,
    videos_per_shard: int = 64,
    jpeg_quality: int = 90,
    workers: int = 2,
    backend: str = "opencv",
    damaged: str = "use",
    progress: bool = True,
) -> ShardReport:
    """Writes ``dataset`` as sharded TFRecords into ``directory``, resuming an earlier run.

    Args:
        dataset: the videos to store, in their order.
        directory: created if missing; may hold an interrupted run of the same call.
        short_side: frames are resized so their shorter side is this long (aspect kept), as they are decoded.
        videos_per_shard: videos per shard (a shard is the unit of resumption).
        jpeg_quality: 0-100.
        workers: shards written in parallel (threads; decoding and JPEG encoding release the GIL).
        backend: video decoder, ``"opencv"`` or ``"pyav"``.
        damaged: ``"use"`` the frames a damaged video decodes, or ``"skip"`` it (reported either way).
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
    >>> report.videos.used_count, report.unreadable
    (0, {'missing.avi': 'no such file.'})
    """
    if short_side < 1 or videos_per_shard < 1 or not 0 <= jpeg_quality <= 100 or workers < 1:
        raise ValueError(
            f"need short_side >= 1, videos_per_shard >= 1, 0 <= jpeg_quality <= 100, workers >= 1; got "
            f"{short_side}, {videos_per_shard}, {jpeg_quality}, {workers}."
        )
    if damaged not in DAMAGED_POLICIES:
        raise ValueError(f"damaged must be one of {DAMAGED_POLICIES}; got {damaged!r}.")
    if len(dataset) == 0:
        raise ValueError(f"{dataset.name} has no videos; check the dataset root and split.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plan = _plan(dataset, videos_per_shard, short_side, jpeg_quality)
    if damaged == "skip":  # a setting of the shards' contents (only when not the default: older plans stay valid)
        plan["damaged"] = damaged
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
                    geometry = FrameGeometry(short_side=short_side)
                    arguments = (directory, shard["name"], records, geometry, jpeg_quality, backend, damaged, tick)
                    running[pool.submit(_write_one_shard, *arguments)] = shard["name"]
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[running.pop(future)] = future.result()
    finally:
        bar.close()

    report = ShardReport(
        videos=VideoReport(damaged),
        directory=str(directory),
        shards=len(plan["shards"]),
        written=len(pending),
        kept=len(plan["shards"]) - len(pending),
        frames=sum(meta["frames"] for meta in done.values()),
    )
    for meta in done.values():
        for video_id in meta["videos"]:
            report.videos.used(by_id[video_id].path)
        for video_id, reason in meta["unreadable"].items():
            report.videos.skipped(by_id[video_id].path, reason)
        for video_id, damage in meta.get("damaged", {}).items():
            report.videos.damaged(by_id[video_id].path, damage)
    summary = {"directory": report.directory, "shards": report.shards, "frames": report.frames}
    _write_json_atomically(directory / REPORT_FILE, summary | report.videos.to_dict())
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
