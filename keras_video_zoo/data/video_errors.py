"""What reading a video can find: the errors a reader raises and the damage it reports, in kvz's words.

Every reader (:mod:`~keras_video_zoo.data.decoders`, :mod:`~keras_video_zoo.data.video_io`, the
timeline, the flow extractor) raises these and describes damage with :func:`describe_damage`, so
every command names a bad video the same way.

Example:
>>> error = VideoReadError("clip.mp4", "empty file (0 bytes).")
>>> str(error), error.reason
('clip.mp4: empty file (0 bytes).', 'empty file (0 bytes).')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# A container may report a frame or two more than decode (an estimate from the duration, a
# dropped last frame): fewer than this many missing is not called damage.
REPORTED_FRAMES_SLACK = 2


class VideoReadError(ValueError):
    """A video could not be read: missing, empty, not a video, audio only, truncated, or no frame decodes.

    Attributes:
        path: the file that failed.
        reason: what went wrong, without the path.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ShortVideoError(VideoReadError):
    """A frame was asked for that the video does not have.

    Attributes:
        decoded_frames: how many frames really decode (the container may report more).
        requested: the largest frame index asked for.
        stream: the whole stream, read to its end (:class:`DecodedVideo` without frames), when
            known: its ``problems()`` say whether the video is damaged.
    """

    def __init__(
        self, path: str | Path, decoded_frames: int, requested: int, stream: DecodedVideo | None = None
    ) -> None:
        super().__init__(
            path,
            f"asked for frame {requested} but only {decoded_frames} frames decode "
            f"(indices must be < {decoded_frames}; the container's reported frame count may be wrong).",
        )
        self.decoded_frames = decoded_frames
        self.requested = requested
        self.stream = stream


class DamagedVideoError(VideoReadError):
    """A damaged video, refused because the caller skips damaged videos (``--damaged skip``).

    Attributes:
        damage: what is wrong with it (:func:`describe_damage`).
    """

    def __init__(self, path: str | Path, damage: str) -> None:
        super().__init__(path, f"damaged: {damage}")
        self.damage = damage


@dataclass
class DecodedVideo:
    """What a reader decoded: the frames asked for and what the decoder had to say.

    Attributes:
        frames: ``(len(indices), H, W, 3)`` uint8 RGB, fitted by the geometry, in request order.
        decoded: frames that decode (all of them when ``reached_end``, else up to the last asked for).
        reported: frames the container counts (when frames seem missing: only a count it stores, 0 if none).
        reached_end: decoding ran to the end of the stream.
        decoder_errors: the decoder's error messages, when the video was read past damage.
    """

    frames: np.ndarray
    decoded: int
    reported: int
    reached_end: bool
    decoder_errors: list[str] = field(default_factory=list)

    @property
    def damaged(self) -> bool:
        """The decoder reported errors, or frames the container counts are missing."""
        return self.problems() is not None

    def problems(self) -> str | None:
        """The damage in kvz's words, or None: ``"93 of the 100 frames its container reports decode; ..."``."""
        return describe_damage(self.decoded, self.reported if self.reached_end else 0, self.decoder_errors)


def describe_damage(decoded: int, reported: int, decoder_errors: Sequence[str]) -> str | None:
    """What went wrong reading a video, in kvz's words (one line for every command), or None.

    Args:
        decoded: frames that decoded (the whole stream was read).
        reported: the frame count the container stores (0 if none: an estimate shows nothing).
        decoder_errors: FFmpeg's error messages while decoding.

    Example:
    >>> describe_damage(93, 100, ["h264: error while decoding MB 16 14"]).split("; ")
    ['93 of the 100 frames its container reports decode', "the decoder reported 1 error (first: 'h264: error ...')"]
    >>> describe_damage(100, 101, []) is None  # a frame short is a rounded count, not damage
    True
    """
    parts = []
    if reported - decoded >= REPORTED_FRAMES_SLACK:
        parts.append(f"{decoded} of the {reported} frames its container reports decode")
    if decoder_errors:
        count = len(decoder_errors)
        parts.append(f"the decoder reported {count} error{'s' * (count > 1)} (first: {decoder_errors[0]!r})")
    return "; ".join(parts) or None
