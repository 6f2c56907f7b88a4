"""benchmarks/gpu.py's CPU smoke run: the RGB and flow paths, both precisions, XLA on and off, the input check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_gpu_benchmark_runs_on_tiny_models_on_the_cpu(tmp_path):
    # Slow fusion and the temporal stream: the RGB and the flow paths, 3-D windows and stacked fields (about 40 s;
    # the other three families run the same code with other layers).
    families = ("slow_fusion", "temporal_stream")
    command = [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--smoke", "--models", *families, "--warmup", "1"]
    result = subprocess.run([*command, "--results-dir", str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    document = json.loads((tmp_path / "gpu.json").read_text())
    rows = document["models"]
    assert {row["model"] for row in rows} == {f"{family}_tiny" for family in families}
    assert {(row["policy"], row["xla"]) for row in rows} == {
        ("float32", False),
        ("float32", True),
        ("mixed_float16", False),
        ("mixed_float16", True),
    }
    failed = [row for row in rows if "clips_per_s" not in row]
    assert not failed, failed  # every configuration trains on the CPU (no skips: the smoke run is short)
    assert all(row["clips_per_s"] > 0 and row["step_ms"] > 0 for row in rows)
    feed = document["input_pipeline"]
    assert 0 <= feed["input_wait_share"] <= 1 and feed["clips_per_s"] > 0 and feed["videos"] > 0
    table = (tmp_path / "gpu.md").read_text()
    assert "| slow_fusion_tiny | mixed_float16 | on |" in table and "input-wait share" in table


def test_without_a_gpu_the_full_run_says_to_use_the_smoke_run(tmp_path):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is visible: the full run would start")
    command = [sys.executable, str(ROOT / "benchmarks" / "gpu.py"), "--results-dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "no GPU is visible to TensorFlow; run with --smoke" in result.stderr
