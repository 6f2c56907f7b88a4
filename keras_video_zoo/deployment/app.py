"""A web page for a model (``kvz app``, the ``app`` extra): a video file, a camera or a stream, classified.

The page is a Gradio app, the kind of demo people publish next to a Hub checkpoint, with three tabs:

- **Video file**: drop a video (or click an example) and it plays; *Classify* shows the top-5 classes of the
  whole video, its class probabilities over time and its segments
  (:func:`~keras_video_zoo.deployment.timeline.predict_video`). A video browsers do not play (UCF-101's AVIs,
  broadcasts, ProRes) plays as an H.264 copy of what kvz reads (:mod:`~keras_video_zoo.deployment.playable`);
  the scores are always the file's own. A file that is not a readable video gets kvz's reason.
- **Camera**: the browser's camera, a frame every ``1 / CAMERA_FPS`` s, scored window by window as it
  arrives (:class:`~keras_video_zoo.deployment.live.LiveScorer`): the live top-5, the last windows' top
  classes over time, and the segments as they close.
- **Stream**: the same for any live source FFmpeg opens (``rtsp://``, ``http(s)://``, HLS, ``/dev/video0``)
  through :func:`~keras_video_zoo.deployment.live.live_windows`, until the stream ends or *Stop*.

Example (starts a server, so not run here)::

    from keras_video_zoo import create_model
    from keras_video_zoo.deployment.app import build_app, example_clips
    model = create_model("slow_fusion_tiny.synthetic")
    build_app(model, examples=example_clips(model, "/tmp/examples")).launch()
"""

from __future__ import annotations

import collections
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.synthetic_dataset import CLASS_SPECS, class_order, render_video
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment.live import LiveEvent, LiveScorer, LiveSummary, LiveWindow, live_windows
from keras_video_zoo.deployment.playable import playable_copy
from keras_video_zoo.deployment.timeline import predict_video
from keras_video_zoo.models.pretrained import class_names as model_class_names

TOP = 5
CAMERA_FPS = 10  # the camera tab's frames a second: Gradio sends the server a frame every 1 / CAMERA_FPS s
PLOTTED_WINDOWS = 120  # the live plot's memory: a page left open for hours keeps flat memory
LOGGED_EVENTS = 12
KEPT_COPIES = 16  # browser-playable copies kept on disk at once (each is already in Gradio's cache)
EXAMPLE_FRAMES, EXAMPLE_SIZE = 50, (144, 144)  # 2 s at 25 fps: a few windows for any bundled model


def _import_gradio():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a local demo
    try:
        import gradio
    except ImportError as error:
        raise ImportError("the web demo needs Gradio: pip install 'keras-video-zoo[app]'") from error
    return gradio


def example_clips(model, folder: str | Path, *, per_class: int = 1) -> list[Path]:
    """Example videos for the page: for a model trained on a synthetic set (its labels are that set's classes),
    ``per_class`` unseen clips of each class as browser-playable MP4s in ``folder``; none for other models
    (pass your own files to :func:`build_app`).

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> [path.name for path in example_clips(create_model("single_frame_tiny.synthetic"), tempfile.mkdtemp())][:2]
    ['BlueCross_1.mp4', 'Contract_1.mp4']
    """
    names = model_class_names(model)
    specs = next((specs for specs in CLASS_SPECS.values() if class_order(s.name for s in specs) == names), None)
    if specs is None:
        return []
    by_name = {spec.name: spec for spec in specs}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    found = []
    for spec in map(by_name.get, names):  # in the model's class order
        for clip in range(1, per_class + 1):
            path = folder / f"{spec.name}_{clip}.mp4"
            if not path.exists():  # seeds no generated dataset uses: scenes and clips the model has not seen
                frames = render_video(
                    spec, seed=(7919, clip), group_seed=(7919, clip), frames=EXAMPLE_FRAMES, size=EXAMPLE_SIZE
                )
                encode_video(path, frames, "libx264", faststart=True)
            found.append(path)
    return found


def shown_video(path: str | None, folder: str | Path) -> tuple[str | None, str]:
    """What the player shows for a dropped file, and a note: the file, an H.264 copy, or the reason it is no video."""
    if not path:
        return None, ""
    try:
        shown = playable_copy(path, folder)
    except VideoReadError as error:
        return path, f"{Path(path).name}: {error.reason}"
    note = (
        ""
        if shown == Path(path)
        else f"{Path(path).name}: shown as an H.264 copy of what kvz reads; scored from the file"
    )
    return str(shown), note


def classify(model, path: str | None, *, class_names: Sequence[str] | None = None, stride: int | None = None):
    """What the page shows for one video: ``(top-5 {class: score}, timeline PNG or None, message)``."""
    if not path:
        return {}, None, "Drop a video file first."
    try:
        timeline = predict_video(model, path, stride=stride, class_names=class_names)
    except VideoReadError as error:
        return {}, None, f"{Path(path).name}: {error.reason}"
    folder = Path(tempfile.mkdtemp(prefix="kvz-app-"))
    image = timeline.write(folder)["png"]
    lines = [
        f"{segment.start:.1f}-{segment.end:.1f} s: {segment.label} ({100 * segment.score:.0f}%)"
        for segment in timeline.segments
    ]
    if timeline.damage:
        lines.insert(0, f"damaged: {timeline.damage}")
    return dict(timeline.top(TOP)), str(image), "\n".join(lines)


class LiveView:
    """What a live tab shows, updated window by window with bounded memory: the newest top-5, the top classes'
    smoothed scores over the last :data:`PLOTTED_WINDOWS` windows, and the last events.

    Example:
    >>> view = LiveView(["jump", "run"])
    >>> view.add(LiveEvent("dropped", "cam: connection lost"))
    >>> print(view.outputs()[2])
    0 windows scored
    cam: connection lost
    """

    def __init__(self, names: Sequence[str]) -> None:
        self.index = {name: i for i, name in enumerate(names)}
        self.windows: collections.deque[LiveWindow] = collections.deque(maxlen=PLOTTED_WINDOWS)
        self.events: collections.deque[str] = collections.deque(maxlen=LOGGED_EVENTS)
        self.scored, self.dropped = 0, 0

    def add(self, item: LiveWindow | LiveEvent | None) -> None:
        if isinstance(item, LiveWindow):
            self.windows.append(item)
            self.scored, self.dropped = self.scored + 1, item.dropped
        elif item is not None:
            self.events.append(item.message)

    def outputs(self) -> tuple[dict[str, float], object, str]:
        """``(top-5 {class: score}, the plot's table, the log)``: a Label's, a LinePlot's and a Textbox's values."""
        import pandas  # Gradio's own dependency, for its plots

        top = dict(self.windows[-1].top) if self.windows else {}
        rows = [(window.end, name, float(window.smoothed[self.index[name]])) for window in self.windows for name in top]
        counts = f"{self.scored} windows scored" + (f", {self.dropped} dropped to keep up" if self.dropped else "")
        return top, pandas.DataFrame(rows, columns=["time", "class", "score"]), "\n".join([counts, *self.events])


def camera_frame(model, frame, scorer: LiveScorer | None, view: LiveView | None, *, class_names=None):
    """One frame from the page's camera: ``(top-5, plot table, log, scorer, view)``, the last two kept per visitor."""
    if scorer is None:
        scorer = LiveScorer(model, fps=CAMERA_FPS, class_names=class_names)
        view = LiveView(scorer.names)
    if frame is not None:
        result, closed = scorer.push(frame)
        view.add(closed)
        view.add(result)
    return (*view.outputs(), scorer, view)


def watch_stream(model, source: str, *, class_names: Sequence[str] | None = None, timeout: float = 10.0):
    """Scores a live source for the stream tab: yields ``(top-5, plot table, log)`` after every window and event."""
    view = LiveView(list(class_names) if class_names is not None else model_class_names(model))
    source = (source or "").strip()
    if not source:
        view.add(LiveEvent("ended", "Give a stream address first (rtsp://, http://, /dev/video0)."))
        yield view.outputs()
        return
    summary = LiveSummary()
    try:
        for item in live_windows(model, source, class_names=class_names, timeout=timeout, summary=summary):
            view.add(item)
            yield view.outputs()
    except VideoReadError as error:
        view.add(LiveEvent("ended", f"{source}: {error.reason}"))
        yield view.outputs()
        return
    view.add(LiveEvent("ended", summary.line()))
    yield view.outputs()


