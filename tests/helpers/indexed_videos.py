"""Small encoded videos whose frames say their own index in their colour (for the decoding tests)."""

from __future__ import annotations

import fractions
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

RED, BLUE = 200, 40  # constant R and B; G encodes the frame index, so frame order and RGB order are checkable


def frame_level(index: int) -> int:
    """The G value of frame ``index`` in :func:`indexed_frames`."""
    return 20 + 8 * index


def indexed_frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Flat RGB frames (R, G, B) = (200, 20 + 8 i, 40): they survive lossy codecs with a small error."""
    frames = np.empty((count, height, width, 3), np.uint8)
    for index in range(count):
        frames[index] = (RED, frame_level(index), BLUE)
    return frames


def write_opencv_video(path: Path, frames: np.ndarray, fourcc: str = "XVID", fps: float = 25.0) -> Path:
    """Encode RGB frames with OpenCV's FFmpeg writer (XVID avi/mkv, mp4v mp4/mov, VP80 webm)."""
    height, width = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} to {path}"
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_pyav_video(
    path: Path, frames: np.ndarray, codec: str = "libx264", *, pts_ms: Sequence[int] | None = None
) -> Path:
    """Encode RGB frames with PyAV; ``pts_ms`` gives each frame's time in ms (variable frame rate)."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=25)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt = "yuv420p"
        if pts_ms is not None:
            stream.time_base = fractions.Fraction(1, 1000)
        for index, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            if pts_ms is not None:
                frame.pts, frame.time_base = int(pts_ms[index]), fractions.Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path
