"""multires_speed's pure parts: throughput, speedup, accuracy lookup and the table."""

from __future__ import annotations

import doctest
import json

import multires_speed as speed  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)


def test_docstring_examples_hold():
    assert doctest.testmod(speed).failed == 0


def test_every_pair_is_a_full_frame_model_and_its_multires_twin():
    for full, multires in speed.PAIRS:
        assert "multires" not in full.model and multires.model == full.model.replace(
            full.model.split("_tiny")[0], full.model.split("_tiny")[0] + "_multires"
        )


def test_karpathy_accuracy_reads_the_mirrored_summary(tmp_path):
    path = tmp_path / "karpathy_table1.json"
    assert speed.karpathy_accuracy(path) == {}
    hit = {"mean": 0.5, "std": 0.1, "values": [0.4, 0.6]}
    path.write_text(json.dumps({"summary": {"mirrored": {"slow_fusion_tiny": {"video_hit@1": hit}}}}))
    assert speed.karpathy_accuracy(path) == {"slow_fusion_tiny": hit}


def _result(label, clips_per_s, accuracy_of=None):
    return {
        "label": label,
        "input": [10, 64, 64, 3],
        "params": 1000,
        "gflops_per_clip": 0.1,
        "train_clips_per_s": clips_per_s,
        "inference_clips_per_s": 2 * clips_per_s,
        "accuracy_of": accuracy_of,
    }


def test_markdown_rows_show_speedups_and_accuracy():
    pair = [_result("slow_fusion_tiny", 10.0, "slow_fusion_tiny"), _result("mid multires", 30.0)]
    accuracy = {"slow_fusion_tiny": {"mean": 0.6, "std": 0.05}}
    record = {"date": "d", "machine": "m", "command": "c"}
    settings = {"batch": 8, "rounds": 2, "steps": 1, "warmup": 1}
    markdown = speed.to_markdown([pair], accuracy, record, settings, "x")
    cells = ["`slow_fusion_tiny`", "10x64x64x3", "1,000", "0.100", "10.0", "20.0", "1 (baseline)", "1 (baseline)"]
    assert "| " + " | ".join([*cells, "0.600 ± 0.050"]) + " |" in markdown
    assert "| 3.00x | 3.00x | not trained |" in markdown
