"""Decode videos (or folders of extracted frames) to uint8 RGB frames, robustly.

OpenCV is the default backend (the fastest decoder measured here); PyAV is an
option (``backend="pyav"``, the ``pyav`` extra). Both decode sequentially up to the
last frame asked for, never seek frame by frame, and stop where decoding really
stops, so a container whose reported frame count is wrong can neither hang nor crash
a reader: it raises :class:`ShortVideoError` with the true count instead. Corrupt,
truncated, zero-frame and non-video files raise :class:`VideoReadError` naming the
file; :class:`SkippedVideos` lets a pipeline skip and count them with a warning.

Example:
>>> import tempfile, cv2, numpy as np
>>> path = tempfile.mkdtemp() + "/demo.avi"
>>> writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"XVID"), 25, (64, 48))
>>> for value in range(0, 250, 25):
...     _ = writer.write(np.full((48, 64, 3), value, np.uint8))
>>> writer.release()
>>> read_frames(path, [9, 0, 0]).shape, count_frames(path)
((3, 48, 64, 3), 10)
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_video_zoo.opencv import cv2

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".webm", ".mov")
BACKENDS = ("opencv", "pyav")
FRAME_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
SHORT_VIDEO_POLICIES = ("raise", "clamp")


class VideoReadError(ValueError):
    """A video could not be read: missing, corrupt, truncated, zero frames, or not a video.

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
    """

    def __init__(self, path: str | Path, decoded_frames: int, requested: int) -> None:
        super().__init__(
            path,
            f"asked for frame {requested} but only {decoded_frames} frames decode "
            f"(indices must be < {decoded_frames}; the container's reported frame count may be wrong).",
        )
        self.decoded_frames = decoded_frames
        self.requested = requested


class UnreadableVideoWarning(UserWarning):
    """A pipeline skipped a video it could not read."""


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


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise VideoReadError(path, "no such file.")


def _open_opencv(path: Path) -> cv2.VideoCapture:
    # CAP_FFMPEG explicitly: CAP_ANY would let the image-sequence backend "open" non-videos.
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise VideoReadError(path, "cannot be opened as a video (corrupt, truncated header, or not a video).")
    return capture


def _import_av():
    try:
        import av
    except ImportError as error:  # pragma: no cover - av is in the test extra
        raise ImportError(
            "backend='pyav' needs PyAV: pip install 'keras-video-zoo[pyav]' (or pip install av)."
        ) from error
    return av


def _open_pyav(path: Path):
    av = _import_av()
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as error:
        raise VideoReadError(path, f"cannot be opened as a video ({error}).") from error
    if not container.streams.video:
        container.close()
        raise VideoReadError(path, "has no video stream.")
    return container


def probe_video(path: str | Path, *, backend: str = "opencv") -> VideoInfo:
    """The container's frame count, frame rate and frame size, without decoding (a frame folder: fps 0).

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
            raise VideoReadError(path, "no frame images named img_<number>.jpg in the folder.")
        first = cv2.imread(str(images[0]), cv2.IMREAD_COLOR)
        if first is None:
            raise VideoReadError(images[0], "is not a readable image.")
        return VideoInfo(str(path), len(images), 0.0, first.shape[0], first.shape[1])
    _check_exists(path)
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
        raise VideoReadError(path, "reports no frame size (corrupt header or not a video).")
    return VideoInfo(str(path), frame_count, fps, height, width)


def _opencv_frames(path: Path, stop: int | None, convert: bool) -> Iterator[np.ndarray | None]:
    """Frames 0, 1, ... (RGB, or None when ``convert`` is False) until ``stop`` or the video ends."""
    capture = _open_opencv(path)
    try:
        index = 0
        # grab() returns False at the real end of the stream, whatever the header says: no hang.
        while (stop is None or index < stop) and capture.grab():
            if convert:
                ok, frame = capture.retrieve()
                if not ok or frame is None:
                    break
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            else:
                yield None
            index += 1
    finally:
        capture.release()


def _pyav_to_rgb(frame) -> np.ndarray:
    # YUV -> RGB with OpenCV is much faster than PyAV's to_ndarray("rgb24") (DATA.md).
    if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
        return cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
    return frame.to_ndarray(format="rgb24")


def _pyav_frames(path: Path, stop: int | None, convert: bool) -> Iterator[np.ndarray | None]:
    av = _import_av()
    container = _open_pyav(path)
    index = 0
    try:
        stream = container.streams.video[0]
        try:
            for frame in container.decode(stream):
                if stop is not None and index >= stop:
                    break
                yield _pyav_to_rgb(frame) if convert else None
                index += 1
        except av.FFmpegError as error:
            # A damaged tail ends the video where it breaks, as OpenCV does; nothing at all is an error.
            if index == 0:
                raise VideoReadError(path, f"no frame decodes ({error}).") from error
    finally:
        container.close()


