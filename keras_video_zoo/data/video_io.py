"""Decode videos (any container FFmpeg reads) or folders of extracted frames to uint8 RGB, as a stream.

Decoding is sequential (no per-frame seeking, which is slow and not frame-accurate on many
codecs), stops after the last frame asked for, and keeps only the frames asked for, fitted to
the pipeline's size as they are decoded (:class:`~keras_video_zoo.data.geometry.FrameGeometry`),
so memory per video does not grow with its length or resolution.

OpenCV decodes by default (the fastest decoder measured here). It stops at the first damaged
packet, so when it ends before the frames the container reports (or before a frame asked for),
the video is decoded again with PyAV, which skips the damaged packets as ``ffmpeg`` does and
reports the decoder's messages; the result says what happened in kvz's own words
(:attr:`~keras_video_zoo.data.video_errors.DecodedVideo.problems`). Files FFmpeg cannot open get
their own reason (:func:`~keras_video_zoo.data.decoders.unreadable_reason`).

The pieces below this reading API have their own modules: the two decoders and probing
(:mod:`~keras_video_zoo.data.decoders`), which files are videos or frame images
(:mod:`~keras_video_zoo.data.video_files`) and the errors and damage reports
(:mod:`~keras_video_zoo.data.video_errors`).

Example:
>>> import tempfile, numpy as np
>>> from keras_video_zoo.opencv import cv2
>>> path = tempfile.mkdtemp() + "/demo.avi"
>>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (64, 48))
>>> for value in range(0, 250, 25):
...     _ = writer.write(np.full((48, 64, 3), value, np.uint8))
>>> writer.release()
>>> read_frames(path, [9, 0, 0]).shape, count_frames(path)
((3, 48, 64, 3), 10)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import (
    DisplayGeometry,
    check_backend,
    open_opencv,
    open_pyav,
    opencv_frames,
    probe_video,
    pyav_frames,
    stored_frame_count,
    unreadable_reason,
    video_display,
)
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.video_errors import REPORTED_FRAMES_SLACK, DecodedVideo, ShortVideoError, VideoReadError
from keras_video_zoo.data.video_files import FRAME_IMAGE_EXTENSIONS, frame_folder_images, read_frame_image
from keras_video_zoo.opencv import cv2

# What read_video does with an index past the last frame that decodes.
ON_SHORT_CHOICES = ("raise", "clamp")


def _decode(path: Path, backend: str, stop: int | None, keep, geometry: FrameGeometry) -> tuple[int, bool, list[str]]:
    """Runs one decoder over ``path``; ``keep(index, frame)`` sees every fitted frame it needs."""
    errors: list[str] = []
    count = 0
    display = video_display(path)
    if _decoder_for(backend, display) == "opencv":
        capture = open_opencv(path)
        try:
            for count, frame in enumerate(opencv_frames(capture, stop, display), 1):
                keep(count - 1, frame, geometry)
        finally:
            capture.release()
    else:
        with open_pyav(path) as container:
            for count, frame in enumerate(pyav_frames(container, stop, errors, display), 1):
                keep(count - 1, frame, geometry)
    return count, stop is None or count < stop, errors


def _decoder_for(backend: str, display: DisplayGeometry) -> str:
    # OpenCV cannot deinterlace: interlaced video is read by PyAV through FFmpeg's yadif, whichever backend was asked.
    return "pyav" if display.interlaced else backend


def read_video(
    path: str | Path,
    indices: Sequence[int] | None = None,
    *,
    geometry: FrameGeometry | None = None,
    backend: str = "opencv",
    on_short: str = "raise",
) -> DecodedVideo:
    """Decodes the frames ``indices`` of a video (or of an extracted frame folder) in one sequential pass.

    Args:
        path: a video file in any container FFmpeg reads, or a folder of extracted frames.
        indices: frame indices in any order, repeats allowed; ``None`` reads every frame.
        geometry: how each frame is fitted as it is decoded (default: as decoded).
        backend: ``"opencv"`` (default; PyAV takes over past damage) or ``"pyav"``.
        on_short: ``"raise"`` (default) raises :class:`ShortVideoError` when the video
            ends before an index; ``"clamp"`` uses the last decoded frame for those indices.

    Raises:
        VideoReadError: the file cannot be opened, or no frame decodes; the reason says why.
        ShortVideoError: an index is beyond the frames that decode (with ``on_short="raise"``).
    """
    check_backend(backend)
    if on_short not in ON_SHORT_CHOICES:
        raise ValueError(f"on_short must be one of {ON_SHORT_CHOICES}; got {on_short!r}.")
    indices = _check_indices(indices)
    geometry = geometry or FrameGeometry()
    path = Path(path)
    if path.is_dir():
        frames = read_frame_folder(path, indices, geometry=geometry, on_short=on_short)
        count = len(frame_folder_images(path))
        return DecodedVideo(frames, count, count, True)
    if not path.is_file():
        raise VideoReadError(path, unreadable_reason(path))
    # The container's count, or an estimate from its duration (MKV, WebM, MPEG streams): it only
    # decides whether PyAV should try to read past where OpenCV stopped.
    expected = probe_video(path, backend=backend).frame_count
    stop = None if indices is None else max(indices) + 1
    wanted = None if indices is None else set(indices)
    kept: dict[int, np.ndarray] = {}
    last: list[np.ndarray] = []

    def keep(index: int, frame: np.ndarray, fit: FrameGeometry) -> None:
        if wanted is None or index in wanted:
            kept[index] = fit.fit(frame)
        last[:] = [frame]

    try:
        decoded, reached_end, errors = _decode(path, backend, stop, keep, geometry)
        ended_early = reached_end and (expected - decoded >= REPORTED_FRAMES_SLACK or (stop or 0) > decoded)
        if backend == "opencv" and ended_early:  # OpenCV stops at damage: let PyAV read past it
            opencv_kept, opencv_last = dict(kept), list(last)
            kept.clear()
            try:
                pyav = _decode(path, "pyav", stop, keep, geometry)
            except VideoReadError:
                pyav = (0, True, [])
            if pyav[0] > decoded:
                decoded, reached_end, errors = pyav
            else:  # nothing more decodes: the container just over-reports
                kept.clear()
                kept.update(opencv_kept)
                last[:] = opencv_last
    except cv2.error as error:  # a decoder failure deep in OpenCV is still just an unreadable video
        raise VideoReadError(path, f"decoding failed ({error}).") from error
    if decoded == 0:
        raise VideoReadError(path, "no frame decodes (a damaged or truncated video).")
    # Missing frames are only damage against a count the container stores; a variable frame rate
    # makes a duration-based estimate wrong on a perfectly good video.
    reported = stored_frame_count(path) if reached_end and expected - decoded >= REPORTED_FRAMES_SLACK else expected
    if indices is None:
        frames = np.stack([kept[i] for i in range(decoded)])
    else:
        try:
            frames = _gather(path, kept, indices, decoded, on_short, lambda: geometry.fit(last[0]))
        except ShortVideoError as error:  # the stream was read to its end: say what it holds
            stream = DecodedVideo(np.zeros((0, 1, 1, 3), np.uint8), decoded, reported, True, errors)
            raise ShortVideoError(path, error.decoded_frames, error.requested, stream) from None
    return DecodedVideo(frames, decoded, reported, reached_end, errors)


def read_clips(
    path: str | Path,
    sample: Callable[[int], np.ndarray],
    *,
    geometry: FrameGeometry | None = None,
    backend: str = "opencv",
    frame_counts: dict[str, int] | None = None,
) -> tuple[np.ndarray, DecodedVideo]:
    """Decodes one video once and cuts the clips ``sample(num_frames)`` asks for.

    Args:
        path: a video file or an extracted frame folder.
        sample: ``num_frames -> (clips, T)`` frame indices.
        geometry: how frames are fitted as they are decoded (default: as decoded).
        backend: ``"opencv"`` or ``"pyav"``.
        frame_counts: a cache of frame counts by path; a container that over-reports its
            length is corrected here once, so later visits sample within what decodes.

    Returns:
        ``(clips (k, T, H, W, 3) uint8, decoded)``: the clips and the :class:`DecodedVideo` they
        came from (its ``problems()`` say whether the video is damaged).

    Raises:
        VideoReadError: the video cannot be read; the reason says why.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.opencv import cv2
    >>> path = tempfile.mkdtemp() + "/ramp.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (32, 32))
    >>> for value in range(0, 200, 20):
    ...     _ = writer.write(np.full((32, 32, 3), value, np.uint8))
    >>> writer.release()
    >>> clips, decoded = read_clips(path, lambda n: np.array([[0, 1], [n - 2, n - 1]]))
    >>> clips.shape, [round(v / 20) for v in clips[:, :, 0, 0, 0].ravel()], decoded.problems()
    ((2, 2, 32, 32, 3), [0, 1, 8, 9], None)
    """
    frame_counts = {} if frame_counts is None else frame_counts
    key = str(path)
    count = frame_counts.get(key) or probe_video(path, backend=backend).frame_count
    if count <= 0:  # the container reports no length: decode it once
        count = count_frames(path, backend=backend)
    indices = np.asarray(sample(count))
    try:
        video = read_video(path, np.unique(indices), geometry=geometry, backend=backend)
    except ShortVideoError as error:  # the container over-reported its length: sample within what decodes
        count = error.decoded_frames
        indices = np.asarray(sample(count))
        video = read_video(path, np.unique(indices), geometry=geometry, backend=backend)
        if error.stream is not None:  # the first pass read the whole stream: keep what it found
            stream = error.stream
            video = dataclasses.replace(
                video,
                decoded=stream.decoded,
                reported=stream.reported,
                reached_end=True,
                decoder_errors=stream.decoder_errors,
            )
    frame_counts[key] = count
    return video.frames[np.searchsorted(np.unique(indices), indices)], video


def read_frames(
    path: str | Path,
    indices: Sequence[int] | None = None,
    *,
    backend: str = "opencv",
    size: tuple[int, int] | None = None,
    short_side: int | None = None,
    on_short: str = "raise",
) -> np.ndarray:
    """The frames ``indices`` of a video or frame folder as uint8 RGB: :func:`read_video`'s frames.

    Args:
        path: a video file, or a folder of extracted frames (``img_00001.jpg`` ...).
        indices: frame indices in any order, repeats allowed; ``None`` reads every frame.
        backend: ``"opencv"`` or ``"pyav"``.
        size: ``(height, width)`` to fit every frame to (resized to cover it, centre-cropped).
        short_side: resize so the shorter side is this long, keeping the aspect ratio.
        on_short: ``"raise"`` or ``"clamp"`` (see :func:`read_video`).

    Returns:
        ``(len(indices), H, W, 3)`` uint8 RGB array.

    Example:
    >>> import tempfile, numpy as np
    >>> from keras_video_zoo.opencv import cv2
    >>> path = tempfile.mkdtemp() + "/grey.avi"
    >>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (32, 24))
    >>> for _ in range(5):
    ...     _ = writer.write(np.full((24, 32, 3), 128, np.uint8))
    >>> writer.release()
    >>> read_frames(path, [4, 1], short_side=12).shape
    (2, 12, 16, 3)
    >>> read_frames(path, [7])
    Traceback (most recent call last):
    ...
    keras_video_zoo.data.video_errors.ShortVideoError: ...grey.avi: asked for frame 7 but only 5 frames decode ...
    """
    geometry = FrameGeometry(short_side=short_side, size=size)
    return read_video(path, indices, geometry=geometry, backend=backend, on_short=on_short).frames


def iter_frames(
    path: str | Path,
    *,
    geometry: FrameGeometry | None = None,
    backend: str = "opencv",
    decoder_errors: list[str] | None = None,
) -> Iterator[np.ndarray]:
    """Every frame of a video or frame folder, fitted, one at a time: memory for one frame, whatever the length.

    Past damage like :func:`read_video`: when OpenCV stops before the frames the container
    reports, PyAV goes on from the next frame (skipping the packets that do not decode) and
    the decoder's messages are appended to ``decoder_errors``.

    Raises:
        VideoReadError: the file cannot be opened; the reason says why.
    """
    check_backend(backend)
    geometry = geometry or FrameGeometry()
    errors = decoder_errors if decoder_errors is not None else []
    path = Path(path)
    if path.is_dir():
        images = frame_folder_images(path)
        if not images:
            raise VideoReadError(path, unreadable_reason(path))
        for image in images:
            yield geometry.fit(read_frame_image(image))
        return
    count = 0
    display = video_display(path)
    if _decoder_for(backend, display) == "opencv":
        reported = probe_video(path).frame_count
        capture = open_opencv(path)
        try:
            for frame in opencv_frames(capture, None, display):
                yield geometry.fit(frame)
                count += 1
        finally:
            capture.release()
        if reported - count < REPORTED_FRAMES_SLACK:
            return
    with open_pyav(path) as container:  # from the start, or on from where OpenCV stopped
        for index, frame in enumerate(pyav_frames(container, None, errors, display)):
            if index >= count:
                yield geometry.fit(frame)


def count_frames(path: str | Path, *, backend: str = "opencv") -> int:
    """Frames that really decode; the container may report otherwise.

    Raises:
        VideoReadError: the file is missing, unreadable or has no frame.
    """
    path = Path(path)
    if path.is_dir():
        return len(frame_folder_images(path))
    return read_video(path, None, geometry=FrameGeometry(size=(2, 2)), backend=backend).decoded


def _check_indices(indices: Sequence[int] | None) -> list[int] | None:
    if indices is None:
        return None
    indices = [int(index) for index in indices]
    if not indices:
        raise ValueError("indices is empty; pass None to read every frame.")
    if min(indices) < 0:
        raise ValueError(f"frame indices must be >= 0; got {min(indices)}.")
    return indices


def _gather(
    path, kept: dict[int, np.ndarray], indices: list[int], decoded: int, on_short: str, last_frame
) -> np.ndarray:
    if max(indices) >= decoded:
        if on_short == "raise":
            raise ShortVideoError(path, decoded, max(indices))
        kept = {**kept, **{index: last_frame() for index in indices if index >= decoded}}
    return np.stack([kept[index] for index in indices])


def read_frame_folder(
    folder: str | Path,
    indices: Sequence[int] | None = None,
    *,
    prefix: str = "img_",
    geometry: FrameGeometry | None = None,
    on_short: str = "raise",
) -> np.ndarray:
    """:func:`read_frames` for a folder of extracted frames: frame ``i`` is the ``i``-th image (0-based).

    Example:
    >>> import tempfile, numpy as np
    >>> from keras_video_zoo.opencv import cv2
    >>> folder = tempfile.mkdtemp()
    >>> for n in range(1, 4):
    ...     _ = cv2.imwrite(f"{folder}/img_{n:05d}.jpg", np.full((8, 8, 3), 60 * n, np.uint8))
    >>> frames = read_frame_folder(folder, [2, 0])
    >>> frames.shape, int(frames[0].mean()) // 10, int(frames[1].mean()) // 10
    ((2, 8, 8, 3), 18, 6)
    """
    indices = _check_indices(indices)
    geometry = geometry or FrameGeometry()
    folder = Path(folder)
    images = frame_folder_images(folder, prefix)
    if not images:
        raise VideoReadError(folder, f"no frame images named {prefix}<number>{FRAME_IMAGE_EXTENSIONS} in the folder.")
    wanted = range(len(images)) if indices is None else sorted(set(i for i in indices if i < len(images)))
    kept = {index: geometry.fit(read_frame_image(images[index])) for index in wanted}
    if indices is None:
        return np.stack([kept[i] for i in range(len(images))])
    return _gather(folder, kept, indices, len(images), on_short, lambda: geometry.fit(read_frame_image(images[-1])))
