"""Flow for a whole dataset: streamed pair by pair, in parallel, resumable, every video accounted for.

Each video is decoded as a stream, fitted by the settings' geometry as it is decoded (short
side 256 by default, never enlarged), and its flow is computed pair by pair and written field
by field to ``out/<video_id>/`` (see :mod:`keras_video_zoo.flow.storage`): memory holds two
frames and one field whatever the video's length or resolution. Folders are written under a
temporary name and renamed when complete, so an interrupted run leaves no folder that looks
finished; a rerun skips the finished videos and removes the leftovers. Videos that cannot be
decoded (or have fewer than 2 frames) are skipped with their reason, damaged ones are flagged,
in ``out/flow_report.json`` and the returned report, and do not stop the others. The videos
are shared among a local process pool, or handed to an extractor the caller passes down (Apache
Beam's: :class:`keras_video_zoo.beam.flow.BeamFlowExtractor`); both run
:func:`~keras_video_zoo.flow.video_extraction.video_flow_outcome` per video and write the same bytes.
This module never imports a runner: the choice is made above it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.video_report import VideoReport
from keras_video_zoo.flow.storage import MANIFEST_NAME, FlowManifest, is_complete, remove_partial_folders
from keras_video_zoo.flow.video_extraction import FlowSettings, video_flow_outcome
from keras_video_zoo.opencv import cv2
from keras_video_zoo.vocabulary import FLOW_REPORT_NAME as REPORT_NAME

FlowJobs = list[tuple[VideoRecord, str]]  # (video, the flow folder to write), still to do
Outcome = tuple[str, "str | None", "str | None"]  # (video id, why it was skipped or None, damage or None)
FlowExtractor = Callable[[FlowJobs, FlowSettings, Path], dict[str, Outcome]]  # (jobs, settings, out) -> outcomes

__all__ = ["FlowExtractionReport", "FlowSettings", "extract_dataset_flow"]


@dataclass
class FlowExtractionReport:
    """What a run did: videos extracted now, already finished (kept), and the account of every video.

    Attributes:
        extracted: video ids extracted by this run.
        kept: video ids whose finished flow folder was kept from an earlier run.
        videos: used (extracted or kept), skipped with reasons, damaged.
    """

    extracted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    videos: VideoReport = field(default_factory=VideoReport)

    @property
    def failed(self) -> dict[str, str]:
        """Skipped videos, by path, with the reason."""
        return self.videos.skip_reasons()

    def summary(self) -> str:
        counts = f" ({len(self.extracted)} now, {len(self.kept)} from an earlier run)"
        return self.videos.summary("extracted the flow of", where=REPORT_NAME) + counts

    def to_dict(self) -> dict:
        return {"extracted": self.extracted, "kept": self.kept, **self.videos.to_dict()}


def extract_dataset_flow(
    dataset: VideoDataset,
    out: str | os.PathLike,
    settings: FlowSettings | None = None,
    *,
    workers: int = 1,
    progress: bool = True,
    extractor: FlowExtractor | None = None,
) -> FlowExtractionReport:
    """Extracts and stores the flow of every video of ``dataset`` under ``out/<video_id>/``.

    Args:
        dataset: the videos (any reader's :class:`VideoDataset`).
        out: the flow root; created if missing.
        settings: algorithm, quantisation, bound, JPEG quality, backward flow, frame geometry.
        workers: processes of the local pool working on videos at once (each single-threaded OpenCV).
        progress: show a tqdm progress bar (local pool).
        extractor: what extracts the videos still to do, called as ``extractor(jobs, settings, out)`` and
            returning each video's outcome; ``None``: this machine's process pool.
            ``keras_video_zoo.beam.flow.BeamFlowExtractor(beam_options)`` runs them on an Apache Beam
            pipeline, one element per video (``pip install keras_video_zoo[beam]``); the same flow
            folders and report either way.

    Returns:
        The report, also written to ``out/flow_report.json``.

    Raises:
        ValueError: a finished folder in ``out`` was made with other settings.

    Example:
    >>> import tempfile, numpy as np
    >>> root = Path(tempfile.mkdtemp())
    >>> writer = cv2.VideoWriter(str(root / "a.avi"), cv2.VideoWriter_fourcc(*"XVID"), 25, (32, 32))
    >>> for t in range(4):
    ...     _ = writer.write(np.roll(np.tile(np.arange(32, dtype=np.uint8)[None, :, None] * 8, (32, 1, 3)), t, 1))
    >>> writer.release()
    >>> data = VideoDataset([VideoRecord(str(root / "a.avi"), (0,), "a"), VideoRecord("gone.avi", (0,), "gone")], ["c"])
    >>> report = extract_dataset_flow(data, root / "flow", progress=False)
    >>> report.extracted, report.failed
    (['a'], {'gone.avi': 'no such file.'})
    >>> extract_dataset_flow(data, root / "flow", progress=False).kept
    ['a']
    """
    settings = settings or FlowSettings()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_partial_folders(out)
    report = FlowExtractionReport(videos=VideoReport(settings.damaged))
    todo: list[VideoRecord] = []
    for record in dataset:
        folder = out / record.video_id
        if is_complete(folder):
            manifest = FlowManifest.from_json((folder / MANIFEST_NAME).read_text())
            differences = settings.differences(manifest)
            if differences:
                raise ValueError(
                    f"{folder} was extracted with other settings: {', '.join(differences)}. "
                    "Use another output folder, or delete it to re-extract."
                )
            damage = manifest.extra.get("damage")
            if damage and settings.damaged == "skip":  # extracted by a run that used damaged videos
                shutil.rmtree(folder)
                todo.append(record)
                continue
            report.kept.append(record.video_id)
            report.videos.used(record.path)
            if damage:
                report.videos.damaged(record.path, damage)
        else:
            todo.append(record)
    jobs = [(record, str(out / record.video_id)) for record in todo]
    if extractor is not None:
        outcomes = extractor(jobs, settings, out)
    else:
        outcomes = _extract_locally(jobs, settings, workers, progress)
    for record in todo:  # counted in the dataset's order, whichever worker finished first
        _count(report, record.path, *outcomes[record.video_id])
    report.extracted.sort()
    (out / REPORT_NAME).write_text(json.dumps({"settings": asdict(settings), **report.to_dict()}, indent=1) + "\n")
    return report


def _single_threaded_opencv() -> None:
    cv2.setNumThreads(1)  # the workers are the parallelism; nested threads only contend


def _extract_locally(jobs: FlowJobs, settings: FlowSettings, workers: int, progress: bool) -> dict[str, Outcome]:
    """Each job's outcome (video id -> (id, failure, damage)), from a pool of ``workers`` processes."""

    def outcomes() -> Iterator[tuple[str, str | None, str | None]]:
        if workers <= 1:
            yield from (video_flow_outcome(record, folder, settings) for record, folder in jobs)
            return
        context = multiprocessing.get_context("spawn")  # no fork of a process that has TensorFlow threads
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded_opencv) as pool:
            futures = [pool.submit(video_flow_outcome, record, folder, settings) for record, folder in jobs]
            yield from (future.result() for future in as_completed(futures))

    done = {}
    with tqdm(total=len(jobs), desc="flow", unit="video", disable=not progress) as bar:
        for outcome in outcomes():
            done[outcome[0]] = outcome
            bar.update()
    return done


def _count(report: FlowExtractionReport, path: str, video_id: str, failure: str | None, damage: str | None) -> None:
    if damage:
        report.videos.damaged(path, damage)
    if failure is None:
        report.extracted.append(video_id)
        report.videos.used(path)
    else:
        report.videos.skipped(path, failure)
