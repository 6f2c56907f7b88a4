"""Classify a video of any length: sliding windows over a decoded stream, merged into labelled segments.

:func:`predict_video` decodes the video once, as a stream (frames fitted to the model's pipeline
square as they come), keeps only the frames of the current window, scores windows in batches, and
returns a :class:`Timeline`: per-window scores, merged :class:`Segment` s (start, end, label,
score) and the video-level scores (the windows' average, as Karpathy et al. average clips). Memory
does not grow with the video's length. RGB clip models score each window's frames; temporal
streams its flow, computed on the fly pair by pair (DIS, as ``kvz flow``); two-stream models fuse
both streams' window scores as the model fuses them (average or its SVM).

Example:
>>> import tempfile
>>> from keras_video_zoo import create_model
>>> from keras_video_zoo.data.synthetic_real_world import moving_texture
>>> from keras_video_zoo.data.video_writer import encode_video
>>> path = tempfile.mkdtemp() + "/pan.mp4"
>>> encode_video(path, moving_texture(64, 96, 40, "left"), "libx264")
>>> timeline = predict_video(create_model("single_frame_tiny.synthetic"), path, window=8, stride=8)
>>> len(timeline.starts), timeline.starts.tolist()[:3], timeline.scores.shape
(5, [0, 8, 16], (5, 10))
>>> timeline.segments[0].start, round(timeline.segments[-1].end, 2)
(0.0, 1.6)
"""

from __future__ import annotations

import collections
import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import probe_video, stored_frame_count
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.video_errors import VideoReadError, describe_damage
from keras_video_zoo.data.video_io import iter_frames
from keras_video_zoo.evaluation.video_scoring import VideoScorer
from keras_video_zoo.flow.extraction import DEFAULT_ALGORITHM, FlowExtractor, to_gray
from keras_video_zoo.flow.live import quantized_stack
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND
from keras_video_zoo.flow.stacking import stack_indices, tau_range
from keras_video_zoo.models.clip_wrappers import pipeline_size
from keras_video_zoo.models.description import describe, flow_stacking
from keras_video_zoo.models.pretrained import class_names as model_class_names

DEFAULT_FPS = 25.0  # for a container that reports no frame rate (a frame folder)


@dataclass(frozen=True)
class Segment:
    """A stretch of the video with one top class: ``start`` and ``end`` in seconds, the class and its mean score."""

    start: float
    end: float
    label: str
    score: float