def build_app(
    model,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    stride: int | None = None,
    examples: Sequence[str | Path] = (),
    stream_tab: bool = True,
):
    """The Gradio Blocks page for ``model`` (launch it with ``.launch()``).

    Args:
        examples: videos offered to click in the file tab.
        stream_tab: show the Stream tab. It opens whatever a visitor types *on the server* (URLs, devices,
            files), so leave it out of a page others can reach unless they may.
    """
    gradio = _import_gradio()
    title = title or f"{model.name}: video classification"
    shown_folder, copies = tempfile.mkdtemp(prefix="kvz-app-shown-"), collections.deque()
    with gradio.Blocks(title=title, delete_cache=(3600, 86400)) as page:  # uploads leave Gradio's cache after a day
        gradio.Markdown(f"## {title}\nA video file, your camera or a live stream: the top {TOP} classes, over time.")
        with gradio.Tab("Video file", elem_id="file-tab"):
            scored = gradio.State(None)  # the file as dropped: the player may show a copy
            with gradio.Row():
                with gradio.Column():
                    video = gradio.Video(label="video", sources=["upload"], elem_id="video")
                    note = gradio.Markdown(elem_id="note")
                    button = gradio.Button("Classify", elem_id="classify", variant="primary")
                with gradio.Column():
                    labels = gradio.Label(num_top_classes=TOP, label=f"top {TOP}", elem_id="top")
                    message = gradio.Textbox(label="segments", lines=6, elem_id="segments")
            plot = gradio.Image(label="timeline", type="filepath", elem_id="timeline", render=False)

            def dropped(path):
                # Gradio serves a copy from its own cache: ours are dropped after KEPT_COPIES more, so a page
                # open for months keeps a few, not one per file.
                copies.append(tempfile.mkdtemp(dir=shown_folder))
                while len(copies) > KEPT_COPIES:
                    shutil.rmtree(copies.popleft(), ignore_errors=True)
                shown, text = shown_video(path, copies[-1])
                return shown, path, text

            video.upload(dropped, inputs=video, outputs=[video, scored, note])
            video.clear(lambda: (None, ""), outputs=[scored, note])
            if examples:
                gradio.Examples(
                    [[str(path)] for path in examples],
                    inputs=video,
                    outputs=[video, scored, note],
                    fn=dropped,
                    run_on_click=True,
                    cache_examples=False,
                    elem_id="examples",
                )
            plot.render()  # below the examples: they are what a first visitor looks for
            button.click(
                lambda path: classify(model, path, class_names=class_names, stride=stride),
                inputs=scored,
                outputs=[labels, plot, message],
            )
        with gradio.Tab("Camera", elem_id="camera-tab"):
            scorer, view = gradio.State(None), gradio.State(None)
            with gradio.Row():
                camera = gradio.Image(
                    sources=["webcam"], streaming=True, type="numpy", label="camera", elem_id="camera"
                )
                with gradio.Column():
                    camera_top = gradio.Label(num_top_classes=TOP, label=f"top {TOP}", elem_id="camera-top")
                    camera_log = gradio.Textbox(label="windows and segments", lines=6, elem_id="camera-log")
            camera_plot = _live_plot(gradio, "camera-plot")
            camera.stream(
                lambda frame, scorer, view: camera_frame(model, frame, scorer, view, class_names=class_names),
                inputs=[camera, scorer, view],
                outputs=[camera_top, camera_plot, camera_log, scorer, view],
                stream_every=1 / CAMERA_FPS,
            )
        with gradio.Tab("Stream", elem_id="stream-tab", visible=stream_tab):
            source = gradio.Textbox(
                label="live source", placeholder="rtsp://..., http(s)://.../live.m3u8, /dev/video0", elem_id="source"
            )
            with gradio.Row():
                watch = gradio.Button("Watch", variant="primary", elem_id="watch")
                stop = gradio.Button("Stop", elem_id="stop")
            with gradio.Row():
                stream_top = gradio.Label(num_top_classes=TOP, label=f"top {TOP}", elem_id="stream-top")
                stream_log = gradio.Textbox(label="windows and segments", lines=6, elem_id="stream-log")
            stream_plot = _live_plot(gradio, "stream-plot")
            watching = watch.click(
                lambda url: (yield from watch_stream(model, url, class_names=class_names)),
                inputs=source,
                outputs=[stream_top, stream_plot, stream_log],
            )
            stop.click(None, cancels=[watching])
    return page


def _live_plot(gradio, elem_id: str):
    return gradio.LinePlot(
        x="time",
        y="score",
        color="class",
        x_title="seconds",
        y_title="smoothed score",
        label="over time",
        elem_id=elem_id,
    )
