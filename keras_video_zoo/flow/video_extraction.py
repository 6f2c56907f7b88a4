"""One video's flow, streamed pair by pair into its flow folder, and the settings that say how.

:func:`video_flow_outcome` is what every worker runs for each video: the local process pool of
:func:`keras_video_zoo.flow.dataset_extraction.extract_dataset_flow` and the Beam DoFn of
:mod:`keras_video_zoo.beam.flow` alike, so both write the same JPEG bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from keras_video_zoo.data.decoders import stored_frame_count
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoRecord
from keras_video_zoo.data.video_errors import DamagedVideoError, VideoReadError, describe_damage
from keras_video_zoo.data.video_io import iter_frames
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor, to_gray
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, QUANTISATION_MODES, check_bound
from keras_video_zoo.flow.storage import DEFAULT_JPEG_QUALITY, FlowFolderWriter, FlowManifest
from keras_video_zoo.opencv import require_contrib
from keras_video_zoo.vocabulary import DAMAGED_POLICIES
from keras_video_zoo.vocabulary import DEFAULT_FLOW_SHORT_SIDE as DEFAULT_SHORT_SIDE


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


def extract_video_flow(
    path: str | os.PathLike, folder: str | os.PathLike, settings: FlowSettings
) -> tuple[FlowManifest, str | None]:
    """Streams one video's frames, computes its flow pair by pair and writes its flow folder (atomically).

    Args:
        path: the video.
        folder: its flow folder (written under a temporary name, renamed when complete).
        settings: how the flow is computed and stored.

    Returns:
        The manifest, and what the decoder reported if the video is damaged (else ``None``).

    Raises:
        VideoReadError: the video does not decode, or has fewer than 2 frames.
    """
    # A solver per video, reused for its pairs. Not one per worker: OpenCV's DIS keeps state from
    # earlier calls, and after a video of another size it gives other flow (up to 0.2 px measured,
    # tests/flow/test_extraction.py), so a video's flow would depend on what its worker did before.
    # Building one costs about 11 microseconds.
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


def video_flow_outcome(record: VideoRecord, folder: str, settings: FlowSettings) -> tuple[str, str | None, str | None]:
    """Extracts one video's flow: (video id, why it was skipped or None, damage or None).

    What a worker (a local process or a Beam DoFn) runs for each video; a video that does not
    decode comes back with its reason instead of raising, so it does not stop the others.
    """
    try:
        _, damage = extract_video_flow(record.path, folder, settings)
        return record.video_id, None, damage
    except DamagedVideoError as error:
        return record.video_id, error.reason, error.damage
    except VideoReadError as error:
        return record.video_id, error.reason, None
