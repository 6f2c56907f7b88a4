import subprocess
import sys
from pathlib import Path

import pytest

from keras_video_zoo import list_models
from keras_video_zoo.cli import main


def test_models_lists_matching_models_with_sizes(capsys):
    assert main(["models", "slow_fusion*tiny"]) == 0
    table = capsys.readouterr().out
    assert "| slow_fusion_tiny | (10, 64, 64, 3) | 112,070 | 0.080 | (10,) |" in table
    assert "slow_fusion_multires_tiny" in table
    assert "| early_fusion" not in table


def test_models_forward_classifies_a_generated_clip(capsys):
    assert main(["models", "single_frame_tiny", "--forward"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| single_frame_tiny"))
    assert row.count("|") == 8  # every column filled, no FAILED


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
def test_demo_builds_and_runs_every_model(capsys):
    assert main(["demo"]) == 0
    count = len(list_models())
    assert f"{count} of {count} models built and classified generated inputs." in capsys.readouterr().out
