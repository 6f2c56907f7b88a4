"""Decode videos (any container FFmpeg reads) or folders of extracted frames to uint8 RGB, as a stream.

Decoding is sequential (no per-frame seeking, which is slow and not frame-accurate on many
codecs), stops after the last frame asked for, and keeps only the frames asked for, fitted to
the pipeline's size as they are decoded (:class:`~keras_video_zoo.data.geometry.FrameGeometry`),
so memory per video does not grow with its length or resolution.

OpenCV decodes by default (the fastest decoder measured here). It stops at the first damaged
packet, so when it ends before the frames the container reports (or before a frame asked for),
the video is decoded again with PyAV, which skips the damaged packets as ``ffmpeg`` does and
reports the decoder's messages; the result says what happened in kvz's own words
(:attr:`DecodedVideo.problems`). Files FFmpeg cannot open get their own reason: no such file,
empty, a text file or an image, audio only, a truncated container, or an unknown format
(:func:`unreadable_reason`). Containers are recognised by their content, never by extension.

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
import logging
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.opencv import cv2

BACKENDS = ("opencv", "pyav")
FRAME_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
SHORT_VIDEO_POLICIES = ("raise", "clamp")
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


@dataclass(frozen=True)
class VideoInfo:
    """What a container reports about a video (``frame_count`` may disagree with what decodes).

    Example:
    >>> VideoInfo("a.avi", 250, 25.0, 240, 320).duration
    10.0
    """

    path: str
    frame_count: int
    fps: float
    height: int
    width: int

    @property
    def duration(self) -> float:
        """Seconds, from the reported frame count and frame rate (0 when the rate is unknown)."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}.")


_AV_LOGGING_READY = False


def _import_av():
    global _AV_LOGGING_READY
    try:
        import av
        import av.logging
    except ImportError as error:  # a core dependency; a broken install lands here
        raise ImportError("PyAV (av) is needed to read this video: pip install av") from error
    if not _AV_LOGGING_READY:
        # FFmpeg's error messages are collected while decoding (av.logging.Capture) and reported in
        # DecodedVideo.problems(); outside a capture they would reach Python logging and print,
        # so the "libav" loggers drop them (a user who wants them lowers this level).
        av.logging.set_level(av.logging.ERROR)
        # PyAV folds a repeated message into a tally it emits with the next, different message,
        # which may come in the next video's capture: a video's report would then depend on what
        # the process decoded before it (and differ between runners). Every message is kept instead.
        av.logging.set_skip_repeated(False)
        logging.getLogger("libav").setLevel(logging.CRITICAL + 1)
        _AV_LOGGING_READY = True
    return av


