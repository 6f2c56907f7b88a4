"""Live video: anything FFmpeg opens as a live input, read frame by frame as it arrives.

A SOURCE is a network stream (``rtsp://``, ``rtmp://``, ``srt://``, ``udp://``, ``tcp://``,
``http(s)://`` streams and HLS playlists), a V4L2 webcam (``/dev/video0``), ``-`` for a pipe on
standard input, or a file (read as if it were live). Frames come out as the decoders give files'
frames (:func:`~keras_video_zoo.data.decoders.pyav_frames`: turned upright, non-square pixels resampled,
interlaced video deinterlaced), fitted as they come; a live stream cannot be read ahead, so its display
(the rotation a phone's display matrix asks for among it) is taken from the first frame that arrives.

Example:
>>> open_live("http://127.0.0.1:9/camera.ts", timeout=0.5)
Traceback (most recent call last):
...
keras_video_zoo.data.live_sources.LiveSourceError: http://127.0.0.1:9/camera.ts: no video arrived within 0.5 s ...
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import import_av, pyav_frames, unreadable_reason
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.video_errors import VideoReadError

STDIN = "-"
DEFAULT_LIVE_FPS = 25.0  # a stream that states no frame rate (raw pipes, some webcams)


class LiveSourceError(VideoReadError):
    """A live source that cannot be opened, or sends no video before the timeout."""


def open_live(source: str, *, timeout: float = 10.0):
    """Opens a live SOURCE with PyAV; a :class:`LiveSourceError` naming it when nothing arrives in ``timeout`` s.

    Args:
        source: a URL, ``/dev/videoN`` (V4L2), ``-`` (standard input) or a file.
        timeout: seconds to wait for the connection and for each read.
    """
    av = import_av()
    options = {"rtsp_transport": "tcp"} if source.startswith("rtsp://") else {}
    try:
        if source == STDIN:
            container = av.open(sys.stdin.buffer, mode="r", timeout=timeout)
        elif source.startswith("/dev/video"):
            container = av.open(source, format="v4l2", timeout=timeout)
        else:
            container = av.open(source, options=options, timeout=timeout)
    except (av.FFmpegError, OSError) as error:
        reason = f"no video arrived within {timeout:g} s ({_words(error)})."
        raise LiveSourceError(source, _file_reason(source) or reason) from None
    if not container.streams.video:
        container.close()
        raise LiveSourceError(source, _file_reason(source) or "the stream has no video.")
    return container


def _file_reason(source: str) -> str | None:
    """A file read as live gets the reason every other command gives it (empty, not a video, audio only, ...)."""
    return unreadable_reason(source) if source != STDIN and Path(source).is_file() else None


def live_fps(container) -> float:
    """The stream's frame rate (25 when it states none)."""
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(rate) if rate else DEFAULT_LIVE_FPS


def live_frames(container, geometry: FrameGeometry, errors: list[str]) -> Iterator[np.ndarray]:
    """The stream's frames as they arrive, as shown (turned, square pixels, deinterlaced, as its first frame and
    stream say), fitted by ``geometry``; decoder errors are appended to ``errors``."""
    for frame in pyav_frames(container, None, errors, display=None):
        yield geometry.fit(frame)


def _words(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