@dataclass
class Timeline:
    """What :func:`predict_video` found.

    Attributes:
        path: the video.
        class_names: the model's classes, in score order.
        fps: frames per second (the container's; 25 when it reports none).
        window: frames per window; ``stride``: frames between window starts.
        starts: ``(n,)`` first frame of each window.
        scores: ``(n, classes)`` each window's class scores.
        video_scores: ``(classes,)`` the windows' average.
        segments: consecutive windows with the same top class, merged.
        frames: frames decoded.
        damage: what was wrong with the video (``describe_damage``), or None.
    """

    path: str
    class_names: list[str]
    fps: float
    window: int
    stride: int
    starts: np.ndarray
    scores: np.ndarray
    video_scores: np.ndarray
    segments: list[Segment] = field(default_factory=list)
    frames: int = 0
    damage: str | None = None

    @property
    def centres(self) -> np.ndarray:
        """Each window's middle, in seconds."""
        return (self.starts + self.window / 2) / self.fps

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The video's top-k classes with their scores."""
        order = np.argsort(self.video_scores)[::-1][:k]
        return [(self.class_names[i], float(self.video_scores[i])) for i in order]

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "class_names": self.class_names,
            "fps": self.fps,
            "window": self.window,
            "stride": self.stride,
            "frames": self.frames,
            "damage": self.damage,
            "video_scores": self.video_scores.tolist(),
            "top": self.top(),
            "segments": [asdict(segment) for segment in self.segments],
            "windows": [
                {"start_frame": int(start), "start": float(start / self.fps), "scores": row.tolist()}
                for start, row in zip(self.starts, self.scores, strict=True)
            ],
        }

    def write(self, folder: str | Path, *, plot: bool = True) -> dict[str, Path]:
        """Writes ``<stem>.json``, ``<stem>.csv`` (a row per window) and ``<stem>.png`` (class probabilities over
        time, the top classes drawn) into ``folder``; returns their paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(self.path).name
        written = {"json": folder / f"{stem}.json", "csv": folder / f"{stem}.csv"}
        written["json"].write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        with open(written["csv"], "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["start_frame", "start_s", "end_s", "top_class", *self.class_names])
            for start, row in zip(self.starts, self.scores, strict=True):
                end = (start + self.window) / self.fps
                writer.writerow(
                    [
                        int(start),
                        f"{start / self.fps:.3f}",
                        f"{end:.3f}",
                        self.class_names[row.argmax()],
                        *(f"{value:.5f}" for value in row),
                    ]
                )
        if plot:
            written["png"] = folder / f"{stem}.png"
            plot_timeline(self, written["png"])
        return written


def plot_timeline(timeline: Timeline, path: str | Path, *, classes: int = 5) -> None:
    """The top classes' probabilities against time, with the segments shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(9, 3.2))
    for index in np.argsort(timeline.video_scores)[::-1][:classes]:
        axis.plot(timeline.centres, timeline.scores[:, index], label=timeline.class_names[index])
    for number, segment in enumerate(timeline.segments):
        axis.axvspan(segment.start, segment.end, color=f"C{number % 2 + 8}", alpha=0.08)
    axis.set(xlabel="seconds", ylabel="probability", ylim=(0, 1), title=Path(timeline.path).name)
    axis.legend(loc="upper right", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def merge_segments(
    centres: np.ndarray, scores: np.ndarray, class_names: Sequence[str], *, end: float, smooth: int = 1
) -> list[Segment]:
    """Consecutive windows with the same top class, as segments that meet halfway between window centres.

    Args:
        centres: each window's middle, in seconds.
        scores: ``(windows, classes)``.
        class_names: the classes.
        end: the video's duration (the last segment ends there).
        smooth: average the scores over this many neighbouring windows first (1: as they are).

    Example:
    >>> scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8]])
    >>> [(s.start, s.end, s.label) for s in merge_segments(np.array([0.5, 1.5, 2.5, 3.5]), scores, "ab", end=4)]
    [(0.0, 2.0, 'a'), (2.0, 4.0, 'b')]
    """
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        padded = np.pad(scores, ((smooth // 2, smooth - 1 - smooth // 2), (0, 0)), mode="edge")
        scores = np.stack([np.convolve(padded[:, c], kernel, mode="valid") for c in range(scores.shape[1])], 1)
    labels = scores.argmax(axis=1)
    bounds = [0.0, *((centres[1:] + centres[:-1]) / 2).tolist(), float(end)]
    segments, first = [], 0
    for index in range(1, len(labels) + 1):
        if index == len(labels) or labels[index] != labels[first]:
            label = int(labels[first])
            score = float(scores[first:index, label].mean())
            segments.append(Segment(round(bounds[first], 3), round(bounds[index], 3), class_names[label], score))
            first = index
    return segments


class _FlowStream:
    """Flow fields of consecutive frames, computed as frames arrive; the stack of the current window on demand."""

    def __init__(self, fields: int, mode: str, window: int, bound: float, algorithm: str) -> None:
        self.fields, self.mode, self.bound = fields, mode, bound
        self.extractor = FlowExtractor(algorithm)
        self.forward: collections.deque = collections.deque(maxlen=window - 1)
        self.backward: collections.deque = collections.deque(maxlen=window - 1)
        self.previous = None
        tau = tau_range(mode, fields, window - 1)[0]  # the window's first stack, numbered from its first frame
        self.numbers = stack_indices(mode, tau, fields, window - 1)

    def add(self, frame: np.ndarray) -> None:
        gray = to_gray(frame)
        if self.previous is not None:
            self.forward.append(self.extractor(self.previous, gray))
            if self.numbers["backward"]:
                self.backward.append(self.extractor(gray, self.previous))
        self.previous = gray

    def stack(self) -> np.ndarray:
        fields = {"forward": self.forward, "backward": self.backward}
        return quantized_stack(lambda direction, k: fields[direction][k], self.numbers, self.mode, self.bound)


def _streams(model):
    """(streams, the RGB stream or None, the flow stream or None, frames a window needs)."""
    description = describe(model)
    rgb, flow = description.rgb, description.flow
    needed = max(rgb.input_shape[1] if rgb is not None else 1, flow.input_shape[1] + 1 if flow is not None else 1)
    return description.streams, rgb, flow, needed


class WindowInputs:
    """Sliding windows over a stream of frames: each frame is added as it arrives, and when a window ends at it,
    the model's inputs for that window (an RGB clip of evenly spaced frames, a flow stack computed pair by pair)
    are ready. Only the current window is kept, whatever the stream's length.

    Args:
        model: an RGB clip model, a temporal stream or a two-stream model.
        window, stride: as :func:`check_window` returns them.
        flow_mode: the temporal stream's stacking (default: the one the model records).

    Example:
    >>> from keras_video_zoo import create_model
    >>> windows = WindowInputs(create_model("single_frame_tiny"), window=4, stride=2)
    >>> [windows.add(np.zeros((75, 75, 3), np.uint8)) for _ in range(8)]
    [None, None, None, 0, None, 2, None, 4]
    >>> {kind: x.shape for kind, x in windows.inputs().items()}
    {'rgb': (1, 75, 75, 3)}
    """

    def __init__(self, model, window: int, stride: int, *, flow_mode: str | None = None) -> None:
        _, self.rgb, self.flow, _ = _streams(model)
        self.window, self.stride, self.count = window, stride, 0
        self.frames: collections.deque = collections.deque(maxlen=window)
        if self.rgb is not None:
            self.rgb_positions = np.rint(np.linspace(0, window - 1, self.rgb.input_shape[1])).astype(int)
        if self.flow is not None:
            mode = flow_mode or flow_stacking(self.flow)
            self.flow_stream = _FlowStream(self.flow.input_shape[1], mode, window, DEFAULT_BOUND, DEFAULT_ALGORITHM)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, stream in (("rgb", self.rgb), ("flow", self.flow)) if stream is not None]

    def add(self, frame: np.ndarray) -> int | None:
        """Adds the next (fitted) frame; returns the first frame of the window that ends here, or None."""
        self.frames.append(frame)
        if self.flow is not None:
            self.flow_stream.add(frame)
        self.count += 1
        start = self.count - self.window
        return start if start >= 0 and start % self.stride == 0 else None

    def inputs(self) -> dict[str, np.ndarray]:
        """The current window's input for each stream (``"rgb"``: ``(T, S, S, 3)``, ``"flow"``: ``(L, S, S, 2)``)."""
        found = {}
        if self.rgb is not None:
            found["rgb"] = np.stack([self.frames[i] for i in self.rgb_positions])
        if self.flow is not None:
            found["flow"] = self.flow_stream.stack()
        return found


def check_window(model, window: int | None, stride: int | None) -> tuple[int, int]:
    """The window and stride :func:`predict_video` uses for ``model``; a ValueError when they cannot serve it.

    Example:
    >>> from keras_video_zoo import create_model
    >>> check_window(create_model("slow_fusion_tiny"), None, None)
    (10, 5)
    >>> check_window(create_model("temporal_stream_tiny"), 8, None)
    Traceback (most recent call last):
    ...
    ValueError: a window of 8 frames is shorter than temporal_stream_tiny's input (11 frames).
    """
    needed = _streams(model)[3]
    window = int(window or needed)
    if window < needed:
        raise ValueError(f"a window of {window} frames is shorter than {model.name}'s input ({needed} frames).")
    stride = int(stride or max(1, window // 2))
    if stride < 1:
        raise ValueError(f"stride must be at least 1 frame; got {stride}.")
    return window, stride


def predict_video(
    model,
    path: str | Path,
    *,
    window: int | None = None,
    stride: int | None = None,
    batch_size: int = 16,
    smooth: int = 1,
    short_side: int | None = None,
    flow_mode: str | None = None,
    class_names: Sequence[str] | None = None,
    backend: str = "opencv",
) -> Timeline:
    """Scores sliding windows over a whole video, decoded once as a stream.

    Args:
        model: an RGB clip model ``(T, H, W, 3)``, a temporal stream ``(L, H, W, 2)`` or a two-stream model.
        path: a video file (any container) or a frame folder.
        window: frames per window (default: the model's clip, ``T``, or ``L + 1`` frames for flow; two-stream:
            the larger). An RGB model sees ``T`` frames evenly spaced over the window.
        stride: frames from one window's start to the next (default: half a window, at least 1).
        batch_size: windows scored at once.
        smooth: average the window scores over this many windows before merging segments.
        short_side: the side of the centred square frames are fitted to (default: the model's pipeline size).
        flow_mode: the temporal stream's stacking (default: the one the model records).
        class_names: the classes (default: the model's record, else ``class_0 ...``).
        backend: the decoder.

    Returns:
        The :class:`Timeline`.

    Raises:
        VideoReadError: the video cannot be read, or is shorter than one window (the reason says so).
        ValueError: the model is not an RGB clip model, a temporal stream or a two-stream model.
    """
    streams, _, _, needed = _streams(model)
    window, stride = check_window(model, window, stride)
    if batch_size < 1 or smooth < 1:
        raise ValueError(f"batch_size and smooth must be at least 1; got {batch_size}, {smooth}.")
    names = list(class_names) if class_names is not None else model_class_names(model)
    side = short_side or max(pipeline_size(s) for s in streams)
    geometry = FrameGeometry.square_of(side)
    scorer = VideoScorer(model, short_side=side)  # the same scoring and fusion as a whole video's
    windows = WindowInputs(model, window, stride, flow_mode=flow_mode)
    info = probe_video(path, backend=backend)
    fps = info.fps if info.fps > 0 else DEFAULT_FPS

    pending: dict[str, list[np.ndarray]] = {kind: [] for kind in windows.kinds}
    scores: dict[str, list[np.ndarray]] = {kind: [] for kind in windows.kinds}
    starts: list[int] = []

    def score_pending() -> None:
        for kind, batch in pending.items():
            if batch:
                scores[kind].append(scorer.score_batch(kind, np.stack(batch)))
                batch.clear()

    errors: list[str] = []
    for frame in iter_frames(path, geometry=geometry, backend=backend, decoder_errors=errors):
        start = windows.add(frame)
        if start is None:
            continue
        starts.append(start)
        for kind, inputs in windows.inputs().items():
            pending[kind].append(inputs)
        if len(starts) % batch_size == 0:
            score_pending()
    count = windows.count
    if count < window:
        raise VideoReadError(
            path,
            f"{count} frame(s): shorter than one window of {window} frames"
            + (f"; pass a smaller window (at least {needed})." if count >= needed else f" (the model needs {needed})."),
        )
    score_pending()
    window_scores = scorer.fuse({kind: np.concatenate(parts) for kind, parts in scores.items()}).astype(np.float64)
    starts_array = np.array(starts)
    centres = (starts_array + window / 2) / fps
    reported = stored_frame_count(path) if Path(path).is_file() else count
    return Timeline(
        path=str(path),
        class_names=names,
        fps=fps,
        window=window,
        stride=stride,
        starts=starts_array,
        scores=window_scores,
        video_scores=window_scores.mean(axis=0),
        segments=merge_segments(centres, window_scores, names, end=count / fps, smooth=smooth),
        frames=count,
        damage=describe_damage(count, reported, errors),
    )
