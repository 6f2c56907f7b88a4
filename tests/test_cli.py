import json
import subprocess
import sys
from pathlib import Path

import pytest

from keras_video_zoo import list_models
from keras_video_zoo.cli import main
from keras_video_zoo.weights import list_weights


def test_models_lists_matching_models_with_sizes(capsys):
    assert main(["models", "slow_fusion*tiny"]) == 0
    table = capsys.readouterr().out
    assert "| slow_fusion_tiny | (10, 64, 64, 3) | 112,070 | 0.081 | (10,) | synthetic |" in table
    assert "slow_fusion_multires_tiny" in table
    assert "| early_fusion" not in table


def test_models_forward_classifies_a_generated_clip(capsys):
    assert main(["models", "single_frame_tiny", "--forward"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| single_frame_tiny"))
    assert row.count("|") == 9 and "FAILED" not in row  # every column filled


def test_multi_input_and_multi_head_models_are_described(capsys):
    assert main(["models", "t*_stream_*tiny", "--forward"]) == 0
    table = capsys.readouterr().out
    assert "| two_stream_tiny | clip (1, 64, 64, 3) + flow (10, 64, 64, 2) | 230,656 |" in table
    assert "source (10,) + target (5,)" in table
    assert "FAILED" not in table


def test_unknown_pattern_exits_2_with_a_message(capsys):
    assert main(["models", "nope*"]) == 2
    assert "no model matches 'nope*'" in capsys.readouterr().err


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


KVZ = Path(sys.executable).parent / "kvz"


@pytest.mark.skipif(not KVZ.exists(), reason="package not installed with its entry point")
def test_installed_entry_point_runs():
    result = subprocess.run([KVZ, "models", "late_fusion_tiny"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "late_fusion_tiny" in result.stdout


@pytest.mark.slow
def test_models_forward_builds_and_runs_the_models_it_lists(capsys):
    # One family, paper-size and tiny: every registered model is built and run by
    # tests/models/test_every_registered_model.py; this checks the command's forward column.
    assert main(["models", "slow_fusion*", "--forward"]) == 0
    out = capsys.readouterr().out
    listed = [name for name in list_models() if name.startswith("slow_fusion")]
    assert len(listed) >= 4 and all(f"| {name} |" in out for name in listed) and "FAILED" not in out
    assert "| early_fusion |" not in out


@pytest.mark.slow
def test_demo_evaluates_finetunes_predicts_and_writes_a_report(tmp_path, capsys):
    out = tmp_path / "report"
    argv = ["demo", "--out", str(out), "--data-dir", str(tmp_path / "data"), "--clips", "1", "--epochs", "1"]
    assert main([*argv, "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith(f"kvz demo: report in {(out / 'report.md').resolve()}")
    results = json.loads((out / "results.json").read_text())
    evaluated = [row["model"] for row in results["bundled"]]
    assert evaluated[:-1] == list_weights() and evaluated[-1].startswith("two-stream")
    assert all(0 <= row["video hit@1"] <= 1 for row in results["bundled"])
    assert results["finetuned_top3"]["num_classes"] == 5 and results["finetuned_top3"]["num_videos"] == 20
    for picture in ("accuracy", "finetune_curves", "confusion_matrix", "predictions_top5"):
        assert (out / f"{picture}.png").stat().st_size > 1000
    report = (out / "report.md").read_text()
    assert "slow_fusion_tiny.synthetic" in report and "(true: " in report


@pytest.mark.parametrize(("extra", "message"), [(["--clips", "0"], "--clips and --epochs must be at least 1")])
def test_demo_bad_usage_exits_2(tmp_path, capsys, extra, message):
    assert main(["demo", "--out", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err


def test_demo_without_bundled_weights_says_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KVZ_WEIGHTS_DIR", str(tmp_path))
    assert main(["demo", "--out", str(tmp_path / "report")]) == 1
    assert "index.json does not exist" in capsys.readouterr().err
    (tmp_path / "index.json").write_text('{"format": "keras_video_zoo.weights_index", "version": 2, "weights": []}')
    assert main(["demo", "--out", str(tmp_path / "report")]) == 1
    assert "slow_fusion_tiny.synthetic is not registered in the weights index" in capsys.readouterr().err
