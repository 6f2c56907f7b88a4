"""The two decoders (OpenCV, PyAV), opening and probing a container, and why FFmpeg cannot open a file.

OpenCV decodes by default (the fastest decoder measured here) and stops at the first damaged
packet; PyAV skips damaged packets as ``ffmpeg`` does and its error messages are collected.
:mod:`~keras_video_zoo.data.video_io` chooses between them; these are the raw frame streams.

Example:
>>> check_backend("gstreamer")
Traceback (most recent call last):
...
ValueError: backend must be one of ('opencv', 'pyav'); got 'gstreamer'.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from keras_video_zoo.data.geometry import resize_frame
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_files import file_kind, frame_folder_images
from keras_video_zoo.opencv import cv2
from keras_video_zoo.vocabulary import DEINTERLACE_ENV

BACKENDS = ("opencv", "pyav")


@dataclass(frozen=True)
class VideoInfo:
    """What a container reports about a video (``frame_count`` may disagree with what decodes).

    ``height`` and ``width`` are the frames' size as shown (:class:`DisplayGeometry`), and ``display``
    says what turns the stored frames into them (turned, pixels made square, deinterlaced), if anything.

    Example:
    >>> VideoInfo("a.avi", 250, 25.0, 240, 320).duration
    10.0
    """

    path: str
    frame_count: int
    fps: float
    height: int
    width: int
    display: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        """Seconds, from the reported frame count and frame rate (0 when the rate is unknown)."""
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}; got {backend!r}.")


_AV_LOGGING_READY = False


def import_av():
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
    kind = file_kind(head)
    if kind and ("image" in kind or "text" in kind):
        return f"not a video: {kind}."
    av = import_av()
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


# FFmpeg's AVFieldOrder: 0 unknown, 1 progressive, 2-5 the four interlaced field orders.
_INTERLACED_FIELD_ORDERS = (2, 3, 4, 5)


@dataclass(frozen=True)
class DisplayGeometry:
    """How a stored frame becomes the frame a player shows: square pixels, turned upright, fields woven.

    Phones store portrait video landscape with a display matrix that says to turn it; DVDs and
    broadcasts store 16:9 pictures in 720x576 with wide pixels; 1080i broadcasts store two fields
    per frame. Both decoders return the stored frames; :meth:`show` makes them what a player shows,
    the same way for both, and interlaced streams are deinterlaced by FFmpeg's ``yadif``.

    Attributes:
        rotation: degrees counterclockwise the stored frame is turned by (0, 90, 180 or 270).
        pixel_aspect: the width of a stored pixel over its height (``1``: square pixels).
        interlaced: the stream is interlaced and is deinterlaced as it decodes.

    Example:
    >>> import numpy as np
    >>> phone = DisplayGeometry(rotation=90)
    >>> phone.show(np.zeros((1080, 1920, 3), np.uint8)).shape, phone.applied()
    ((1920, 1080, 3), ('turned 90 degrees counterclockwise (display matrix)',))
    >>> DisplayGeometry(pixel_aspect=Fraction(64, 45)).display_size(576, 720)  # PAL 16:9
    (576, 1024)
    """

    rotation: int = 0
    pixel_aspect: Fraction = Fraction(1)
    interlaced: bool = False

    def __post_init__(self) -> None:
        if self.rotation % 90:
            raise ValueError(f"rotation must be a multiple of 90 degrees; got {self.rotation}.")
        object.__setattr__(self, "rotation", self.rotation % 360)
        if self.pixel_aspect <= 0:
            raise ValueError(f"pixel_aspect must be positive; got {self.pixel_aspect}.")

    def display_size(self, height: int, width: int) -> tuple[int, int]:
        """``(H, W)`` of a shown frame stored as ``height x width``."""
        width = max(1, round(width * self.pixel_aspect))
        return (width, height) if self.rotation in (90, 270) else (height, width)

    def show(self, frame: np.ndarray) -> np.ndarray:
        """One stored RGB frame ``(H, W, 3)`` as a player shows it (the frame itself when nothing applies)."""
        if self.pixel_aspect != 1:  # wide or narrow pixels: resample the width, as players scale to the display aspect
            frame = resize_frame(frame, (frame.shape[0], max(1, round(frame.shape[1] * self.pixel_aspect))))
        if self.rotation:
            frame = np.ascontiguousarray(np.rot90(frame, self.rotation // 90))
        return frame

    def applied(self) -> tuple[str, ...]:
        """What :meth:`show` and the decoder do to this video, in words (empty for a plain one)."""
        done = []
        if self.interlaced:
            done.append("deinterlaced (yadif, a frame per frame)")
        if self.pixel_aspect != 1:
            done.append(f"pixels {self.pixel_aspect.numerator}:{self.pixel_aspect.denominator} resampled to square")
        if self.rotation:
            done.append(f"turned {self.rotation} degrees counterclockwise (display matrix)")
        return tuple(done)


def deinterlacing() -> bool:
    """Whether interlaced streams are deinterlaced: yes, unless ``KVZ_DEINTERLACE=0`` (``--no-deinterlace``)."""
    return os.environ.get(DEINTERLACE_ENV, "1") != "0"


def video_display(path: str | Path) -> DisplayGeometry:
    """A video file's :class:`DisplayGeometry`, read once per file version (the plain one if PyAV cannot open it:
    the reader then says why).

    Example:
    >>> video_display("missing.avi")
    DisplayGeometry(rotation=0, pixel_aspect=Fraction(1, 1), interlaced=False)
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return DisplayGeometry()
    return _display_of(str(path), stat.st_mtime_ns, stat.st_size, deinterlacing())


