"""karpathy_table1's pure parts: per-evaluation summary with twin confusion, CNN average, tables."""

from __future__ import annotations

import experiments  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)
import karpathy_table1 as table1  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)
import numpy as np
import pytest

CLASSES = sorted(spec.name for spec in table1.SOURCE_CLASSES)


def _evaluation(predicted_by_video: dict[str, str], truth: dict[str, str]) -> dict:
    ids = list(truth)
    scores = np.full((len(ids), len(CLASSES)), 0.01)
    for row, video in enumerate(ids):
        scores[row, CLASSES.index(predicted_by_video[video])] = 0.9
    return {
        "video_ids": ids,
        "video_scores": scores.tolist(),
        "video_labels": [[CLASSES.index(truth[video])] for video in ids],
        "class_names": CLASSES,
        "clip_hit@1": 0.5,
        "video_hit@1": 0.5,
        "video_hit@5": 1.0,
        "group_video_hit@1": {"motion": 0.5, "appearance": 1.0},
    }


def test_summary_counts_motion_videos_given_to_their_twin():
    truth = {"a": "Spin", "b": "Swing", "c": "Expand", "d": "RedSquare"}
    evaluation = _evaluation({"a": "Swing", "b": "Swing", "c": "Expand", "d": "RedSquare"}, truth)
    metrics = table1.evaluation_summary(evaluation)["metrics"]
    assert metrics["to_twin_Spin/Swing"] == pytest.approx(0.5)  # Spin -> Swing (1.0), Swing right (0.0)
    assert metrics["to_twin_Contract/Expand"] == pytest.approx(0.0)
    assert metrics["motion_to_twin"] == pytest.approx(1 / 3)  # 1 of the 3 motion classes present


def test_cnn_average_has_video_metrics_but_no_clip_hit():
    truth = {"a": "Spin", "b": "RedSquare"}
    right = _evaluation({"a": "Spin", "b": "RedSquare"}, truth)
    wrong = _evaluation({"a": "Swing", "b": "BlueCross"}, truth)
    wrong["video_scores"] = (np.asarray(wrong["video_scores"]) * 0.5).tolist()  # less confident than `right`
    results = table1.cnn_average([right, wrong])
    assert results["clip_hit@1"] is None
    assert results["video_hit@1"] == 1.0


def test_markdown_has_one_row_per_model_and_the_cnn_average():
    metrics = {"video_hit@1": experiments.seed_summary([0.5, 0.7]), "clip_hit@1": experiments.seed_summary([None])}
    summary = {"mirrored": {"single_frame_tiny": metrics, "cnn_average": metrics}}
    setup = {"seeds": [0, 1], "epochs": 2, "eval_clips": 3, "train_videos": 160, "test_videos": 80, "minutes": 1.0}
    record = {"date": "2026-01-01", "machine": "m", "command": "python benchmarks/karpathy_table1.py"}
    markdown = table1.to_markdown(summary, record, setup)
    assert "| Single-Frame | `single_frame_tiny` | — | 0.600 ± 0.141 |" in markdown
    assert "| CNN Average (Single+Early+Late+Slow) | mean of the four video scores |" in markdown
    assert "seeds [0, 1]" in markdown and "`python benchmarks/karpathy_table1.py`" in markdown


def test_quick_cannot_refresh_the_readme():
    with pytest.raises(SystemExit):
        table1.main(["--quick", "--update-readme"])