# Signatures of the containers FFmpeg reads, by their first bytes (for reasons, never for filtering).
_SIGNATURES = (
    (4, b"ftyp", "an MP4/MOV/3GP container"),
    (0, b"RIFF", "a RIFF (AVI) container"),
    (0, b"\x1a\x45\xdf\xa3", "a Matroska/WebM container"),
    (0, b"\x00\x00\x01\xba", "an MPEG program stream"),
    (0, b"FLV", "an FLV container"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "an ASF/WMV container"),
    (0, b"OggS", "an Ogg container"),
)
_IMAGES = ((b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"))


def _sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is, or None."""
    for offset, magic, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return "an MPEG transport stream"
    for magic, name in _IMAGES:
        if head.startswith(magic):
            return name
    printable = set(string.printable.encode())
    if head and sum(byte in printable for byte in head) / len(head) > 0.95:
        return "a text file"
    return None


def unreadable_reason(path: str | Path) -> str:
    """Why FFmpeg cannot open ``path`` as a video, in a few words.

    Example:
    >>> import tempfile, pathlib
    >>> notes = pathlib.Path(tempfile.mkdtemp()) / "notes.mp4"
    >>> _ = notes.write_text("milk, eggs")
    >>> unreadable_reason(notes)
    'not a video: a text file.'
    """
    path = Path(path)
    if not path.exists():
        return "no such file."
    if path.is_dir():
        return "a folder with no frame images (img_<number>.jpg) in it."
    size = path.stat().st_size
    if size == 0:
        return "empty file (0 bytes)."
    with open(path, "rb") as file:
        head = file.read(512)
    kind = _sniff(head)
    if kind and ("image" in kind or "text" in kind):
        return f"not a video: {kind}."
    av = _import_av()
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                audio = len(container.streams.audio)
                return f"no video stream ({f'audio only: {audio} audio stream(s)' if audio else 'no streams'})."
            return "the video stream opens but no frame decodes."
    except av.FFmpegError as error:
        detail = str(error).split(":")[0].split("] ", 1)[-1]
        if kind:
            return f"truncated or damaged: {kind} that FFmpeg cannot open ({detail}); was the download cut short?"
        return f"not a video: unknown format ({size:,} bytes FFmpeg does not recognise)."


def _open_opencv(path: Path) -> cv2.VideoCapture:
    # CAP_FFMPEG explicitly: CAP_ANY would let the image-sequence backend "open" non-videos.
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise VideoReadError(path, unreadable_reason(path))
    return capture


def _open_pyav(path: Path):
    av = _import_av()
    try:
        container = av.open(str(path))
    except av.FFmpegError:
        raise VideoReadError(path, unreadable_reason(path)) from None
    if not container.streams.video:
        container.close()
        raise VideoReadError(path, unreadable_reason(path))
    return container


def probe_video(path: str | Path, *, backend: str = "opencv") -> VideoInfo:
    """The container's frame count, frame rate and frame size, without decoding (a frame folder: fps 0).

    Raises:
        VideoReadError: the file cannot be opened as a video; the reason says why.

    Example:
    >>> probe_video("missing.avi")
    Traceback (most recent call last):
    ...
    keras_video_zoo.data.video_io.VideoReadError: missing.avi: no such file.
    """
    _check_backend(backend)
    path = Path(path)
    if path.is_dir():  # a frame folder: its images are the frames; it has no frame rate
        images = frame_folder_images(path)
        if not images:
            raise VideoReadError(path, unreadable_reason(path))
        first = cv2.imread(str(images[0]), cv2.IMREAD_COLOR)
        if first is None:
            raise VideoReadError(images[0], "is not a readable image.")
        return VideoInfo(str(path), len(images), 0.0, first.shape[0], first.shape[1])
    if not path.is_file():
        raise VideoReadError(path, unreadable_reason(path))
    if backend == "opencv":
        capture = _open_opencv(path)
        try:
            frame_count = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
            fps = float(capture.get(cv2.CAP_PROP_FPS))
            height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        finally:
            capture.release()
    else:
        av = _import_av()
        container = _open_pyav(path)
        try:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            fps = float(rate) if rate else 0.0
            frame_count = int(stream.frames)
            if frame_count <= 0 and fps:  # mkv/webm store no count: estimate it from the duration, as OpenCV does
                if stream.duration and stream.time_base:
                    frame_count = round(float(stream.duration * stream.time_base) * fps)
                elif container.duration:
                    frame_count = round(container.duration / av.time_base * fps)
            height, width = int(stream.codec_context.height), int(stream.codec_context.width)
        finally:
            container.close()
    if height <= 0 or width <= 0:
        raise VideoReadError(path, "reports no frame size (a damaged header).")
    return VideoInfo(str(path), frame_count, fps, height, width)


def stored_frame_count(path: str | Path) -> int:
    """The frame count a container stores in its header (MP4, MOV, AVI, ASF), or 0 when it stores none.

    OpenCV (and :func:`probe_video`) estimate a count from the duration when none is stored; an
    estimate is wrong for a variable frame rate, so only a stored count can show frames missing.
    """
    try:
        with _open_pyav(Path(path)) as container:
            return max(0, int(container.streams.video[0].frames))
    except VideoReadError:
        return 0


def _opencv_frames(capture: cv2.VideoCapture, stop: int | None) -> Iterator[np.ndarray]:
    """RGB frames until ``stop`` or the first frame that does not decode."""
    index = 0
    # grab() returns False at the real end of the stream (or at damage), whatever the header says: no hang.
    while (stop is None or index < stop) and capture.grab():
        ok, frame = capture.retrieve()
        if not ok or frame is None:
            return
        yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        index += 1


def _pyav_to_rgb(frame) -> np.ndarray:
    # YUV -> RGB with OpenCV is much faster than PyAV's to_ndarray("rgb24") (DATA.md).
    if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
        return cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
    return frame.to_ndarray(format="rgb24")


def _pyav_frames(container, stop: int | None, errors: list[str]) -> Iterator[np.ndarray]:
    """RGB frames until ``stop``, skipping packets that do not decode (their errors go to ``errors``)."""
    av = _import_av()
    stream = container.streams.video[0]
    index = 0
    with av.logging.Capture(local=True) as logs:
        try:
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.FFmpegError as error:  # a damaged packet: ffmpeg skips it, so do we
                    errors.append(f"a packet does not decode ({error.strerror})")
                    continue
                for frame in decoded:
                    if stop is not None and index >= stop:
                        return
                    yield _pyav_to_rgb(frame)
                    index += 1
        except av.FFmpegError as error:  # a broken container: the stream ends here
            errors.append(f"the container ends in damage ({error.strerror})")
        finally:
            # FFmpeg's own words come first: they say what was damaged.
            errors[:0] = [f"{name}: {message.strip()}" for level, name, message in logs if level <= av.logging.ERROR]


@dataclass
class DecodedVideo:
    """What :func:`read_video` decoded: the frames asked for and what the decoder had to say.

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


def _decode(path: Path, backend: str, stop: int | None, keep, geometry: FrameGeometry) -> tuple[int, bool, list[str]]:
    """Runs one decoder over ``path``; ``keep(index, frame)`` sees every fitted frame it needs."""
    errors: list[str] = []
    count = 0
    if backend == "opencv":
        capture = _open_opencv(path)
        try:
            for count, frame in enumerate(_opencv_frames(capture, stop), 1):
                keep(count - 1, frame, geometry)
        finally:
            capture.release()
    else:
        with _open_pyav(path) as container:
            for count, frame in enumerate(_pyav_frames(container, stop, errors), 1):
                keep(count - 1, frame, geometry)
    return count, stop is None or count < stop, errors


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
    _check_backend(backend)
    if on_short not in SHORT_VIDEO_POLICIES:
        raise ValueError(f"on_short must be one of {SHORT_VIDEO_POLICIES}; got {on_short!r}.")
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
    keras_video_zoo.data.video_io.ShortVideoError: ...grey.avi: asked for frame 7 but only 5 frames decode ...
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
    _check_backend(backend)
    geometry = geometry or FrameGeometry()
    errors = decoder_errors if decoder_errors is not None else []
    path = Path(path)
    if path.is_dir():
        images = frame_folder_images(path)
        if not images:
            raise VideoReadError(path, unreadable_reason(path))
        for image in images:
            yield geometry.fit(_read_image(image))
        return
    count = 0
    if backend == "opencv":
        reported = probe_video(path).frame_count
        capture = _open_opencv(path)
        try:
            for frame in _opencv_frames(capture, None):
                yield geometry.fit(frame)
                count += 1
        finally:
            capture.release()
        if reported - count < REPORTED_FRAMES_SLACK:
            return
    with _open_pyav(path) as container:  # from the start, or on from where OpenCV stopped
        for index, frame in enumerate(_pyav_frames(container, None, errors)):
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


def frame_folder_images(folder: str | Path, prefix: str = "img_") -> list[Path]:
    """The frame images of an extracted frame folder (``img_00001.jpg`` ...), in frame order.

    Example:
    >>> frame_folder_images("no/such/folder")
    Traceback (most recent call last):
    ...
    keras_video_zoo.data.video_io.VideoReadError: no/such/folder: no such frame folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoReadError(folder, "no such frame folder.")
    # Zero-padded names sort in frame order; sorting by the number also handles unpadded ones.
    images = [
        image
        for image in folder.iterdir()
        if image.name.startswith(prefix)
        and image.suffix.lower() in FRAME_IMAGE_EXTENSIONS
        and image.stem[len(prefix) :].isdigit()
    ]
    return sorted(images, key=lambda image: int(image.stem[len(prefix) :]))


def _read_image(path: Path) -> np.ndarray:
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise VideoReadError(path, "is not a readable image.")
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


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
    kept = {index: geometry.fit(_read_image(images[index])) for index in wanted}
    if indices is None:
        return np.stack([kept[i] for i in range(len(images))])
    return _gather(folder, kept, indices, len(images), on_short, lambda: geometry.fit(_read_image(images[-1])))


# Names users give videos: a file so named is always read, so a ".mp4" that is really a text
# file is reported ("not a video: a text file") rather than left out.
_VIDEO_SUFFIXES = frozenset(
    ".3gp .asf .avi .divx .f4v .flv .m2ts .m4v .mkv .mov .mp4 .mpeg .mpg .mts .ogv .ts .vob .webm .wmv".split()
)


# Names that are never videos (notes, subtitles, images, metadata): left out without being read.
_OTHER_SUFFIXES = frozenset(
    ".bmp .csv .gif .htm .html .jpeg .jpg .json .log .md .nfo .pdf .png .py .srt .sub .tif .tiff .toml .tsv .txt "
    ".vtt .webp .xml .yaml .yml".split()
)


def looks_like_video(path: str | Path) -> bool:
    """Whether a file is a candidate video: named like one, or neither named nor made like notes or an image.

    Files with no extension, or an unusual one, are candidates unless their content says they are text
    or an image; every candidate that FFmpeg then cannot read is reported with its reason.

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "notes").write_text("not a video at all")
    >>> _ = (root / "clip.mp4").write_text("not a video at all")
    >>> looks_like_video(root / "notes"), looks_like_video(root / "clip.mp4")
    (False, True)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _VIDEO_SUFFIXES or suffix in _OTHER_SUFFIXES:
        return suffix in _VIDEO_SUFFIXES
    with open(path, "rb") as file:
        kind = _sniff(file.read(512))
    return not (kind and ("text" in kind or "image" in kind))


def video_files(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """The files under ``folder`` that could be videos by their content (see :func:`looks_like_video`), sorted.

    No extension is needed: a ``.m4v``, ``.mpg`` or ``.ts`` (or a video with no extension) is found;
    a ``notes.txt`` or a thumbnail is not a video by its content and is left out. Hidden files are
    left out too (macOS copies leave ``._clip.avi`` metadata files beside the videos).

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "a.m4v").write_bytes(b"\\x00" * 8) and (root / "notes.txt").write_text("hi") and None
    >>> (root / ".DS_Store").touch(); (root / "b.mpg").touch()
    >>> [path.name for path in video_files(root)]
    ['a.m4v', 'b.mpg']
    """
    folder = Path(folder)
    pattern = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        path
        for path in pattern
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and looks_like_video(path)
    )
