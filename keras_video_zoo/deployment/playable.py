"""A video a web browser plays: the file itself when browsers play it, else an H.264 copy of what kvz reads.

Browsers play H.264, VP8, VP9 and AV1 in MP4 or WebM, 8-bit 4:2:0; UCF-101's XviD AVIs, MPEG-2
broadcasts, ProRes, 10-bit HEVC and GIFs are not among them. The copy is made of the frames the models
see (turned upright, square pixels, deinterlaced: :func:`~keras_video_zoo.data.video_io.iter_frames`),
at most :data:`PREVIEW_SHORT_SIDE` pixels on the short side, without sound, with its index first so a
page plays it while it downloads. The scores are always computed from the file itself.

Example:
>>> import tempfile
>>> from keras_video_zoo.data.synthetic_dataset import SOURCE_CLASSES, render_video, write_video
>>> folder = Path(tempfile.mkdtemp())
>>> write_video(folder / "clip.avi", render_video(SOURCE_CLASSES[0], frames=6, size=(48, 64)))
>>> browser_playable(folder / "clip.avi")
False
>>> copy = playable_copy(folder / "clip.avi", folder / "shown")
>>> copy.name, browser_playable(copy)
('clip.mp4', True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import import_av, probe_video, unreadable_reason
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_io import iter_frames
from keras_video_zoo.data.video_writer import encode_video

PREVIEW_SHORT_SIDE = 480  # enough to see what happens; an HD copy would cost its encoding time for nothing
BROWSER_CODECS = frozenset({"h264", "vp8", "vp9", "av1"})
BROWSER_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".webm": "webm"}  # suffix -> a name FFmpeg's demuxer has
BROWSER_PIXELS = frozenset({"yuv420p", "yuvj420p"})


def browser_playable(path: str | Path) -> bool:
    """Whether web browsers play the file as it is (container, codec and pixel format); False when unreadable."""
    path = Path(path)
    container_name = BROWSER_CONTAINERS.get(path.suffix.lower())
    if container_name is None or not path.is_file():
        return False
    av = import_av()
    try:
        with av.open(str(path)) as container:
            if container_name not in container.format.name.split(",") or not container.streams.video:
                return False
            context = container.streams.video[0].codec_context
            return (
                context.name in BROWSER_CODECS and context.format is not None and context.format.name in BROWSER_PIXELS
            )
    except (av.FFmpegError, OSError):
        return False


def playable_copy(path: str | Path, folder: str | Path, *, short_side: int = PREVIEW_SHORT_SIDE) -> Path:
    """``path`` itself when browsers play it, else an H.264 MP4 of its frames as kvz reads them, in ``folder``.

    Raises:
        VideoReadError: the file is not a video kvz reads; the reason says why.
    """
    path = Path(path)
    if browser_playable(path):
        return path
    fps = probe_video(path).fps or 25.0  # VideoReadError for what is not a video, before anything is written
    frames = iter_frames(path, geometry=FrameGeometry(short_side=short_side, shrink_only=True))
    target = Path(folder) / f"{path.stem}.mp4"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        encode_video(target, (_even(frame) for frame in frames), "libx264", fps=fps, faststart=True)
    except ValueError:  # it opened, but not a frame decodes: the readers' own words for it
        raise VideoReadError(path, unreadable_reason(path)) from None
    return target


def _even(frame: np.ndarray) -> np.ndarray:
    """H.264 in 4:2:0 needs even sides: the last row or column of an odd side goes."""
    return frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2]
