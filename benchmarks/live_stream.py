"""Live scoring in real time: sustained windows/s, drops and latency of every bundled model on a live stream.

Each stream is an MPEG-TS recording of a moving texture served over HTTP on the loopback at its real rate
(``tests/helpers/stream_server.py``), read by ``kvz predict --live``'s generator
(:func:`keras_video_zoo.deployment.live.live_windows`, the model's own window and a stride of half a window).
*capacity* is how fast the same video is scored when the reader waits for the scorer (a file read as a
stream): frames per second of video the model keeps up with; the *real-time factor* is that over the stream's
frame rate (above 1: it keeps up, drops nothing). The live columns are the paced stream's: windows scored per
second, the share of windows dropped because scoring was slower than the stream, and the latency from a
window's last frame leaving the decoder to its scores.

Run::

    python benchmarks/live_stream.py --update-readme
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import experiments as ex

sys.path.insert(0, str(ex.ROOT))  # the loopback stream server the tests use

from keras_video_zoo import create_model
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.deployment.live import LiveSummary, live_windows
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.weights import list_weights
from tests.helpers.stream_server import StreamServer

NAME = "live_stream"
STREAMS = {"320x240 at 25 fps": (240, 320, 25), "1280x720 at 30 fps": (720, 1280, 30)}


def write_stream(folder: Path, height: int, width: int, fps: int, seconds: float) -> Path:
    path = folder / f"{width}x{height}_{fps}.ts"
    frames = moving_texture(height, width, round(seconds * fps), "left")
    encode_video(path, frames, "mpeg2video", container_format="mpegts", fps=fps)
    return path


def measure(model, path: Path, fps: int, seconds: float) -> dict:
    waited = LiveSummary()
    started = time.perf_counter()
    for _ in live_windows(model, str(path), keep_up=False, summary=waited):
        pass
    capacity = waited.frames / (time.perf_counter() - started)
    live = LiveSummary()
    with StreamServer(lambda number: path.read_bytes(), seconds=seconds) as server:
        started = time.perf_counter()
        for _ in live_windows(model, server.url, summary=live):
            pass
        wall = time.perf_counter() - started
    offered = live.windows + live.dropped
    return {
        "capacity_fps": capacity,
        "real_time_factor": capacity / fps,
        "windows_per_s": live.windows / wall,
        "dropped_share": live.dropped / offered if offered else 0.0,
        "latency_mean_ms": 1000 * live.latency_mean,
        "latency_max_ms": 1000 * live.latency_max,
        "frames": live.frames,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="length of each stream (default 12 s)")
    parser.add_argument("--models", nargs="*", help="checkpoints (default: every bundled one)")
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    names = args.models or list_weights()
    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = {label: write_stream(Path(folder), *spec, args.seconds) for label, spec in STREAMS.items()}
        for name in names:
            model = create_model(name)
            for label, path in paths.items():
                ex.log(f"{name}: {label}")
                results.setdefault(name, {})[label] = measure(model, path, STREAMS[label][2], args.seconds)
    record = ex.run_record(NAME, argv or sys.argv[1:])
    columns = ["checkpoint", "stream", "capacity fps", "real-time factor", "windows/s", "dropped", "latency ms"]
    rows = [
        [
            f"`{name}`",
            label,
            f"{cell['capacity_fps']:.0f}",
            f"{cell['real_time_factor']:.1f}",
            f"{cell['windows_per_s']:.1f}",
            f"{100 * cell['dropped_share']:.0f}%",
            f"{cell['latency_mean_ms']:.0f} (max {cell['latency_max_ms']:.0f})",
        ]
        for name, by_stream in results.items()
        for label, cell in by_stream.items()
    ]
    markdown = (
        f"Measured {record['date']} on {record['machine']}. `{record['command']}`. Streams of "
        f"{args.seconds:g} s served over HTTP on the loopback at their real rate; the model's own window, a stride "
        f"of half a window; latency mean (and largest; the model is traced before the stream opens).\n\n"
        f"{markdown_table(columns, rows)}"
    )
    ex.write_results(
        NAME,
        {"record": record, "results": results},
        markdown,
        ex.results_dir(args.out, False),
        update_readme=args.update_readme,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
