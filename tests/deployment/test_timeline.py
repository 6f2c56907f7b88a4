"""Whole-video timelines: windows, segments at known changes, every model kind, the CLI, bad input."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model, two_stream
from keras_video_zoo.cli import main
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment.timeline import merge_segments, predict_video
from keras_video_zoo.hub.publish import save_keras_file

COLOURS = ("red", "blue")
FPS = 25


def tinted(frames: int, colour: str, seed: int) -> np.ndarray:
    """A moving texture in one colour: red keeps the red channel, blue the blue one."""
    clip = np.array(moving_texture(72, 96, frames, "left", seed=seed))
    keep = 0 if colour == "red" else 2
    clip[..., [c for c in range(3) if c != keep]] //= 4
    return clip


@pytest.fixture(scope="module")
def colour_model(tmp_path_factory):
    """A zoo model trained here to tell red from blue: competent, so the timeline's logic is what is tested."""
    keras.utils.set_random_seed(0)
    model = create_model("single_frame_tiny", num_classes=2, dropout=0.0)
    clips = np.concatenate([tinted(64, colour, seed)[:, 4:68, 16:80] for seed, colour in enumerate(COLOURS * 2)])
    labels = np.repeat([0, 1, 0, 1], 64)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(clips[:, None], labels, epochs=4, batch_size=32, verbose=0, shuffle=True)
    assert history.history["accuracy"][-1] > 0.95
    path = tmp_path_factory.mktemp("model") / "colours.keras"
    save_keras_file(model, path, labels=list(COLOURS))
    return path


@pytest.fixture(scope="module")
def changing_video(tmp_path_factory):
    """12 s at 25 fps: red until 4 s, blue until 8 s, red again."""
    path = tmp_path_factory.mktemp("videos") / "red_blue_red.mp4"
    parts = [tinted(100, "red", 10), tinted(100, "blue", 11), tinted(100, "red", 12)]
    encode_video(path, np.concatenate(parts), "libx264")
    return path


def test_the_timeline_finds_the_changes_within_one_window(colour_model, changing_video):
    timeline = predict_video(create_model(str(colour_model)), changing_video, window=8, stride=4)
    assert timeline.frames == 300 and timeline.fps == FPS and timeline.class_names == list(COLOURS)
    assert timeline.starts.tolist() == list(range(0, 300 - 8 + 1, 4)) and timeline.scores.shape == (
        len(timeline.starts),
        2,
    )
    assert [segment.label for segment in timeline.segments] == ["red", "blue", "red"]
    one_window = 8 / FPS
    assert abs(timeline.segments[0].end - 4.0) <= one_window and abs(timeline.segments[1].end - 8.0) <= one_window
    assert timeline.segments[0].start == 0.0 and timeline.segments[-1].end == 12.0
    np.testing.assert_allclose(timeline.video_scores, timeline.scores.mean(axis=0))
    assert timeline.top(1)[0][0] == "red"  # two thirds of the video


def test_segments_merge_windows_and_smoothing_removes_a_flicker():
    centres = np.arange(6) + 0.5
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3]])
    assert [s.label for s in merge_segments(centres, scores, "ab", end=6)] == ["a", "b", "a"]
    smoothed = merge_segments(centres, scores, "ab", end=6, smooth=3)
    assert [(s.start, s.end, s.label) for s in smoothed] == [(0.0, 6.0, "a")]


def test_flow_and_two_stream_models_score_windows_with_flow_computed_on_the_fly(tmp_path):
    path = tmp_path / "pan.mp4"
    encode_video(path, moving_texture(72, 96, 40, "left"), "libx264")
    spatial = create_model("spatial_stream_tiny.synthetic")
    temporal = create_model("temporal_stream_tiny.synthetic")
    flow = predict_video(temporal, path, stride=5)
    assert flow.window == 11 and flow.starts.tolist() == list(range(0, 30, 5))
    np.testing.assert_allclose(flow.scores.sum(axis=1), 1.0, atol=1e-5)
    rgb = predict_video(spatial, path, window=11, stride=5)  # the first frame of each window
    fused = predict_video(two_stream(spatial, temporal), path, stride=5)  # average fusion
    np.testing.assert_allclose(fused.scores, (rgb.scores + flow.scores) / 2, atol=1e-5)


def test_a_video_shorter_than_a_window_and_a_window_shorter_than_the_model_are_refused(tmp_path):
    path = tmp_path / "short.mp4"
    encode_video(path, moving_texture(72, 96, 5, "left"), "libx264")
    model = create_model("slow_fusion_tiny.synthetic")
    with pytest.raises(
        VideoReadError, match=r"short.mp4: 5 frame.s.: shorter than one window of 10 frames \(the model needs 10\)"
    ):
        predict_video(model, path)
    with pytest.raises(ValueError, match="a window of 4 frames is shorter than slow_fusion_tiny's input .10 frames."):
        predict_video(model, path, window=4)


def test_kvz_predict_timeline_writes_json_csv_and_png_and_prints_the_segments(
    colour_model, changing_video, tmp_path, capsys
):
    short = tmp_path / "short.mp4"
    encode_video(short, tinted(5, "red", 0), "libx264")
    out = tmp_path / "timelines"
    argv = ["predict", str(changing_video), str(short), "--model", str(colour_model), "--timeline", str(out)]
    assert main([*argv, "--window", "8", "--stride", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    segments = [line.split(": ", 1)[1] for line in lines if line.startswith(str(changing_video)) and " s " in line]
    assert [segment.split(" ")[2] for segment in segments] == ["red", "blue", "red"]
    assert f"{short}: skipped: 5 frame(s): shorter than one window of 8 frames" in "\n".join(lines)
    saved = json.loads((out / "red_blue_red.mp4.json").read_text())
    assert [s["label"] for s in saved["segments"]] == ["red", "blue", "red"] and len(saved["windows"]) == 74
    assert (out / "red_blue_red.mp4.csv").read_text().count("\n") == 75 and (
        out / "red_blue_red.mp4.png"
    ).stat().st_size
    assert main([*argv, "--clips", "3"]) == 2
    assert main(["predict", str(short), "--model", str(colour_model), "--window", "8"]) == 2
    assert main([*argv[:-2], "--timeline", str(out), "--model", "temporal_stream_tiny.synthetic", "--window", "4"]) == 2
    assert "shorter than temporal_stream_tiny's input (11 frames)" in capsys.readouterr().err
