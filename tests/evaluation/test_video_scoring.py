"""VideoScorer: a whole video's scores from Python, the same ones kvz predict prints."""

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.cli import main
from keras_video_zoo.data import generate_dataset
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.evaluation import VideoScorer


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    root = generate_dataset(tmp_path_factory.mktemp("data"), kind="target", videos_per_class=2, groups=2, frames=16)
    return next((root / "UCF-101").rglob("*.avi"))


def test_kvz_predict_prints_what_the_scorer_computes(video, capsys):
    model = create_model("single_frame_tiny.synthetic")
    scores, damage = VideoScorer(model, clips=3)(video)
    assert scores.shape == (10,) and damage is None and scores.sum() == pytest.approx(1.0, abs=1e-5)
    assert main(["predict", str(video), "--model", "single_frame_tiny.synthetic", "--clips", "3", "--top", "1"]) == 0
    best = int(np.argmax(scores))
    assert capsys.readouterr().out.strip() == f"{video}: {model.record.labels[best]} {100 * scores[best]:.1f}%"


def test_a_two_stream_model_is_scored_on_both_streams_and_a_bad_file_says_why(video, tmp_path):
    scorer = VideoScorer(create_model("two_stream_tiny"), clips=2)
    scores, _ = scorer(video)
    assert scores.shape == (10,) and scorer.description.fusion == "average"
    text = tmp_path / "notes.mp4"
    text.write_text("a shopping list")
    with pytest.raises(VideoReadError, match="text"):
        scorer(text)
    with pytest.raises(ValueError, match="clips must be at least 1"):
        VideoScorer(create_model("single_frame_tiny"), clips=0)