def _frame_iterator(path: Path, backend: str, stop: int | None, convert: bool) -> Iterator[np.ndarray | None]:
    return (_opencv_frames if backend == "opencv" else _pyav_frames)(path, stop, convert)


def count_frames(path: str | Path, *, backend: str = "opencv") -> int:
    """Frames that really decode (grabbed without colour conversion); the container may report otherwise.

    Raises:
        VideoReadError: the file is missing, unreadable or has no frame.
    """
    _check_backend(backend)
    path = Path(path)
    if path.is_dir():
        return len(frame_folder_images(path))
    _check_exists(path)
    count = sum(1 for _ in _frame_iterator(path, backend, None, convert=False))
    if count == 0:
        raise VideoReadError(path, "no frame decodes (zero-frame, corrupt or truncated video).")
    return count


def _resize(frame: np.ndarray, size: tuple[int, int] | None, short_side: int | None) -> np.ndarray:
    if size is None and short_side is None:
        return frame
    height, width = frame.shape[:2]
    if size is not None:
        new_height, new_width = size
    else:
        scale = short_side / min(height, width)
        new_height, new_width = max(1, round(height * scale)), max(1, round(width * scale))
    if (new_height, new_width) == (height, width):
        return frame
    # INTER_AREA avoids aliasing when shrinking; INTER_LINEAR is the usual choice when enlarging.
    shrinking = new_height * new_width < height * width
    return cv2.resize(frame, (new_width, new_height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def _check_read_arguments(
    indices: Sequence[int] | None, size: tuple[int, int] | None, short_side: int | None, on_short: str
) -> list[int] | None:
    if size is not None and short_side is not None:
        raise ValueError("give size=(H, W) or short_side=S, not both.")
    if size is not None and (len(size) != 2 or min(size) < 1):
        raise ValueError(f"size must be (height, width) with positive sides; got {size!r}.")
    if short_side is not None and short_side < 1:
        raise ValueError(f"short_side must be positive; got {short_side!r}.")
    if on_short not in SHORT_VIDEO_POLICIES:
        raise ValueError(f"on_short must be one of {SHORT_VIDEO_POLICIES}; got {on_short!r}.")
    if indices is None:
        return None
    indices = [int(index) for index in indices]
    if not indices:
        raise ValueError("indices is empty; pass None to read every frame.")
    if min(indices) < 0:
        raise ValueError(f"frame indices must be >= 0; got {min(indices)}.")
    return indices


def read_frames(
    path: str | Path,
    indices: Sequence[int] | None = None,
    *,
    backend: str = "opencv",
    size: tuple[int, int] | None = None,
    short_side: int | None = None,
    on_short: str = "raise",
) -> np.ndarray:
    """Decode frames of a video (or of an extracted frame folder) to uint8 RGB.

    Decodes sequentially once up to ``max(indices)`` (no per-frame seeking, which is
    slow and not frame-accurate on many codecs) and keeps only the frames asked for.

    Args:
        path: a video file, or a folder of extracted frames (``img_00001.jpg`` ...).
        indices: frame indices in any order, repeats allowed; ``None`` reads every frame.
        backend: ``"opencv"`` (default) or ``"pyav"``.
        size: ``(height, width)`` to resize every frame to.
        short_side: resize so the shorter side is this long, keeping the aspect ratio.
        on_short: ``"raise"`` (default) raises :class:`ShortVideoError` when the video
            ends before an index; ``"clamp"`` uses the last decoded frame for those indices.

    Returns:
        ``(len(indices), H, W, 3)`` uint8 RGB array.

    Raises:
        VideoReadError: missing, unreadable, zero-frame file.
        ShortVideoError: an index is beyond the frames that decode (with ``on_short="raise"``).

    Example:
    >>> import tempfile, cv2, numpy as np
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
    _check_backend(backend)
    indices = _check_read_arguments(indices, size, short_side, on_short)
    path = Path(path)
    if path.is_dir():
        return read_frame_folder(path, indices, size=size, short_side=short_side, on_short=on_short)
    _check_exists(path)
    stop = None if indices is None else max(indices) + 1
    wanted = None if indices is None else set(indices)
    kept: dict[int, np.ndarray] = {}
    decoded = 0
    last = None
    for index, frame in enumerate(_frame_iterator(path, backend, stop, convert=True)):
        decoded = index + 1
        if wanted is None or index in wanted:
            kept[index] = _resize(frame, size, short_side)
        last = frame
    if decoded == 0:
        raise VideoReadError(path, "no frame decodes (zero-frame, corrupt or truncated video).")
    if indices is None:
        return np.stack([kept[i] for i in range(decoded)])
    return _gather(path, kept, indices, decoded, on_short, lambda: _resize(last, size, short_side))


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


def read_frame_folder(
    folder: str | Path,
    indices: Sequence[int] | None = None,
    *,
    prefix: str = "img_",
    size: tuple[int, int] | None = None,
    short_side: int | None = None,
    on_short: str = "raise",
) -> np.ndarray:
    """:func:`read_frames` for a folder of extracted frames: frame ``i`` is the ``i``-th image (0-based).

    Example:
    >>> import tempfile, cv2, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> for n in range(1, 4):
    ...     _ = cv2.imwrite(f"{folder}/img_{n:05d}.jpg", np.full((8, 8, 3), 60 * n, np.uint8))
    >>> frames = read_frame_folder(folder, [2, 0])
    >>> frames.shape, int(frames[0].mean()) // 10, int(frames[1].mean()) // 10
    ((2, 8, 8, 3), 18, 6)
    """
    indices = _check_read_arguments(indices, size, short_side, on_short)
    folder = Path(folder)
    images = frame_folder_images(folder, prefix)
    if not images:
        raise VideoReadError(folder, f"no frame images named {prefix}<number>{FRAME_IMAGE_EXTENSIONS} in the folder.")
    wanted = range(len(images)) if indices is None else sorted(set(i for i in indices if i < len(images)))
    kept = {}
    for index in wanted:
        frame = cv2.imread(str(images[index]), cv2.IMREAD_COLOR)
        if frame is None:
            raise VideoReadError(images[index], "is not a readable image.")
        kept[index] = _resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), size, short_side)
    if indices is None:
        return np.stack([kept[i] for i in range(len(images))])

    def last_frame() -> np.ndarray:
        frame = cv2.imread(str(images[-1]), cv2.IMREAD_COLOR)
        if frame is None:
            raise VideoReadError(images[-1], "is not a readable image.")
        return _resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), size, short_side)

    return _gather(folder, kept, indices, len(images), on_short, last_frame)


class SkippedVideos:
    """Skip-and-count for pipelines: reads a video, or warns naming it, counts it and returns ``None``.

    Thread-safe (tf.data calls Python from several threads), so one counter can serve
    a whole epoch; an epoch never dies on one bad video. Only :class:`VideoReadError`
    is caught: a bad argument (``ValueError``) is a bug and still raises.

    Attributes:
        reasons: path -> why it was skipped, in the order they were met.

    Example:
    >>> skipped = SkippedVideos()
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     skipped.read("missing.avi", [0]) is None
    True
    >>> skipped.count, str(caught[0].message)
    (1, 'skipping unreadable video missing.avi: no such file.')
    """

    def __init__(self) -> None:
        self.reasons: dict[str, str] = {}
        self._lock = threading.Lock()

    def record(self, error: VideoReadError) -> None:
        """Count a failure and warn once for its file."""
        with self._lock:
            first_time = error.path not in self.reasons
            self.reasons[error.path] = error.reason
        if first_time:
            warnings.warn(
                f"skipping unreadable video {error.path}: {error.reason}", UnreadableVideoWarning, stacklevel=3
            )

    def read(self, path: str | Path, indices: Sequence[int] | None = None, **read_options) -> np.ndarray | None:
        """:func:`read_frames` with the same arguments, or ``None`` (counted, warned) if the video is unreadable."""
        try:
            return read_frames(path, indices, **read_options)
        except VideoReadError as error:
            self.record(error)
            return None

    @property
    def count(self) -> int:
        """How many distinct files were skipped."""
        return len(self.reasons)

    def summary(self, limit: int = 5) -> str:
        """One line for logs: how many were skipped and a few of them with their reasons."""
        if not self.reasons:
            return "no unreadable videos"
        shown = "; ".join(f"{path}: {reason}" for path, reason in list(self.reasons.items())[:limit])
        more = f" (and {self.count - limit} more)" if self.count > limit else ""
        return f"{self.count} unreadable video(s) skipped: {shown}{more}"


def safe_read(
    path: str | Path, indices: Sequence[int] | None = None, *, skipped: SkippedVideos | None = None, **read_options
) -> np.ndarray | None:
    """:func:`read_frames`, or ``None`` with an :class:`UnreadableVideoWarning` naming the file.

    Pass a shared ``skipped`` counter to count failures across calls.

    Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     print(safe_read("missing.avi"))
    None
    """
    return (skipped if skipped is not None else SkippedVideos()).read(path, indices, **read_options)


def is_video_file(path: str | Path) -> bool:
    """Whether the name ends in one of :data:`VIDEO_EXTENSIONS` (any case).

    Example:
    >>> is_video_file("a/B.MP4"), is_video_file("notes.txt")
    (True, False)
    """
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS
