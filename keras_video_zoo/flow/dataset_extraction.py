"""Flow for a whole dataset: parallel workers, progress bar, resumable, failures reported.

Each video's flow goes to ``out/<video_id>/`` (see :mod:`keras_video_zoo.flow.storage`),
written to a temporary folder and renamed when complete, so an interrupted run leaves
no folder that looks finished; a rerun skips the finished videos and removes the
leftovers. Videos that cannot be decoded (or have fewer than 2 frames) are reported
in ``out/flow_report.json`` and the returned report, and do not stop the others.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.video_io import VideoReadError, read_frames
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, QUANTISATION_MODES, check_bound
from keras_video_zoo.flow.storage import (
    DEFAULT_JPEG_QUALITY,
    MANIFEST_NAME,
    FlowManifest,
    is_complete,
    remove_partial_folders,
    write_flow_folder,
)
from keras_video_zoo.opencv import cv2, require_contrib

REPORT_NAME = "flow_report.json"


@dataclass(frozen=True)
class FlowSettings:
    """How flow is extracted and stored; a finished folder must match them to be reused.

    Example:
    >>> FlowSettings(size=(120, 160)).resize
    {'size': [120, 160]}
    """

    algorithm: str = DEFAULT_ALGORITHM
    bound: float = DEFAULT_BOUND
    quantisation: str = "bound"
    jpeg_quality: int = DEFAULT_JPEG_QUALITY
    backward: bool = False
    size: tuple[int, int] | None = None
    short_side: int | None = None

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"Unknown flow algorithm {self.algorithm!r}; choose one of {sorted(ALGORITHMS)}.")
        if self.algorithm == "tvl1":
            require_contrib("TV-L1 optical flow (--algorithm tvl1)")  # once, before any video is read
        if self.quantisation not in QUANTISATION_MODES:
            raise ValueError(f"quantisation must be one of {QUANTISATION_MODES}; got {self.quantisation!r}.")
        check_bound(self.bound)
        if not 1 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must be 1-100; got {self.jpeg_quality}.")
        if self.size is not None and self.short_side is not None:
            raise ValueError("give size or short_side, not both.")

    @property
    def resize(self) -> dict | None:
        if self.size is not None:
            return {"size": [int(s) for s in self.size]}
        return None if self.short_side is None else {"short_side": int(self.short_side)}

    def differences(self, manifest: FlowManifest) -> list[str]:
        """Settings a finished folder's manifest disagrees with (empty when it can be reused)."""
        wanted = {
            "algorithm": self.algorithm,
            "quantisation": self.quantisation,
            "bound": self.bound if self.quantisation == "bound" else None,
            "jpeg_quality": self.jpeg_quality,
            "backward": self.backward,
            "resize": self.resize,
        }
        return [
            f"{key}={getattr(manifest, key)!r} (asked {value!r})"
            for key, value in wanted.items()
            if getattr(manifest, key) != value
        ]


@dataclass
class FlowExtractionReport:
    """What a run did: videos extracted now, already finished (skipped), and failed (id -> reason)."""

    extracted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        line = f"{len(self.extracted)} extracted, {len(self.skipped)} already done, {len(self.failed)} failed"
        shown = "; ".join(f"{video}: {reason}" for video, reason in list(self.failed.items())[:5])
        return line + (f" ({shown}{' ...' if len(self.failed) > 5 else ''})" if shown else "")


def extract_video_flow(path: str | os.PathLike, folder: str | os.PathLike, settings: FlowSettings) -> FlowManifest:
    """Decodes one video, computes its flow and writes its flow folder (atomically).

    Raises:
        VideoReadError: the video does not decode, or has fewer than 2 frames.
    """
    frames = read_frames(path, size=settings.size, short_side=settings.short_side)
    if len(frames) < 2:
        raise VideoReadError(path, f"only {len(frames)} frame decodes; flow needs at least 2.")
    flow = FlowExtractor(settings.algorithm).video(frames, backward=settings.backward)
    forward, backward = flow if settings.backward else (flow, None)
    return write_flow_folder(
        folder,
        forward,
        backward,
        algorithm=settings.algorithm,
        quantisation=settings.quantisation,
        bound=settings.bound,
        jpeg_quality=settings.jpeg_quality,
        resize=settings.resize,
        source=str(path),
        overwrite=True,  # only unfinished folders get here
    )


def _work(record: VideoRecord, folder: str, settings: FlowSettings) -> tuple[str, str | None]:
    """(video id, None) or (video id, why it failed); runs in a worker process."""
    try:
        extract_video_flow(record.path, folder, settings)
        return record.video_id, None
    except VideoReadError as error:
        return record.video_id, str(error)


def _single_threaded_opencv() -> None:
    cv2.setNumThreads(1)  # the workers are the parallelism; nested threads only contend


def extract_dataset_flow(
    dataset: VideoDataset,
    out: str | os.PathLike,
    settings: FlowSettings = FlowSettings(),
    *,
    workers: int = 1,
    progress: bool = True,
) -> FlowExtractionReport:
    """Extracts and stores the flow of every video of ``dataset`` under ``out/<video_id>/``.

    Args:
        dataset: the videos (any reader's :class:`VideoDataset`).
        out: the flow root; created if missing.
        settings: algorithm, quantisation, bound, JPEG quality, backward flow, resize.
        workers: processes working on videos at once (each single-threaded OpenCV).
        progress: show a tqdm progress bar.

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
    >>> report.extracted, list(report.failed)
    (['a'], ['gone'])
    >>> extract_dataset_flow(data, root / "flow", progress=False).skipped
    ['a']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    remove_partial_folders(out)
    report = FlowExtractionReport()
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
            report.skipped.append(record.video_id)
        else:
            todo.append(record)
    bar = tqdm(total=len(todo), desc="flow", unit="video", disable=not progress)
    if workers <= 1:
        results = (_work(record, str(out / record.video_id), settings) for record in todo)
        for video_id, failure in results:
            _count(report, video_id, failure, bar)
    else:
        context = multiprocessing.get_context("spawn")  # no fork of a process that has TensorFlow threads
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded_opencv) as pool:
            futures = [pool.submit(_work, record, str(out / record.video_id), settings) for record in todo]
            for future in as_completed(futures):
                _count(report, *future.result(), bar)
    bar.close()
    report.extracted.sort()
    (out / REPORT_NAME).write_text(json.dumps({"settings": asdict(settings), **asdict(report)}, indent=1))
    return report


def _count(report: FlowExtractionReport, video_id: str, failure: str | None, bar) -> None:
    if failure is None:
        report.extracted.append(video_id)
    else:
        report.failed[video_id] = failure
        tqdm.write(f"could not extract {video_id}: {failure}", file=sys.stderr)
    bar.update()
