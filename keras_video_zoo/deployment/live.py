"""Classify live video as it arrives: a window scored every ``stride`` frames, keeping up with the stream.

:func:`live_windows` reads a live SOURCE (:mod:`keras_video_zoo.data.live_sources`: network streams, a
webcam, a pipe) on a thread of its own, keeps only the current window (:class:`WindowInputs`, flow
computed pair by pair as frames arrive), and yields a :class:`LiveWindow` for each window it scores,
with the scores smoothed over the last windows and the latency from the window's last frame to its
scores. When scoring is slower than the stream, the windows that arrive meanwhile are dropped, never
queued: only the newest waits, so memory stays flat and the scores stay current; each window says how
many were dropped so far. A dropped connection is opened again with back-off (``reconnect`` times),
and :class:`LiveEvent` s name each drop and resume, each segment as it closes, and the end.

The windows, scores and fusion are :func:`~keras_video_zoo.deployment.timeline.predict_video`'s:
a window scored live has the scores the timeline gives the same frames.

Example:
>>> import tempfile
>>> from keras_video_zoo import create_model
>>> from keras_video_zoo.data.synthetic_real_world import moving_texture
>>> from keras_video_zoo.data.video_writer import encode_video
>>> path = tempfile.mkdtemp() + "/camera.ts"
>>> encode_video(path, moving_texture(64, 96, 24, "left"), "mpeg2video", container_format="mpegts")
>>> results = list(live_windows(create_model("single_frame_tiny.synthetic"), path, window=8, stride=8))
>>> [round(r.start, 2) for r in results if isinstance(r, LiveWindow)], results[-1].kind
([0.0, 0.32, 0.64], 'ended')
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import SILENT
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.live_sources import LiveSourceError, live_fps, live_frames, open_live
from keras_video_zoo.deployment.timeline import Segment, WindowInputs, check_window
from keras_video_zoo.evaluation.video_scoring import VideoScorer
from keras_video_zoo.models.clip_wrappers import pipeline_size
from keras_video_zoo.models.description import describe
from keras_video_zoo.models.pretrained import class_names as model_class_names

BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0)  # waits before each reconnection, the last one repeated


@dataclass(frozen=True)
class LiveWindow:
    """One scored window of a live stream.

    Attributes:
        start_frame: the window's first frame, counted from the stream's start (across reconnections).
        start, end: the window in seconds (frames over the stream's frame rate).
        scores: ``(classes,)`` the window's class scores.
        smoothed: the scores averaged over the last ``smooth`` scored windows.
        label: the smoothed scores' top class.
        top: the smoothed top-k ``(class, score)``.
        latency: seconds from the window's last frame leaving the decoder to its scores.
        dropped: windows dropped so far because scoring was slower than the stream.
    """

    start_frame: int
    start: float
    end: float
    scores: np.ndarray
    smoothed: np.ndarray
    label: str
    top: list[tuple[str, float]]
    latency: float
    dropped: int

    def to_dict(self) -> dict:
        return {
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "label": self.label,
            "top": [[name, round(score, 5)] for name, score in self.top],
            "latency": round(self.latency, 4),
            "dropped": self.dropped,
        }


@dataclass(frozen=True)
class LiveEvent:
    """Something that happened to the stream: ``"segment"`` (one closed), ``"dropped"`` / ``"resumed"`` (the
    connection), ``"ended"`` (end of stream, retries spent, or stopped)."""

    kind: str
    message: str
    segment: Segment | None = None

    def to_dict(self) -> dict:
        found = {"event": self.kind, "message": self.message}
        return found | ({"segment": self.segment.__dict__} if self.segment else {})


@dataclass
class LiveSummary:
    """What a live run did, filled in as it goes (pass one to :func:`live_windows` to read it at the end)."""

    source: str = ""
    frames: int = 0
    windows: int = 0
    dropped: int = 0
    reconnects: int = 0
    latency_total: float = 0.0  # running figures, not a list: a run of hours keeps flat memory
    latency_max: float = 0.0
    ended: str = ""

    @property
    def latency_mean(self) -> float:
        return self.latency_total / self.windows if self.windows else 0.0

    def scored(self, latency: float) -> None:
        """Counts one scored window and its latency."""
        self.windows += 1
        self.latency_total += latency
        self.latency_max = max(self.latency_max, latency)

    def line(self) -> str:
        """One line for people: ``"<source>: 120 windows scored, 3 dropped; latency mean 41 ms, max 90 ms; ..."``."""
        latency = (
            f"latency mean {1000 * self.latency_mean:.0f} ms, max {1000 * self.latency_max:.0f} ms"
            if self.windows
            else "no window scored"
        )
        return (
            f"{self.source}: {self.frames} frames, {self.windows} windows scored, {self.dropped} dropped"
            + (" (scoring was slower than the stream)" if self.dropped else "")
            + f"; {latency}; {self.reconnects} reconnection(s); {self.ended}"
        )


class _Newest:
    """The hand-over between the reading thread and the scorer: the newest window only, and events in order."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.window = None
        self.queue: collections.deque = collections.deque()  # events, and a window that came before one
        self.dropped = 0
        self.finished = False

    def offer(self, window, *, wait: bool) -> None:
        with self.condition:
            if wait:  # a file: nothing is lost by waiting for the scorer
                self.condition.wait_for(lambda: self.window is None or self.finished)
            elif self.window is not None:
                self.dropped += 1
            self.window = (*window, time.monotonic())  # ready now: its latency starts here, not while it waited
            self.condition.notify_all()

    def post(self, event: LiveEvent, *, last: bool = False) -> None:
        with self.condition:
            if self.window is not None:  # it came first: scored before the event is told
                self.queue.append(self.window)
                self.window = None
            self.queue.append(event)
            self.finished = self.finished or last
            self.condition.notify_all()

    def take(self):
        """The next window or event, in order; None once the reader has finished and all is taken."""
        with self.condition:
            self.condition.wait_for(lambda: self.queue or self.window is not None or self.finished)
            if self.queue:
                return self.queue.popleft()
            window, self.window = self.window, None
            self.condition.notify_all()
            return window

    def stop(self) -> None:
        with self.condition:
            self.finished = True
            self.condition.notify_all()


class LiveScorer:
    """Scores the windows of a live stream as they end: the scoring, smoothing and segments that
    :func:`live_windows` and ``kvz app``'s camera tab share.

    Frames a caller receives one by one (a browser's camera) go in through :meth:`push`; the reading
    thread of :func:`live_windows` hands whole windows to :meth:`score`. Either way a window gets the
    timeline's scores for the same frames. The graphs are traced when it is made, not on the first window.

    Args:
        model, window, stride, smooth, top, short_side, class_names: as :func:`live_windows`.
        fps: the stream's frame rate, for the windows' times (set it once the stream says).

    Example:
    >>> from keras_video_zoo import create_model
    >>> scorer = LiveScorer(create_model("single_frame_tiny.synthetic"), window=4, stride=4, fps=10)
    >>> found = [scorer.push(np.zeros((120, 160, 3), np.uint8))[0] for _ in range(8)]
    >>> [(result.start, result.end) for result in found if result is not None]
    [(0.0, 0.4), (0.4, 0.8)]
    """

    def __init__(
        self,
        model,
        *,
        fps: float = 25.0,
        window: int | None = None,
        stride: int | None = None,
        smooth: int = 1,
        top: int = 5,
        short_side: int | None = None,
        class_names: Sequence[str] | None = None,
    ) -> None:
        description = describe(model)
        self.window, self.stride = check_window(model, window, stride)
        if smooth < 1 or top < 1:
            raise ValueError(f"smooth and top must be at least 1; got {smooth} and {top}.")
        self.fps, self.top = float(fps), top
        self.names = list(class_names) if class_names is not None else model_class_names(model)
        side = short_side or max(pipeline_size(stream) for stream in description.streams)
        self.geometry = FrameGeometry.square_of(side)
        self.scorer = VideoScorer(model, short_side=side)
        self.recent: collections.deque = collections.deque(maxlen=smooth)
        self.segment_start, self.segment_label, self.segment_score = 0.0, None, _Mean()
        self.model, self.frames = model, None  # push()'s window, made on the first push: live_windows reads its own
        for stream, kind in ((description.rgb, "rgb"), (description.flow, "flow")):  # trace the graphs now,
            if stream is not None:  # not on the first window: its latency and the windows dropped meanwhile
                self.scorer.score_batch(
                    kind, np.zeros((1, stream.input_shape[1], side, side, stream.input_shape[-1]), "uint8")
                )

    def push(self, frame: np.ndarray) -> tuple[LiveWindow | None, LiveEvent | None]:
        """Adds the next decoded RGB frame (any size); ``(the window that ends here, the segment it closed)``."""
        if self.frames is None:
            self.frames = WindowInputs(self.model, self.window, self.stride)  # only the current window
        start = self.frames.add(self.geometry.fit(frame))
        if start is None:
            return None, None
        return self.score(start, self.frames.inputs(), time.monotonic())

    def score(
        self, start_frame: int, inputs: dict[str, np.ndarray], ready: float, dropped: int = 0
    ) -> tuple[LiveWindow, LiveEvent | None]:
        """Scores one window's inputs (:class:`WindowInputs`), ready since ``ready`` (``time.monotonic()``);
        ``(the window, the segment its label closed or None)``."""
        scorer = self.scorer
        scores = scorer.fuse({kind: scorer.score_batch(kind, x[None]) for kind, x in inputs.items()})[0]
        latency = time.monotonic() - ready
        self.recent.append(scores)
        smoothed = np.mean(self.recent, axis=0)
        label = self.names[int(smoothed.argmax())]
        start = start_frame / self.fps
        closed = None
        if label != self.segment_label:
            closed = self.close(start)
            self.segment_start, self.segment_label, self.segment_score = start, label, _Mean()
        self.segment_score.add(float(smoothed.max()))
        order = np.argsort(smoothed)[::-1][: self.top]
        end = (start_frame + self.window) / self.fps
        top = [(self.names[i], float(smoothed[i])) for i in order]
        return LiveWindow(start_frame, start, end, scores, smoothed, label, top, latency, dropped), closed

    def close(self, end: float) -> LiveEvent | None:
        """The open segment, closed at ``end`` seconds (None before the first window)."""
        if self.segment_label is None:
            return None
        segment = Segment(round(self.segment_start, 3), round(end, 3), self.segment_label, self.segment_score.value)
        self.segment_label = None
        message = f"{segment.start:.2f}-{segment.end:.2f} s {segment.label} {100 * segment.score:.0f}%"
        return LiveEvent("segment", message, segment)


def live_windows(
    model,
    source: str,
    *,
    window: int | None = None,
    stride: int | None = None,
    smooth: int = 1,
    top: int = 5,
    short_side: int | None = None,
    class_names: Sequence[str] | None = None,
    reconnect: int = 0,
    timeout: float = 10.0,
    keep_up: bool | None = None,
    summary: LiveSummary | None = None,
) -> Iterator[LiveWindow | LiveEvent]:
    """Scores a live SOURCE window by window, as it arrives; ends at the end of the stream.

    Args:
        model: an RGB clip model, a temporal stream (flow computed as frames arrive) or a two-stream model.
        source: a URL FFmpeg opens, ``/dev/videoN``, ``-`` (standard input) or a file.
        window, stride, short_side, class_names: as :func:`~keras_video_zoo.deployment.timeline.predict_video`.
        smooth: windows averaged for the smoothed label and the segments.
        top: classes in each window's ``top``.
        reconnect: times a dropped connection is opened again, with back-off (0: end with the stream).
        timeout: seconds to wait for the stream to start, and for each read.
        keep_up: drop windows that arrive while one is being scored (default: for every source but a
            regular file, which waits for the scorer and loses nothing).
        summary: filled in as the run goes: frames, windows, drops, latencies, reconnections.

    Raises:
        LiveSourceError: the source sends no video within ``timeout`` (the first connection).
        ValueError: the model is not an RGB clip model, a temporal stream or a two-stream model.
    """
    if reconnect < 0:
        raise ValueError(f"reconnect must be at least 0; got {reconnect}.")
    scorer = LiveScorer(
        model, window=window, stride=stride, smooth=smooth, top=top, short_side=short_side, class_names=class_names
    )
    summary = summary if summary is not None else LiveSummary()
    summary.source = source
    wait = not (keep_up if keep_up is not None else not Path(source).is_file())
    container = open_live(source, timeout=timeout)  # the first connection fails loudly
    scorer.fps = live_fps(container)
    newest = _Newest()
    reader = threading.Thread(
        target=_read,
        args=(container, source, model, scorer.window, scorer.stride, scorer.geometry, newest, summary),
        kwargs={"reconnect": reconnect, "timeout": timeout, "wait": wait},
        name="kvz-live-reader",
        daemon=True,  # blocked in a network read, it must not keep the process alive
    )
    reader.start()
    try:
        while (item := newest.take()) is not None:
            if isinstance(item, LiveEvent):
                if item.kind == "ended" and (closed := scorer.close(summary.frames / scorer.fps)) is not None:
                    yield closed
                yield item
                continue
            start_frame, inputs, ready = item
            result, closed = scorer.score(start_frame, inputs, ready, newest.dropped)
            if closed is not None:
                yield closed
            summary.scored(result.latency)
            summary.dropped = newest.dropped
            yield result
    finally:  # the caller stopped (Ctrl-C, a break) or the stream ended: let the reader go
        newest.stop()
        summary.dropped = newest.dropped
        summary.ended = summary.ended or "stopped"


class _Mean:
    """A running mean: a segment of hours keeps two numbers, not a score per window."""

    def __init__(self) -> None:
        self.total, self.count = 0.0, 0

    def add(self, value: float) -> None:
        self.total, self.count = self.total + value, self.count + 1

    @property
    def value(self) -> float:
        return self.total / self.count if self.count else 0.0


def _read(container, source, model, window, stride, geometry, newest: _Newest, summary, *, reconnect, timeout, wait):
    """The reading thread: frames into windows, the newest window handed over, connections retried."""
    attempts, offset = 0, 0
    while True:
        windows = WindowInputs(model, window, stride)  # a new connection starts a new window
        errors: list[str] = []
        ended = "end of stream"
        try:
            for frame in live_frames(container, geometry, errors):
                if newest.finished:
                    return
                start = windows.add(frame)
                summary.frames = offset + windows.count
                if start is not None:
                    newest.offer((offset + start, windows.inputs()), wait=wait)
        except Exception as error:  # whatever stops the reading is told, or the scorer would wait forever
            ended = f"reading failed ({type(error).__name__}: {error})"
        finally:
            container.close()
        offset += windows.count
        if errors and errors[-1] == SILENT and ended == "end of stream":  # UDP has no end but silence
            errors.pop()
            ended = f"nothing arrived for {timeout:g} s"
        if errors and ended == "end of stream":
            ended = f"the stream ended after decoder errors (first: {errors[0]!r})"
        if attempts >= reconnect or newest.finished:
            summary.ended = ended
            newest.post(LiveEvent("ended", f"{source}: {ended}"), last=True)
            return
        wait_s = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS) - 1)]
        attempts += 1
        summary.reconnects = attempts
        newest.post(
            LiveEvent("dropped", f"{source}: {ended}; connecting again in {wait_s:g} s ({attempts}/{reconnect})")
        )
        time.sleep(wait_s)
        while True:
            try:
                container = open_live(source, timeout=timeout)
                break
            except LiveSourceError as error:
                if attempts >= reconnect or newest.finished:
                    summary.ended = f"could not connect again ({error.reason})"
                    newest.post(LiveEvent("ended", f"{source}: {summary.ended}"), last=True)
                    return
                wait_s = BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS) - 1)]
                attempts += 1
                summary.reconnects = attempts
                time.sleep(wait_s)
        newest.post(LiveEvent("resumed", f"{source}: resumed at frame {offset} ({attempts}/{reconnect})"))
