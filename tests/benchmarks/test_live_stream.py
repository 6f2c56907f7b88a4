"""The live benchmark runs end to end (its figures are measured by `python benchmarks/live_stream.py`)."""

import json

import live_stream


def test_the_live_benchmark_measures_a_model_on_both_streams(tmp_path):
    argv = ["--seconds", "1", "--models", "single_frame_tiny.synthetic", "--out", str(tmp_path)]
    assert live_stream.main(argv) == 0
    cells = json.loads((tmp_path / "live_stream.json").read_text())["results"]["single_frame_tiny.synthetic"]
    assert set(cells) == set(live_stream.STREAMS)
    for label, cell in cells.items():
        fps = live_stream.STREAMS[label][2]
        assert cell["frames"] == fps and cell["capacity_fps"] > 0 and 0 <= cell["dropped_share"] <= 1
        assert cell["real_time_factor"] == cell["capacity_fps"] / fps
