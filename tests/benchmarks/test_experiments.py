"""The shared pure logic of the paper-table benchmarks: spread over seeds, CNN average, twin confusion."""

from __future__ import annotations

import doctest

import experiments  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)
import numpy as np
import pytest


def test_docstring_examples_hold():
    assert doctest.testmod(experiments).failed == 0


def test_seed_summary_matches_numpy_sample_std():
    values = [0.2, 0.5, 0.65]
    summary = experiments.seed_summary(values)
    assert summary["mean"] == pytest.approx(np.mean(values))
    assert summary["std"] == pytest.approx(np.std(values, ddof=1))
    assert summary["values"] == values


def test_seed_summary_skips_missing_values():
    summary = experiments.seed_summary([0.4, None, 0.6])
    assert summary["mean"] == pytest.approx(0.5)
    assert summary["values"] == [0.4, None, 0.6]


def test_aggregate_keeps_every_metric_of_every_run():
    runs = [{"a": 1.0, "b": 2.0}, {"a": 3.0}]
    summary = experiments.aggregate(runs)
    assert summary["a"]["mean"] == 2.0 and summary["a"]["std"] == pytest.approx(np.sqrt(2))
    assert summary["b"]["values"] == [2.0, None]


def test_flat_metrics_adds_group_hits():
    results = {"clip_hit@1": 0.1, "video_hit@1": 0.2, "video_hit@5": 0.9, "group_video_hit@1": {"motion": 0.3}}
    assert experiments.flat_metrics(results)["video_hit@1_motion"] == 0.3


def test_cnn_average_aligns_videos_by_id():
    a = {"video_ids": ["v1", "v2", "v3"], "video_scores": np.eye(3).tolist()}
    b = {"video_ids": ["v3", "v1", "v2"], "video_scores": [[0, 0, 1.0], [0, 1.0, 0], [1.0, 0, 0]]}
    ids, scores = experiments.average_video_scores([a, b])
    assert ids == ["v1", "v2", "v3"]
    np.testing.assert_allclose(scores, [[0.5, 0.5, 0], [0.5, 0.5, 0], [0, 0, 1.0]])


def test_cnn_average_rejects_models_scored_on_other_videos():
    a = {"video_ids": ["v1", "v2"], "video_scores": [[1.0], [1.0]]}
    b = {"video_ids": ["v1"], "video_scores": [[1.0]]}
    with pytest.raises(ValueError, match="not scored by every model"):
        experiments.average_video_scores([a, b])


def test_twin_confusion_counts_right_twin_and_other():
    names = ["A", "B", "C"]
    # Class A: 2 right, 1 to twin B, 1 to C; class B: all 2 to twin A.
    predicted = [0, 0, 1, 2, 0, 0]
    labels = [0, 0, 0, 0, 1, 1]
    confusion = experiments.twin_confusion(np.eye(3)[predicted], labels, names, {"A": "B", "B": "A"})
    assert confusion["A"] == pytest.approx({"correct": 0.5, "twin": 0.25, "other": 0.25})
    assert confusion["B"] == pytest.approx({"correct": 0.0, "twin": 1.0, "other": 0.0})


def test_mean_std_cell_formats_and_marks_missing():
    assert experiments.mean_std_cell({"mean": 0.61234, "std": 0.0312}) == "0.612 ± 0.031"
    assert experiments.mean_std_cell(None) == "—"


def test_results_dir_keeps_quick_runs_out_of_the_published_results(tmp_path):
    assert experiments.results_dir(None, quick=False) == experiments.RESULTS_DIR
    assert experiments.results_dir(None, quick=True) != experiments.RESULTS_DIR
    assert experiments.results_dir(tmp_path, quick=True) == tmp_path


def test_write_results_writes_json_markdown_and_readme_section(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("x\n<!-- benchmark:demo:start -->\nold\n<!-- benchmark:demo:end -->\ny\n")
    monkeypatch.setattr(experiments, "ROOT", tmp_path)
    experiments.write_results("demo", {"v": np.float32(0.5)}, "| a |", tmp_path / "out", update_readme=True)
    assert (tmp_path / "out" / "demo.json").read_text().strip().endswith("}")
    assert "0.5" in (tmp_path / "out" / "demo.json").read_text()
    assert readme.read_text() == "x\n<!-- benchmark:demo:start -->\n| a |\n<!-- benchmark:demo:end -->\ny\n"
