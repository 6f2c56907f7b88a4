"""Sharded TFRecords of JPEG frames: decode a dataset once, train from the shards many times.

Each video becomes one ``tf.train.SequenceExample`` in TF Model Garden's video convention
(:mod:`keras_video_zoo.data.shard_records`): feature list ``image/encoded`` with one JPEG per
frame, resized to a chosen short side, and context ``clip/label/index``, ``clip/media_id``,
``image/height``/``image/width``. A training pipeline
(:class:`keras_video_zoo.data.sources.RGBShards`) then decodes only the JPEGs of the frames its
clips need.

Layout of a shard folder::

    plan.json                            what goes in which shard (written first)
    shard-00000-of-00008.tfrecord        the records
    shard-00000-of-00008.json            written last: the shard is complete
    report.json                          the totals and the unreadable videos

Writing is resumable and atomic: a shard is written under a ``.tmp`` name and
renamed when complete, then its ``.json`` is written the same way; a rerun keeps
every shard whose ``.json`` exists (and whose size matches it) and rewrites the
others, so an interrupted run loses and duplicates nothing. The shards are written by a
thread pool here, or by an executor the caller hands down (Apache Beam's:
:class:`keras_video_zoo.beam.shards.BeamShardWriter`); both write the same bytes. This module
never imports a runner: the choice is made above it.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import tensorflow as tf
from tqdm.auto import tqdm

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.shard_records import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    parse_video_example,
    shard_marker,
    shard_records,
    store_video,
    video_example,
    write_json_atomically,
    write_shard_file,
)
from keras_video_zoo.data.video_report import VideoReport
from keras_video_zoo.vocabulary import DAMAGED_POLICIES

ShardJobs = list[tuple[str, list[VideoRecord]]]  # (shard name, its videos in the plan's order), still to write
ShardWriter = Callable[[ShardJobs, Path, dict], None]  # writes the jobs' shards: (jobs, directory, storing)

PLAN_FILE = "plan.json"
REPORT_FILE = "report.json"

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


def _complete(directory: Path, name: str) -> dict | None:
    return shard_marker(directory / f"{name}.tfrecord")


def _write_one_shard(directory: Path, name: str, records: Sequence[VideoRecord], tick, **storing) -> dict:
    def stored():
        for record in records:  # one video's JPEGs in memory at a time
            yield store_video(record, **storing)
            tick()

    meta: dict = {}
    return write_shard_file(directory / f"{name}.tfrecord", shard_records(stored(), meta), meta)


def _write_shards_locally(
    jobs: list[tuple[str, list[VideoRecord]]], directory: Path, storing: dict, workers: int, progress: bool, name: str
) -> dict[str, dict]:
    """Writes each job's shard with a pool of ``workers`` threads; returns the shards' markers."""
    bar = tqdm(
        total=sum(len(records) for _, records in jobs), desc=f"prepare {name}", unit="video", disable=not progress
    )
    lock = threading.Lock()

    def tick():
        with lock:
            bar.update(1)

    written = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # At most `workers` shards in flight: after a failure or Ctrl-C no new shard starts.
            queue, running = list(jobs), {}
            while queue or running:
                while queue and len(running) < workers:
                    shard, records = queue.pop(0)
                    running[pool.submit(_write_one_shard, directory, shard, records, tick, **storing)] = shard
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    written[running.pop(future)] = future.result()
    finally:
        bar.close()
    return written


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
    writer: ShardWriter | None = None,
) -> ShardReport:
    """Writes ``dataset`` as sharded TFRecords into ``directory``, resuming an earlier run.

    Args:
        dataset: the videos to store, in their order.
        directory: created if missing; may hold an interrupted run of the same call.
        short_side: frames are resized so their shorter side is this long (aspect kept), as they are decoded.
        videos_per_shard: videos per shard (a shard is the unit of resumption).
        jpeg_quality: 0-100.
        workers: shards written in parallel by the local thread pool (decoding and JPEG encoding release the GIL).
        backend: video decoder, ``"opencv"`` or ``"pyav"``.
        damaged: ``"use"`` the frames a damaged video decodes, or ``"skip"`` it (reported either way).
        progress: show a tqdm bar over videos (local thread pool).
        writer: what writes the pending shards, called as ``writer(jobs, directory, storing)``; ``None``:
            this machine's thread pool. ``keras_video_zoo.beam.shards.BeamShardWriter(beam_options)`` writes
            them with an Apache Beam pipeline (``pip install keras_video_zoo[beam]``); the same shards and
            report either way.

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
        if existing.get("format") != plan["format"]:
            raise ValueError(
                f"{directory} holds shards of format {existing.get('format')!r} (an earlier kvz); they still read "
                f"for training, but more cannot be added to them: write format {FORMAT_VERSION} to an empty folder."
            )
        if existing != plan:
            raise ValueError(
                f"{directory} already holds shards of another dataset or other settings "
                f"({existing.get('dataset')!r}, short side {existing.get('short_side')}, "
                f"{existing.get('videos_per_shard')} videos per shard); use an empty folder, or delete it to rebuild."
            )
    else:
        write_json_atomically(plan_path, plan)
    for shard in plan["shards"]:  # partial files of an interrupted run (only ours: flow shards may live here too)
        for leftover in (f"{shard['name']}.tfrecord.tmp", f"{shard['name']}.json.tmp"):
            (directory / leftover).unlink(missing_ok=True)

    by_id = {record.video_id: record for record in dataset.records}
    done = {shard["name"]: _complete(directory, shard["name"]) for shard in plan["shards"]}
    pending = [shard for shard in plan["shards"] if done[shard["name"]] is None]
    storing = {
        "geometry": FrameGeometry(short_side=short_side),
        "jpeg_quality": jpeg_quality,
        "backend": backend,
        "damaged": damaged,
        "class_names": tuple(dataset.class_names),
    }
    jobs = [(shard["name"], [by_id[video_id] for video_id in shard["videos"]]) for shard in pending]
    if writer is not None:
        writer(jobs, directory, storing)
        done.update({name: _complete(directory, name) for name, _ in jobs})
    else:
        done.update(_write_shards_locally(jobs, directory, storing, workers, progress, dataset.name))

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
    write_json_atomically(directory / REPORT_FILE, summary | report.videos.to_dict())
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
    if plan.get("format") not in READABLE_FORMATS:
        raise ValueError(
            f"{plan_path}: shard format {plan.get('format')!r}; this version of kvz reads formats {READABLE_FORMATS}. "
            "Rewrite the shards with this version's `kvz prepare` (into an empty folder)."
        )
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
    videos, schema = 0, read_shard_plan(directory)["format"]
    for path in shard_files(directory):
        try:
            for serialized in tf.data.TFRecordDataset(path):
                parse_video_example(serialized, schema)
                videos += 1
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
            raise ValueError(
                f"shard {path} is corrupt ({error.message.splitlines()[0]}); delete it and its .json, then rerun "
                "`kvz prepare` with the same arguments to rewrite it."
            ) from error
    return videos
