"""Dataset preparation throughput: the local pool against Apache Beam, 1 and 2 workers, and projections.

On generated 320x240 XviD videos (UCF-101's size), end to end through the library calls the
commands make:

- ``kvz prepare``: decode, fit to a short side of 128, JPEG-encode every frame, write the shards
  (one video per shard, so that both runners share the work video by video);
- ``kvz flow``: decode, DIS flow per frame pair, quantise, two JPEG encodes per pair, write folders.

Each is run on the local runner (threads for prepare, processes for flow) and on Beam's
portable FnApiRunner (worker processes), with 1 and 2 workers, every run on a fresh output
folder. Every worker runs single-threaded OpenCV (one worker, one core), so "per worker" means
per core. Beam pays a fixed start-up (worker processes that import Beam, TensorFlow and OpenCV);
to separate it from the rate that matters at scale, each configuration runs on N and 4N videos
(the best of two runs each): the marginal rate is 3N videos / (T(4N) - T(N)), the start-up
T(N) - N / rate. Prepare is about 30x faster per frame than flow, so its videos are longer
(600 frames against 60), to keep the added work well above the start-up's noise.

The projections divide each dataset's frames (or frame pairs) by the measured per-worker rate
times the workers, on this CPU; they leave out reading from and writing to remote storage.

Run:
    python benchmarks/beam.py                  # ~6 minutes on 2 cores
    python benchmarks/beam.py --update-readme  # also refresh README.md

Results go to benchmarks/results/beam.json and beam.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex

from keras_video_zoo.beam.flow import BeamFlowExtractor
from keras_video_zoo.beam.shards import BeamShardWriter
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.shards import write_shards
from keras_video_zoo.data.synthetic_real_world import moving_texture
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.opencv import cv2

NAME = "beam"  # results/beam.json, .md and the README's benchmark:beam section
# (name, videos, frames per video as prepared, where the figures come from)
DATASETS = [
    ("UCF-101", 13_320, 186, "13,320 videos of 7.2 s at 25 fps"),
    ("Kinetics-400", 306_245, 250, "306,245 clips of 10 s at 25 fps (about 77M frames)"),
    (
        "Sports-1M, sampled clips",
        1_133_158,
        200,
        "1.13M videos, 20 clips of 10 frames each (Karpathy et al.'s test sampling)",
    ),
]
WORKER_COUNTS = (1, 16, 256)


def make_videos(folder: Path, count: int, frames: int) -> VideoDataset:
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for index in range(count):
        path = folder / f"v{index:03d}.avi"
        if not path.exists():
            direction = ("left", "up")[index % 2]
            encode_video(path, moving_texture(240, 320, frames, direction, seed=index), "mpeg4")
        records.append(VideoRecord(str(path), (index % 2,), f"v{index:03d}"))
    return VideoDataset(records, ["a", "b"], name="benchmark")


def timed(command: str, runner: str, workers: int, data: VideoDataset, out: Path, repeats: int = 2) -> float:
    """The best of ``repeats`` runs, each on a fresh output folder."""
    best = float("inf")
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        if command == "prepare":
            writer = BeamShardWriter(workers=workers) if runner == "beam" else None
            write_shards(data, out, short_side=128, videos_per_shard=1, workers=workers, writer=writer, progress=False)
        else:
            extractor = BeamFlowExtractor(workers=workers) if runner == "beam" else None
            extract_dataset_flow(data, out, FlowSettings(), workers=workers, extractor=extractor, progress=False)
        best = min(best, time.perf_counter() - start)
    shutil.rmtree(out, ignore_errors=True)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=4, help="N: each configuration runs on N and 4N videos")
    parser.add_argument("--prepare-frames", type=int, default=600, help="frames per video for prepare")
    parser.add_argument("--flow-frames", type=int, default=60, help="frames per video for flow")
    parser.add_argument("--update-readme", action="store_true", help="replace the README's Beam table")
    parser.add_argument("--publish-only", action="store_true", help="rewrite beam.md (and README) from beam.json")
    args = parser.parse_args()
    if args.publish_only:
        publish(json.loads((ex.RESULTS_DIR / f"{NAME}.json").read_text()), args.update_readme)
        return 0
    cv2.setNumThreads(1)  # one worker, one core: the local runner's single worker runs in this process
    work = Path(tempfile.mkdtemp(prefix="kvz-beam-bench-"))
    results = []
    try:
        for command in ("prepare", "flow"):
            frames = args.prepare_frames if command == "prepare" else args.flow_frames
            videos = make_videos(work / f"videos-{frames}", 4 * args.videos, frames)
            small = VideoDataset(videos.records[: args.videos], videos.class_names, name="benchmark")
            for runner in ("local", "beam"):
                for workers in (1, 2):
                    t_small = timed(command, runner, workers, small, work / "out")
                    t_large = timed(command, runner, workers, videos, work / "out")
                    rate = 3 * args.videos / max(t_large - t_small, 1e-9)  # videos/s at scale
                    per_video = frames if command == "prepare" else frames - 1
                    row = {
                        "command": command,
                        "runner": runner,
                        "workers": workers,
                        "seconds": [round(t_small, 2), round(t_large, 2)],
                        "videos_per_s": round(rate, 3),
                        "frames_per_s": round(rate * per_video, 1),
                        "startup_s": round(max(t_small - args.videos / rate, 0.0), 1),
                    }
                    results.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    settings = {"videos": args.videos, "prepare_frames": args.prepare_frames, "flow_frames": args.flow_frames}
    run = {"date": datetime.date.today().isoformat(), "machine": ex.machine_description(), "settings": settings}
    publish(run | {"results": results}, args.update_readme)
    return 0


def duration(hours: float) -> str:
    if hours >= 1:
        return f"{hours:,.1f} h"
    return f"{hours * 60:.0f} min" if hours * 60 >= 1 else "< 1 min"


def publish(run: dict, update_readme: bool) -> None:
    """Writes beam.json and beam.md (and the README's section) from a run's results."""
    results, settings = run["results"], run["settings"]
    rows = []
    for row in results:
        unit = "frames/s" if row["command"] == "prepare" else "pairs/s"
        per_worker = row["frames_per_s"] / row["workers"]
        rows.append(
            [
                f"kvz {row['command']}",
                row["runner"] if row["runner"] == "local" else "beam (FnApiRunner)",
                str(row["workers"]),
                f"{row['videos_per_s']:.2f}",
                f"{row['frames_per_s']:.0f} {unit}",
                f"{per_worker:.0f} {unit}",
                f"{row['startup_s']:.1f} s",
            ]
        )
    table = markdown_table(["command", "runner", "workers", "videos/s", "rate", "per worker", "fixed start-up"], rows)
    beam_rate = {
        row["command"]: row["frames_per_s"] / row["workers"]
        for row in results
        if row["runner"] == "beam" and row["workers"] == 2
    }
    projection_rows = []
    for name, count, frames, source in DATASETS:
        total = count * frames
        cells = [name, source]
        for command in ("prepare", "flow"):
            if command == "flow" and name.startswith("Sports"):
                cells += ["not projected"] * len(WORKER_COUNTS)  # the paper used no flow on Sports-1M
                continue
            cells += [duration(total / (beam_rate[command] * workers) / 3600) for workers in WORKER_COUNTS]
        projection_rows.append(cells)
    projection = markdown_table(
        ["dataset", "frames (assumed)"]
        + [f"prepare, {n} worker{'s' * (n > 1)}" for n in WORKER_COUNTS]
        + [f"flow, {n} worker{'s' * (n > 1)}" for n in WORKER_COUNTS],
        projection_rows,
    )
    header = (
        f"Measured {run['date']} on {run['machine']} (`python benchmarks/beam.py`): generated 320x240 MPEG-4 "
        f"AVI videos, {settings['videos']} and {4 * settings['videos']} per run, of {settings['prepare_frames']} "
        f"frames for prepare (JPEG frames at a short side of 128) and {settings['flow_frames']} for flow (DIS at "
        "the videos' size, two JPEG encodes per pair). "
        "Rates are marginal (the added videos over the time they add), so the fixed start-up is apart; one worker "
        "is one core (single-threaded OpenCV)."
    )
    note = (
        "Projected hours from the Beam per-worker rates above (2-worker run), ignoring start-up and remote I/O; "
        "Sports-1M counts only the sampled clips' frames, as if each clip were reached by seeking (kvz prepare "
        "decodes a video from its start, so whole 5.5-minute videos would cost about 40x more)."
    )
    section = f"{header}\n\n{table}\n\n{note}\n\n{projection}\n"
    ex.write_results(NAME, run, section, ex.RESULTS_DIR, update_readme=update_readme)
    print(section)


if __name__ == "__main__":
    raise SystemExit(main())
