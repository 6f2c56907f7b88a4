"""A web page for a model: drop a video, see its top-5 classes and its timeline (``kvz app``, the ``app`` extra).

The page is a Gradio app, the kind of demo people publish next to a Hub checkpoint. The video
goes through :func:`~keras_video_zoo.deployment.timeline.predict_video`: the top-5 are the
video-level scores, the plot the class probabilities over time, and the segments are listed. A
file that is not a readable video gets kvz's own reason on the page, as on the command line.

Example (starts a server, so not run here)::

    from keras_video_zoo import create_model
    from keras_video_zoo.deployment.app import build_app
    build_app(create_model("slow_fusion_tiny.synthetic")).launch()
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.deployment.timeline import predict_video

TOP = 5


def _import_gradio():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home from a local demo
    try:
        import gradio
    except ImportError as error:
        raise ImportError("the web demo needs Gradio: pip install 'keras-video-zoo[app]'") from error
    return gradio


def classify(model, path: str | None, *, class_names: Sequence[str] | None = None, stride: int | None = None):
    """What the page shows for one upload: ``(top-5 {class: score}, timeline PNG or None, message)``."""
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


def build_app(model, *, class_names: Sequence[str] | None = None, title: str | None = None, stride: int | None = None):
    """The Gradio Blocks page for ``model`` (launch it with ``.launch()``)."""
    gradio = _import_gradio()
    title = title or f"{model.name}: video classification"
    with gradio.Blocks(title=title) as page:
        gradio.Markdown(
            f"## {title}\nDrop a video (any container FFmpeg reads): the top {TOP} classes of the whole "
            "video, and its class probabilities over time."
        )
        with gradio.Row():
            video = gradio.File(label="video", file_count="single", type="filepath", elem_id="video")
            with gradio.Column():
                labels = gradio.Label(num_top_classes=TOP, label=f"top {TOP}", elem_id="top")
                message = gradio.Textbox(label="segments", lines=6, elem_id="segments")
        plot = gradio.Image(label="timeline", type="filepath", elem_id="timeline")
        button = gradio.Button("Classify", elem_id="classify", variant="primary")
        button.click(
            lambda path: classify(model, path, class_names=class_names, stride=stride),
            inputs=video,
            outputs=[labels, plot, message],
        )
    return page
