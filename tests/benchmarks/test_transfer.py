"""transfer's pure parts: the spread over seeds per mode, in the paper's mode order, and its table."""

from __future__ import annotations

import pytest
import transfer  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)


def _run(mode: str, seed: int, value: float) -> dict:
    return {"mode": mode, "seed": seed, "trainable_params": 325, **dict.fromkeys(transfer.METRICS, value)}


def test_summary_keeps_the_mode_order_and_the_spread_over_seeds():
    runs = [_run("all", 0, 0.2), _run("top", 0, 0.5), _run("top", 1, 0.7), _run("all", 1, 0.4)]
    rows = transfer.summarise(runs)
    assert [row["mode"] for row in rows] == ["top", "all"]  # TRANSFER_MODES order, missing modes left out
    assert rows[0]["seeds"] == [0, 1]
    assert rows[0]["metrics"]["mAP"]["mean"] == pytest.approx(0.6)
    assert rows[0]["metrics"]["mAP"]["std"] == pytest.approx(0.1414, abs=1e-4)
    table = transfer.to_markdown(rows, "header")
    assert table.startswith("header\n\n| transfer |")
    assert "| `top` | 325 | 0.600 ± 0.141 |" in table
