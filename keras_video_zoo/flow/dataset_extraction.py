"""Flow for a whole dataset: streamed pair by pair, in parallel, resumable, every video accounted for.

Each video is decoded as a stream, fitted by the settings' geometry as it is decoded (short
side 256 by default, never enlarged), and its flow is computed pair by pair and written field
by field to ``out/<video_id>/`` (see :mod:`keras_video_zoo.flow.storage`): memory holds two
frames and one field whatever the video's length or resolution. Folders are written under a
temporary name and renamed when complete, so an interrupted run leaves no folder that looks
finished; a rerun skips the finished videos and removes the leftovers. Videos that cannot be
decoded (or have fewer than 2 frames) are skipped with their reason, damaged ones are flagged,
in ``out/flow_report.json`` and the returned report, and do not stop the others.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

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
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor, to_gray
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, QUANTISATION_MODES, check_bound
from keras_video_zoo.flow.storage import (
    DEFAULT_JPEG_QUALITY,
    MANIFEST_NAME,
    FlowFolderWriter,
    FlowManifest,
    is_complete,
    remove_partial_folders,
)
from keras_video_zoo.opencv import cv2, require_contrib

REPORT_NAME = "flow_report.json"
DEFAULT_SHORT_SIDE = 256  # Simonyan & Zisserman's frames; 224 crops of them feed the temporal stream


@dataclass(frozen=True)
class FlowSettings:
    """How flow is extracted and stored; a finished folder must match them to be reused.

    Attributes:
        algorithm: one of ``keras_video_zoo.flow.extraction.ALGORITHMS``.
        bound, quantisation, jpeg_quality: how fields are stored.
        backward: also store backward fields (bidirectional stacks).
        size: fit frames to exactly ``(H, W)`` (resized to cover, centre-cropped) first.
        short_side: or shrink frames so their short side is this long, keeping the aspect (never
            enlarging); default 256, so an HD video costs what an SD one does. ``0`` keeps frames as decoded.

    Example:
    >>> FlowSettings(size=(120, 160)).resize, FlowSettings().resize
    ({'size': [120, 160]}, {'short_side': 256, 'shrink_only': True})
    """

    algorithm: str = DEFAULT_ALGORITHM
    bound: float = DEFAULT_BOUND
    quantisation: str = "bound"
    jpeg_quality: int = DEFAULT_JPEG_QUALITY
    backward: bool = False
    size: tuple[int, int] | None = None
    short_side: int | None = DEFAULT_SHORT_SIDE
    damaged: str = "use"

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
        if self.damaged not in DAMAGED_POLICIES:
            raise ValueError(f"damaged must be one of {DAMAGED_POLICIES}; got {self.damaged!r}.")
        if self.size is not None:
            object.__setattr__(self, "short_side", None)  # an exact size replaces the default short side
        if self.short_side is not None and self.short_side < 0:
            raise ValueError(f"short_side must be positive (0: keep frames as decoded); got {self.short_side}.")
        self.geometry  # noqa: B018  (validates the size)

    @property
    def geometry(self) -> FrameGeometry:
        """How frames are fitted before their flow is computed."""
        if self.size is not None:
            return FrameGeometry(size=tuple(self.size))
        if not self.short_side:
            return FrameGeometry()
        return FrameGeometry(short_side=self.short_side, shrink_only=True)

    @property
    def resize(self) -> dict | None:
        return self.geometry.to_dict()

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
        if manifest.resize is None and self.geometry.shrink_only and self.short_side:
            # A folder extracted at native size (older kvz's default) is what shrink-only would have
            # made of a video no larger than the short side: the same flow, so it is kept.
            if min(manifest.height, manifest.width) <= self.short_side:
                wanted["resize"] = None
        return [
            f"{key}={getattr(manifest, key)!r} (asked {value!r})"
            for key, value in wanted.items()
            if getattr(manifest, key) != value
        ]


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


def extract_video_flow(
    path: str | os.PathLike, folder: str | os.PathLike, settings: FlowSettings
) -> tuple[FlowManifest, str | None]:
    """Streams one video's frames, computes its flow pair by pair and writes its flow folder (atomically).

    Returns:
        The manifest, and what the decoder reported if the video is damaged (else ``None``).

    Raises:
        VideoReadError: the video does not decode, or has fewer than 2 frames.
    """
    extractor = FlowExtractor(settings.algorithm)
    errors: list[str] = []
    options = {"quantisation": settings.quantisation, "bound": settings.bound, "jpeg_quality": settings.jpeg_quality}
    frames = 0
    with FlowFolderWriter(
        folder,
        algorithm=settings.algorithm,
        backward=settings.backward,
        resize=settings.resize,
        source=str(path),
        overwrite=True,
        **options,  # only unfinished folders get here
    ) as writer:
        previous = None
        for frame in iter_frames(path, geometry=settings.geometry, decoder_errors=errors):
            gray = to_gray(frame)
            if previous is not None:
                writer.add("forward", extractor(previous, gray))
                if settings.backward:
                    writer.add("backward", extractor(gray, previous))
            previous, frames = gray, frames + 1
        if frames < 2:
            raise VideoReadError(path, f"only {frames} frame decodes; flow needs at least 2.")
        damage = describe_damage(frames, stored_frame_count(path) if Path(path).is_file() else frames, errors)
        if damage and settings.damaged == "skip":
            raise DamagedVideoError(path, damage)  # the writer removes the unfinished folder
        manifest = writer.finish(damage=damage)
    return manifest, damage


def _work(record: VideoRecord, folder: str, settings: FlowSettings) -> tuple[str, str | None, str | None]:
    """(video id, why it was skipped or None, damage or None); runs in a worker process."""
    try:
        _, damage = extract_video_flow(record.path, folder, settings)
        return record.video_id, None, damage
    except DamagedVideoError as error:
        return record.video_id, error.reason, error.damage
    except VideoReadError as error:
        return record.video_id, error.reason, None


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
        settings: algorithm, quantisation, bound, JPEG quality, backward flow, frame geometry.
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
    >>> report.extracted, report.failed
    (['a'], {'gone.avi': 'no such file.'})
    >>> extract_dataset_flow(data, root / "flow", progress=False).kept
    ['a']
    """
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
    paths = {record.video_id: record.path for record in dataset}
    bar = tqdm(total=len(todo), desc="flow", unit="video", disable=not progress)
    if workers <= 1:
        for record in todo:
            _count(report, paths, *_work(record, str(out / record.video_id), settings), bar)
    else:
        context = multiprocessing.get_context("spawn")  # no fork of a process that has TensorFlow threads
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_single_threaded_opencv) as pool:
            futures = [pool.submit(_work, record, str(out / record.video_id), settings) for record in todo]
            for future in as_completed(futures):
                _count(report, paths, *future.result(), bar)
    bar.close()
    report.extracted.sort()
    (out / REPORT_NAME).write_text(json.dumps({"settings": asdict(settings), **report.to_dict()}, indent=1) + "\n")
    return report


def _count(report: FlowExtractionReport, paths: dict, video_id: str, failure: str | None, damage: str | None, bar):
    path = paths[video_id]
    if damage:
        report.videos.damaged(path, damage)
    if failure is None:
        report.extracted.append(video_id)
        report.videos.used(path)
    else:
        report.videos.skipped(path, failure)
        tqdm.write(f"{path}: skipped: {failure}", file=sys.stderr)
    bar.update()
