"""``kvz prepare --runner beam``: the RGB shards written by an Apache Beam pipeline.

The driver (:func:`keras_video_zoo.data.shards.write_shards`) plans the shards and skips the
complete ones; this pipeline writes the others:

    videos -> Reshuffle -> StoreVideos (decode, fit, JPEG-encode: one video per element)
           -> stored | skipped (side output) -> CoGroupByKey(shard) -> WriteShard

Only JPEG bytes cross the shuffle. ``StoreVideos`` also stages each video's outcome in
``.beam-staging/<shard>/`` as it finishes, so a killed pipeline resumes video by video (the
grouping before the shards are written is a barrier: without staging, a kill before it would
lose every video encoded so far). ``WriteShard`` puts each shard's videos back in the plan's
order, writes them with the same writer as the local runner, so the shard files are equal byte
for byte, and skips a shard that is already complete (a retried bundle, a resumed run).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import apache_beam as beam

from keras_video_zoo.beam.options import beam_pipeline
from keras_video_zoo.data.records import VideoRecord
from keras_video_zoo.data.shard_records import (
    StoredVideo,
    shard_marker,
    shard_records,
    store_video,
    write_json_atomically,
    write_shard_file,
)
from keras_video_zoo.opencv import cv2

SKIPPED = "skipped"
STAGING = ".beam-staging"


def _staged(folder: Path, position: int) -> StoredVideo | None:
    """A video's outcome staged by an earlier attempt (its ``.json``, written last, says it is complete)."""
    marker = folder / f"{position:05d}.json"
    if not marker.is_file():
        return None
    fields = json.loads(marker.read_text())
    record = folder / f"{position:05d}.record"
    serialized = record.read_bytes() if fields["skipped"] is None else None
    size = tuple(fields["size"]) if fields["size"] else None
    return StoredVideo(**{**fields, "labels": tuple(fields["labels"]), "size": size, "serialized": serialized})


def _stage(folder: Path, position: int, stored: StoredVideo) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if stored.serialized is not None:
        temporary = folder / f"{position:05d}.record.tmp"
        temporary.write_bytes(stored.serialized)
        os.replace(temporary, folder / f"{position:05d}.record")
    write_json_atomically(folder / f"{position:05d}.json", {**asdict(stored), "serialized": None})


class StoreVideos(beam.DoFn):
    """``(shard, position, record)`` -> ``(shard, (position, StoredVideo))``; unreadable ones to ``skipped``."""

    def __init__(self, storing: dict, directory: str) -> None:
        self._storing = storing  # store_video's keyword arguments
        self._staging = Path(directory) / STAGING

    def setup(self) -> None:
        cv2.setNumThreads(1)  # the workers are the parallelism; nested OpenCV threads only contend

    def process(self, element: tuple[str, int, VideoRecord]) -> Iterator:
        shard, position, record = element
        stored = _staged(self._staging / shard, position)
        if stored is None:
            stored = store_video(record, **self._storing)
            _stage(self._staging / shard, position, stored)
        keyed = (shard, (position, stored))
        yield keyed if stored.serialized is not None else beam.pvalue.TaggedOutput(SKIPPED, keyed)


class WriteShard(beam.DoFn):
    """``(shard, {"stored": [...], "skipped": [...]})`` -> the shard file and its marker."""

    def __init__(self, directory: str) -> None:
        self._directory = directory

    def process(self, element: tuple[str, dict[str, list[tuple[int, StoredVideo]]]]) -> Iterator[str]:
        shard, grouped = element
        path = Path(self._directory) / f"{shard}.tfrecord"
        if shard_marker(path) is None:
            in_order = sorted([*grouped["stored"], *grouped[SKIPPED]], key=lambda item: item[0])
            meta: dict = {}
            write_shard_file(path, shard_records((stored for _, stored in in_order), meta), meta)
        shutil.rmtree(Path(self._directory) / STAGING / shard, ignore_errors=True)  # in the shard now
        yield shard


def write_shards_on_beam(
    jobs: Sequence[tuple[str, Sequence[VideoRecord]]],
    directory: str | os.PathLike,
    storing: dict,
    *,
    beam_options: str | None = None,
    workers: int = 2,
) -> None:
    """Writes each ``(shard name, videos in order)`` job's shard into ``directory`` with Beam.

    Args:
        jobs: the shards still to write, with their videos in the plan's order.
        directory: the shard folder (every worker must be able to write it).
        storing: :func:`~keras_video_zoo.data.shard_records.store_video`'s keyword arguments.
        beam_options: flags for Beam's ``PipelineOptions`` (see :func:`~keras_video_zoo.beam.options.beam_pipeline`).
        workers: local worker processes when the flags name no runner.
    """
    elements = [(shard, position, record) for shard, records in jobs for position, record in enumerate(records)]
    if not elements:
        return
    with beam_pipeline(beam_options, workers=workers) as pipeline:
        stored = (
            pipeline
            | "Videos" >> beam.Create(elements)
            | "Spread over workers" >> beam.Reshuffle()
            | "Decode, fit, JPEG-encode"
            >> beam.ParDo(StoreVideos(storing, str(directory))).with_outputs(SKIPPED, main="stored")
        )
        _ = (
            {"stored": stored.stored, SKIPPED: stored[SKIPPED]}
            | "By shard" >> beam.CoGroupByKey()
            | "Write shards" >> beam.ParDo(WriteShard(str(directory)))
        )
    staging = Path(directory) / STAGING
    if staging.is_dir() and not any(staging.iterdir()):
        staging.rmdir()


@dataclass(frozen=True)
class BeamShardWriter:
    """:func:`~keras_video_zoo.data.shards.write_shards`'s ``writer`` that runs an Apache Beam pipeline.

    Attributes:
        beam_options: Beam's pipeline options as command-line flags, e.g. ``"--runner=DataflowRunner
            --project=P --region=R --temp_location=gs://B/tmp"``; without ``--runner``, Beam's portable
            FnApiRunner with ``workers`` local processes.
        workers: local worker processes when the flags name no runner.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> from keras_video_zoo.data.shards import write_shards
    >>> data = VideoDataset([VideoRecord("missing.avi", (0,), "missing")], ["a"])
    >>> write_shards(data, tempfile.mkdtemp(), writer=BeamShardWriter(workers=1)).unreadable
    {'missing.avi': 'no such file.'}
    """

    beam_options: str | None = None
    workers: int = 2

    def __call__(self, jobs: Sequence[tuple[str, Sequence[VideoRecord]]], directory: Path, storing: dict) -> None:
        write_shards_on_beam(jobs, directory, storing, beam_options=self.beam_options, workers=self.workers)
