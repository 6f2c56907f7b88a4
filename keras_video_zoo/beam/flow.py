"""``kvz flow --runner beam``: the flow folders of a dataset written by an Apache Beam pipeline.

The driver (:func:`keras_video_zoo.flow.dataset_extraction.extract_dataset_flow`) keeps the
finished folders and hands the other videos to this pipeline:

    videos -> Reshuffle -> ExtractFlow (decode, flow, quantise, two JPEG encodes per pair)
           -> extracted | skipped (side output) -> outcome files the driver reads into its report

Each worker pins OpenCV to one thread (``setup``); the flow solver is built per video, as the
local runner does, because OpenCV's DIS solver keeps state between videos (see
:func:`keras_video_zoo.flow.video_extraction.extract_video_flow`). A flow folder is written
under a temporary name and renamed when complete, so a killed pipeline leaves nothing that
looks finished and a rerun does only what is left.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import apache_beam as beam

from keras_video_zoo.beam.options import beam_pipeline
from keras_video_zoo.data.records import VideoRecord
from keras_video_zoo.flow.storage import MANIFEST_NAME, FlowManifest, is_complete
from keras_video_zoo.flow.video_extraction import FlowSettings, video_flow_outcome
from keras_video_zoo.opencv import cv2

SKIPPED = "skipped"
OUTCOMES_PREFIX = ".beam-outcomes-"  # beside the flow folders: every worker can write there


class ExtractFlow(beam.DoFn):
    """``(record, folder)`` -> the video's flow folder, and its outcome as JSON (skipped ones tagged)."""

    def __init__(self, settings: FlowSettings) -> None:
        self._settings = settings

    def setup(self) -> None:
        cv2.setNumThreads(1)  # the workers are the parallelism; nested OpenCV threads only contend

    def process(self, job: tuple[VideoRecord, str]) -> Iterator:
        record, folder = job
        if is_complete(folder):  # a retried bundle: this video's folder was finished by the first attempt
            damage = FlowManifest.from_json((Path(folder) / MANIFEST_NAME).read_text()).extra.get("damage")
            outcome = (record.video_id, None, damage)
        else:
            outcome = video_flow_outcome(record, folder, self._settings)
        line = json.dumps(outcome)
        yield line if outcome[1] is None else beam.pvalue.TaggedOutput(SKIPPED, line)


def extract_flow_on_beam(
    jobs: Sequence[tuple[VideoRecord, str]],
    settings: FlowSettings,
    out: str | os.PathLike,
    *,
    beam_options: str | None = None,
    workers: int = 2,
) -> dict[str, tuple[str, str | None, str | None]]:
    """Extracts the flow of each ``(record, folder)`` job with Beam; returns each video's outcome.

    ``out`` is the flow root the folders are in; the workers' outcome files go there too (a folder
    every worker can write), and are removed once read.

    Returns:
        video id -> (video id, why it was skipped or ``None``, damage or ``None``), as
        :func:`~keras_video_zoo.flow.video_extraction.video_flow_outcome` gives it.
    """
    if not jobs:
        return {}
    root = Path(out)
    for stale in root.glob(f"{OUTCOMES_PREFIX}*"):  # left by a killed run; its videos are redone or kept
        shutil.rmtree(stale, ignore_errors=True)
    outcomes_dir = Path(tempfile.mkdtemp(prefix=OUTCOMES_PREFIX, dir=root))
    try:
        with beam_pipeline(beam_options, workers=workers) as pipeline:
            results = (
                pipeline
                | "Videos" >> beam.Create(list(jobs))
                | "Spread over workers" >> beam.Reshuffle()
                | "Decode, flow, JPEG-encode"
                >> beam.ParDo(ExtractFlow(settings)).with_outputs(SKIPPED, main="extracted")
            )
            for name in ("extracted", SKIPPED):
                _ = results[name] | f"Record {name}" >> beam.io.WriteToText(str(outcomes_dir / name))
        outcomes = {}
        for path in sorted(outcomes_dir.glob("*-of-*")):
            for line in path.read_text().splitlines():
                video_id, failure, damage = json.loads(line)
                outcomes[video_id] = (video_id, failure, damage)
    finally:
        shutil.rmtree(outcomes_dir, ignore_errors=True)
    return outcomes


@dataclass(frozen=True)
class BeamFlowExtractor:
    """:func:`~keras_video_zoo.flow.dataset_extraction.extract_dataset_flow`'s ``extractor`` on Apache Beam.

    Attributes:
        beam_options: Beam's pipeline options as command-line flags (``"--runner=FlinkRunner ..."``);
            without ``--runner``, Beam's portable FnApiRunner with ``workers`` local processes. Every
            worker must be able to write the flow root (a local disk, NFS or a mounted bucket).
        workers: local worker processes when the flags name no runner.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> from keras_video_zoo.flow.dataset_extraction import extract_dataset_flow
    >>> data = VideoDataset([VideoRecord("gone.avi", (0,), "gone")], ["c"])
    >>> extract_dataset_flow(data, tempfile.mkdtemp(), extractor=BeamFlowExtractor(workers=1)).failed
    {'gone.avi': 'no such file.'}
    """

    beam_options: str | None = None
    workers: int = 2

    def __call__(
        self, jobs: Sequence[tuple[VideoRecord, str]], settings: FlowSettings, out: Path
    ) -> dict[str, tuple[str, str | None, str | None]]:
        return extract_flow_on_beam(jobs, settings, out, beam_options=self.beam_options, workers=self.workers)