# Read once per file a process (1.3 ms each, about 5 % of reading a 10-frame clip of a 320x240 AVI): room for a
# UCF-101-sized dataset (13,320 videos), so an epoch never reopens a video just to learn how it is shown.
@functools.lru_cache(maxsize=65536)
def _display_of(path: str, _modified: int, _size: int, deinterlace: bool) -> DisplayGeometry:
    av = import_av()
    try:
        container = open_pyav(Path(path))
    except VideoReadError:
        return DisplayGeometry()
    with container:
        stream = container.streams.video[0]
        try:  # the display matrix is side data on the frames; some streams flag interlacing only there
            first = next(iter(container.decode(stream)), None)
        except av.FFmpegError:  # a damaged start: read as stored; the reader reports the damage
            first = None
        return stream_display(stream, first, deinterlace=deinterlace)


def stream_display(stream, first_frame=None, *, deinterlace: bool | None = None) -> DisplayGeometry:
    """The :class:`DisplayGeometry` of a PyAV video stream: its pixel aspect and field order, and the rotation and
    interlacing its first frame carries (``first_frame``: a file's is read ahead, a live stream's as it arrives)."""
    aspect = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    interlaced = stream.codec_context.field_order in _INTERLACED_FIELD_ORDERS
    rotation = 0
    if first_frame is not None:
        rotation, interlaced = round(first_frame.rotation or 0), interlaced or bool(first_frame.interlaced_frame)
    return DisplayGeometry(
        rotation=rotation,
        pixel_aspect=Fraction(aspect) if aspect and aspect > 0 else Fraction(1),
        interlaced=interlaced and (deinterlacing() if deinterlace is None else deinterlace),
    )


def open_opencv(path: Path) -> cv2.VideoCapture:
    # CAP_FFMPEG explicitly: CAP_ANY would let the image-sequence backend "open" non-videos.
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise VideoReadError(path, unreadable_reason(path))
    # Stored frames, as PyAV gives them: DisplayGeometry.show turns both decoders' frames the same way.
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return capture


def open_pyav(path: Path):
    av = import_av()
    try:
        container = av.open(str(path))
    except av.FFmpegError:
        raise VideoReadError(path, unreadable_reason(path)) from None
    if not container.streams.video:
        container.close()
        raise VideoReadError(path, unreadable_reason(path))
    return container


def probe_video(path: str | Path, *, backend: str = "opencv") -> VideoInfo:
    """The container's frame count, frame rate and frame size as shown, without decoding the stream (a frame
    folder: fps 0); ``display`` names what turns stored frames into shown ones (:class:`DisplayGeometry`).

    Raises:
        VideoReadError: the file cannot be opened as a video; the reason says why.

    Example:
    >>> probe_video("missing.avi")
    Traceback (most recent call last):
    ...
    keras_video_zoo.data.video_errors.VideoReadError: missing.avi: no such file.
    """
    check_backend(backend)
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
        capture = open_opencv(path)
        try:
            frame_count = max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
            fps = float(capture.get(cv2.CAP_PROP_FPS))
            height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
            width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        finally:
            capture.release()
    else:
        av = import_av()
        container = open_pyav(path)
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
    display = video_display(path)
    return VideoInfo(str(path), frame_count, fps, *display.display_size(height, width), display.applied())


