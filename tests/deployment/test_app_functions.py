"""What the web page's tabs compute, without a browser: examples, the shown video, the camera and the stream tabs.

The page itself is driven in Chromium by tests/deployment/test_app.py (slow).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_io import iter_frames, read_video
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment import app
from keras_video_zoo.deployment.live import LiveEvent, live_windows
from keras_video_zoo.deployment.playable import browser_playable
from keras_video_zoo.deployment.timeline import predict_video
from keras_video_zoo.models.pretrained import class_names

MODEL = "slow_fusion_tiny.synthetic"
FRAMES = 40


@pytest.fixture(scope="module")
def model():
    return create_model(MODEL)


@pytest.fixture(scope="module")
def stream_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("app") / "camera.ts"
    encode_video(path, moving_texture(72, 96, FRAMES, "up"), "mpeg2video", container_format="mpegts")
    return path


def test_examples_are_unseen_playable_clips_of_each_class_the_model_knows(model, tmp_path):
    clips = app.example_clips(model, tmp_path)
    assert [path.stem.rsplit("_", 1)[0] for path in clips] == class_names(model)
    assert all(browser_playable(path) for path in clips)
    video = read_video(clips[0])
    assert video.frames.shape == (app.EXAMPLE_FRAMES, *app.EXAMPLE_SIZE, 3)
    written = [path.stat().st_mtime_ns for path in clips]
    assert app.example_clips(model, tmp_path) == clips  # kept, not rendered again
    assert [path.stat().st_mtime_ns for path in clips] == written


def test_a_model_with_labels_of_its_own_gets_no_generated_examples(tmp_path):
    model = create_model("slow_fusion_tiny", num_classes=3)
    model.class_names = ["jump", "run", "walk"]
    assert app.example_clips(model, tmp_path) == [] and not list(tmp_path.iterdir())


def test_the_shown_video_is_the_file_when_browsers_play_it(tmp_path):
    video = tmp_path / "phone.mp4"
    encode_video(video, moving_texture(64, 96, 8, "left"), "libx264")
    assert app.shown_video(str(video), tmp_path / "shown") == (str(video), "")
    assert app.shown_video(None, tmp_path) == (None, "")
    assert not (tmp_path / "shown").exists()


def test_the_camera_tab_scores_frames_as_the_timeline_does(model, stream_file):
    # The page keeps a scorer and a view per visitor (gr.State): the first frame makes them.
    timeline = predict_video(model, stream_file)
    scorer = view = None
    for frame in iter_frames(stream_file):
        top, table, log, scorer, view = app.camera_frame(model, frame, scorer, view)
    assert log.splitlines()[0] == f"{len(timeline.starts)} windows scored"
    last = view.windows[-1]
    np.testing.assert_allclose(last.scores, timeline.scores[-1], rtol=1e-4, atol=1e-6)
    assert top == dict(last.top) and len(top) == app.TOP
    assert set(table["class"]) == set(top) and len(table) == app.TOP * len(timeline.starts)
    assert table["time"].iloc[-1] == pytest.approx((timeline.starts[-1] + scorer.window) / app.CAMERA_FPS)


def test_the_live_view_keeps_the_last_windows_only(model, stream_file):
    view = app.LiveView(class_names(model))
    windows = [item for item in live_windows(model, str(stream_file), stride=1) if not isinstance(item, LiveEvent)]
    for _ in range(1 + app.PLOTTED_WINDOWS // len(windows)):
        for window in windows:
            view.add(window)
    assert len(view.windows) == app.PLOTTED_WINDOWS and view.scored > app.PLOTTED_WINDOWS
    for index in range(app.LOGGED_EVENTS + 5):
        view.add(LiveEvent("segment", f"segment {index}"))
    log = view.outputs()[2].splitlines()
    assert log[0] == f"{view.scored} windows scored" and log[-1] == f"segment {app.LOGGED_EVENTS + 4}"
    assert len(log) == 1 + app.LOGGED_EVENTS


def test_the_stream_tab_scores_a_source_to_its_end_and_sums_it_up(model, stream_file):
    shown = list(app.watch_stream(model, str(stream_file)))
    windows = (FRAMES - 10) // 5 + 1
    top, table, log = shown[-1]
    assert f"{stream_file}: {FRAMES} frames, {windows} windows scored, 0 dropped" in log
    assert re.search(r"end of stream$", log)
    last = predict_video(model, stream_file).scores[-1]  # the tab smooths over one window: the last one's scores
    names = class_names(model)
    assert list(top) == [names[index] for index in np.argsort(last)[::-1][: app.TOP]]
    assert len(table) == app.TOP * windows


def test_the_stream_tab_names_a_source_that_sends_nothing(model, tmp_path):
    missing = tmp_path / "nothing-here.ts"
    ((*_, log),) = list(app.watch_stream(model, str(missing), timeout=1))
    assert log.startswith(f"0 windows scored\n{missing}: no video arrived within 1 s")
    ((*_, log),) = list(app.watch_stream(model, "  "))
    assert log.endswith("Give a stream address first (rtsp://, http://, /dev/video0).")


@pytest.fixture
def launched(monkeypatch):
    """``kvz app`` up to the server: what it would serve (the page's launch is recorded, not run)."""
    import gradio

    served = []

    def launch(page, **options):
        examples = [block for block in page.blocks.values() if isinstance(block, gradio.Dataset)]
        stream_tab = next(block for block in page.blocks.values() if getattr(block, "elem_id", None) == "stream-tab")
        served.append((options, [sample[0] for sample in examples[0].samples] if examples else [], stream_tab.visible))

    monkeypatch.setattr(gradio.Blocks, "launch", launch)
    return served


def test_kvz_app_serves_the_models_examples_or_the_ones_given(launched, tmp_path, capsys):
    from keras_video_zoo.cli import main

    assert main(["app", "--model", MODEL, "--port", "7999"]) == 0
    options, examples, stream_tab = launched[-1]
    assert stream_tab  # on this machine only: the Stream tab is there
    assert options == {"server_name": "127.0.0.1", "server_port": 7999} and len(examples) == 10
    assert "with 10 example(s)" in capsys.readouterr().err
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("b.mp4", "a.mp4"):
        encode_video(folder / name, moving_texture(32, 48, 4, "up"), "libx264")
    (folder / "notes.txt").write_text("not a video")
    assert main(["app", "--model", MODEL, "--examples", str(folder)]) == 0
    assert [sample["orig_name"] for sample in launched[-1][1]] == ["a.mp4", "b.mp4"]
    assert main(["app", "--model", MODEL, "--examples"]) == 0 and launched[-1][1] == []
    assert main(["app", "--model", MODEL, "--examples", str(tmp_path / "missing.mp4")]) == 2
    assert f"kvz app: --examples: {tmp_path / 'missing.mp4'}: no such file or folder." in capsys.readouterr().err


def test_kvz_app_serving_others_leaves_the_stream_tab_out_unless_asked(launched):
    # The Stream tab opens what a visitor types on the server: URLs, devices, files.
    from keras_video_zoo.cli import main

    assert main(["app", "--model", MODEL, "--host", "0.0.0.0", "--examples"]) == 0 and not launched[-1][2]
    assert main(["app", "--model", MODEL, "--host", "0.0.0.0", "--examples", "--stream-tab"]) == 0
    assert launched[-1][2]
