"""Writing videos with PyAV (FFmpeg's encoders and muxers): the generators' test videos, and the web page's
browser-playable copies.

Example:
>>> import tempfile
>>> import numpy as np
>>> path = Path(tempfile.mkdtemp()) / "grey.mp4"
>>> encode_video(path, np.full((5, 32, 48, 3), 128, np.uint8), "libx264", fps=30000 / 1001)
>>> path.stat().st_size > 0
True
"""

from __future__ import annotations

import fractions
import itertools
from collections.abc import Iterable
from pathlib import Path

import numpy as np


def encode_video(
    path: Path,
    frames: Iterable[np.ndarray],
    codec: str,
    *,
    container_format: str | None = None,
    pix_fmt: str = "yuv420p",
    times_ms: list[int] | None = None,
    intra_only: bool = False,
    rotation: int = 0,
    pixel_aspect: fractions.Fraction | None = None,
    interlaced: bool = False,
    fps: float = 25,
    faststart: bool = False,
) -> None:
    """Encodes RGB frames (an array, or any iterable of ``(H, W, 3)`` frames: a long video need not fit in memory)
    with PyAV (FFmpeg's encoders and muxers, as cameras and converters use them).

    ``rotation`` writes a display matrix (degrees counterclockwise, as phones do), ``pixel_aspect`` the
    sample aspect ratio of non-square pixels, and ``interlaced`` flags the stream top field first
    (the frames should then hold two fields each, see
    :func:`~keras_video_zoo.data.synthetic_real_world.woven_fields`). ``fps`` may be NTSC's 30000/1001 as a
    float; ``faststart`` puts an MP4's index first, so a browser plays it while it downloads. A ValueError
    when ``frames`` is empty (a container with no frame is not a video)."""
    import av

    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError(f"{path}: no frames to encode.")
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, options=options) as container:
        stream = container.add_stream(codec, rate=fractions.Fraction(fps).limit_denominator(1001))
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = pix_fmt
        stream.options = _QUIET_ENCODERS.get(codec, {})
        if intra_only:  # every frame a keyframe (camcorders, editing codecs): frames of even size
            stream.codec_context.gop_size = 1
        if rotation:
            stream.set_display_rotation(rotation)
        if pixel_aspect is not None:
            stream.codec_context.sample_aspect_ratio = pixel_aspect
        if interlaced:
            context = stream.codec_context
            context.flags |= av.codec.context.Flags.interlaced_dct | av.codec.context.Flags.interlaced_me
            context.field_order = _TOP_FIELD_FIRST
        if times_ms is not None:
            stream.time_base = fractions.Fraction(1, 1000)
        for index, array in enumerate(itertools.chain([first], frames)):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
            if times_ms is not None:
                frame.pts, frame.time_base = times_ms[index], fractions.Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


# Fast presets, and encoders that would print their banners told to keep to errors.
_QUIET_ENCODERS = {
    "libx264": {"preset": "ultrafast"},
    "libx265": {"preset": "ultrafast", "x265-params": "log-level=error"},
    "libsvtav1": {"preset": "12", "svtav1-params": "enable-stat-report=0"},
}
_TOP_FIELD_FIRST = 2  # FFmpeg's AV_FIELD_TT