def stored_frame_count(path: str | Path) -> int:
    """The frame count a container stores in its header (MP4, MOV, AVI, ASF), or 0 when it stores none.

    OpenCV (and :func:`probe_video`) estimate a count from the duration when none is stored; an
    estimate is wrong for a variable frame rate, so only a stored count can show frames missing.
    """
    try:
        with open_pyav(Path(path)) as container:
            return max(0, int(container.streams.video[0].frames))
    except VideoReadError:
        return 0


def opencv_frames(
    capture: cv2.VideoCapture, stop: int | None, display: DisplayGeometry = DisplayGeometry()
) -> Iterator[np.ndarray]:
    """RGB frames as shown until ``stop`` or the first frame that does not decode (OpenCV cannot deinterlace)."""
    index = 0
    # grab() returns False at the real end of the stream (or at damage), whatever the header says: no hang.
    while (stop is None or index < stop) and capture.grab():
        ok, frame = capture.retrieve()
        if not ok or frame is None:
            return
        yield display.show(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        index += 1


def pyav_to_rgb(frame) -> np.ndarray:
    """A decoded frame as RGB, converted exactly as OpenCV's decoder converts it: swscale to BGR24, bicubic (the
    flag OpenCV passes; 8-bit 4:2:0 takes swscale's unscaled path, where it does not enter and which is as fast as
    OpenCV's own I420 conversion), so both decoders give the same pixels, 10-bit and 4:2:2 sources included."""
    options = {} if frame.format.name == "yuv420p" else {"interpolation": "BICUBIC"}
    return cv2.cvtColor(frame.to_ndarray(format="bgr24", **options), cv2.COLOR_BGR2RGB)


SILENT = "nothing arrived before the read timeout"  # how a live source that stops sending ends


def pyav_frames(
    container, stop: int | None, errors: list[str], display: DisplayGeometry | None = DisplayGeometry()
) -> Iterator[np.ndarray]:
    """RGB frames as shown until ``stop``, skipping packets that do not decode (their errors go to ``errors``).

    ``display=None``: as the first frame that decodes says (a live source, read once, cannot be looked at ahead).
    """
    av = import_av()
    stream = container.streams.video[0]
    with av.logging.Capture(local=True) as logs:
        try:
            frames = _decodable_frames(container, stream, errors)
            if display is None:
                first = next(frames, None)
                if first is None:
                    return
                display, frames = stream_display(stream, first), itertools.chain([first], frames)
            if display.interlaced:
                frames = _deinterlaced(stream, frames)
            for index, frame in enumerate(frames):
                if stop is not None and index >= stop:
                    return
                yield display.show(pyav_to_rgb(frame))
        except av.ExitError:  # PyAV's timeout interrupted a read: a live source went silent (files never do)
            errors.append(SILENT)
        except av.FFmpegError as error:  # a broken container: the stream ends here
            errors.append(f"the container ends in damage ({error.strerror})")
        finally:
            # FFmpeg's own words come first: they say what was damaged.
            errors[:0] = [f"{name}: {message.strip()}" for level, name, message in logs if level <= av.logging.ERROR]


def _decodable_frames(container, stream, errors: list[str]):
    av = import_av()
    try:
        for packet in container.demux(stream):
            try:
                decoded = packet.decode()
            except av.FFmpegError as error:  # a damaged packet: ffmpeg skips it, so do we
                errors.append(f"a packet does not decode ({error.strerror})")
                continue
            yield from decoded
    except av.FFmpegError:  # the container ends in damage (or a connection drops): the frames the decoder holds back
        try:  # for reordering are still good
            yield from stream.codec_context.decode(None)
        except av.FFmpegError:
            pass
        raise


def _deinterlaced(stream, frames):
    """PyAV frames through FFmpeg's yadif (a frame per frame, so frame indices keep their meaning)."""
    av = import_av()
    graph = av.filter.Graph()
    source, sink = graph.add_buffer(template=stream), graph.add("buffersink")
    yadif = graph.add("yadif", "mode=send_frame:parity=auto:deint=all")
    source.link_to(yadif)
    yadif.link_to(sink)
    graph.configure()

    def ready():
        while True:
            try:
                yield graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return

    for frame in frames:
        graph.push(frame)
        yield from ready()
    graph.push(None)  # yadif holds a frame back to look ahead: flush it
    yield from ready()
