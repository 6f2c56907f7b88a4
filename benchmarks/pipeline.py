"""Input pipeline speed: clips/s from encoded videos to augmented batches, beside the decode-only rate.

On one set of generated videos (UCF-101 layout, XviD AVI, 320x240 by default) and
one clip sampler (a random 10-frame clip per video), side by side in one run:

- ``decode only``: :func:`read_clips` of each clip's frames (decoded and fitted to the
  pipeline's square, as every path does), ``--workers`` threads, no tf.data: the ceiling the
  decoder sets;
- ``videos -> uint8 batches``: :func:`training_dataset` over :class:`VideoFiles` (probe,
  sample, decode, fit, batch);
- ``videos -> augmented batches``: the same plus :class:`ClipAugmentation` (random crop,
  flip) on each batch, where a training step's first layer runs it: on the accelerator if
  there is one, else on the same CPU cores;
- ``shards -> uint8 batches`` / ``-> augmented batches``: the TFRecord path
  (:class:`RGBShards` over shards that ``kvz prepare`` writes), which decodes only the
  sampled frames' JPEGs; plus the one-off cost of writing the shards.

Each path runs a warm-up epoch, then ``--rounds`` timed epochs taken in turn with
the other paths, so load from other processes hits them alike; the best round
(the least disturbed) is compared, and the median shown. The ratio of the best
to decode-only is the goal's measure (>= 0.8 on 2 cores).

Run:
    python benchmarks/pipeline.py                  # ~2-3 minutes on 2 cores (first run also generates videos)
    python benchmarks/pipeline.py --workers 1
    python benchmarks/pipeline.py --update-readme  # also refresh README.md

Results go to benchmarks/results/pipeline.json and pipeline.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras_video_zoo  # noqa: F401  first: TensorFlow then loads with oneDNN on, as in users' processes

# isort: split
import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.data.shards import write_shards
from keras_video_zoo.data.sources import RGBShards, VideoFiles
from keras_video_zoo.data.synthetic_dataset import generate_dataset
from keras_video_zoo.data.video_io import read_clips
from keras_video_zoo.layers.clip_augmentation import ClipAugmentation
from keras_video_zoo.markdown import markdown_table, replace_marked_section

ROOT = Path(__file__).resolve().parent.parent
MANY_CLIPS = 4  # clips cut from one decode in the "decode once, emit several clips" row
README_MARKERS = ("<!-- benchmark:pipeline:start -->", "<!-- benchmark:pipeline:end -->")


def _size(text: str) -> tuple[int, int]:
    height, width = (int(part) for part in text.lower().split("x"))
    return height, width


def decode_only_epoch(dataset, sampler: TrainingClips, geometry, pool: ThreadPoolExecutor, epoch: int) -> float:
    """clips/s of decoding each video's sampled clip frames (what read_clips does), in the pool's threads."""
    paths = [record.path for record in dataset.records]

    def one(index):
        rng = np.random.default_rng([epoch, index])
        return len(read_clips(paths[index], lambda n: sampler.sample(n, rng), geometry=geometry)[0])

    start = time.perf_counter()
    clips = sum(pool.map(one, range(len(paths))))
    return clips / (time.perf_counter() - start)


def pipeline_epoch(dataset: tf.data.Dataset, augment=None) -> float:
    """clips/s of one pass; ``augment`` runs on each batch as a training step's first layer would."""
    clips = 0
    start = time.perf_counter()
    for batch, _labels in dataset:
        if augment is not None:
            augment(batch).numpy()  # waits for the device
        clips += int(batch.shape[0])
    return clips / (time.perf_counter() - start)


def to_markdown(results: list[dict], header: str) -> str:
    columns = ["path", "clips/s (best)", "clips/s (median)", "best vs decode only", "frames/s decoded or read"]
    rows = [
        [
            r["path"],
            f"{r['clips_per_s']:.1f}",
            f"{r['median_clips_per_s']:.1f}",
            f"{r['vs_decode_only']:.2f}",
            f"{r['frames_per_s']:.0f}",
        ]
        for r in results
    ]
    return f"{header}\n\n{markdown_table(columns, rows)}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=_size, default=(240, 320), help="video HEIGHTxWIDTH (default 240x320)")
    parser.add_argument("--frames", type=int, default=100, help="frames per video (default 100)")
    parser.add_argument("--videos-per-class", type=int, default=6, help="of the 10 source classes (default 6)")
    parser.add_argument("--clip-frames", type=int, default=10, help="T, frames per clip (default 10)")
    parser.add_argument("--crop", type=int, default=170, help="augmentation crop (resize = crop * 200 / 170)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="decode threads / parallel videos (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs of each path, taken in turn (default 5)")
    parser.add_argument("--short-side", type=int, default=None, help="shard frames' short side (default: as is)")
    parser.add_argument("--data", type=Path, default=None, help="where generated videos are cached")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "pipeline")
    parser.add_argument("--update-readme", action="store_true", help="replace the README's pipeline table")
    args = parser.parse_args()

    height, width = args.size
    data = args.data or Path(tempfile.gettempdir()) / f"kvz-bench-videos-{height}x{width}-{args.frames}"
    started = time.perf_counter()
    root = generate_dataset(
        data, kind="source", videos_per_class=args.videos_per_class, size=args.size, frames=args.frames
    )
    print(f"videos ready in {time.perf_counter() - started:.0f} s: {root}", file=sys.stderr)
    dataset = ucf101(root, split=1, subset="all")
    sampler = TrainingClips(frames=args.clip_frames)
    crop = min(args.crop, height, width)
    side = round(crop * 200 / 170)
    geometry = FrameGeometry.square_of(side)  # every path ships the model's pipeline square
    layer = ClipAugmentation(crop, side, seed=0)
    short_side = args.short_side or min(height, width)

    def pipeline(clips_per_video: int = 1):
        return training_dataset(
            VideoFiles(dataset, geometry),
            TrainingClips(frames=args.clip_frames, clips_per_video=clips_per_video),
            batch_size=args.batch,
            parallel_videos=args.workers,
            seed=0,
        )

    shards_dir = Path(tempfile.mkdtemp(prefix="kvz-bench-shards-"))
    try:
        start = time.perf_counter()
        write_shards(
            dataset, shards_dir, short_side=short_side, videos_per_shard=8, workers=args.workers, progress=False
        )
        prepare_seconds = time.perf_counter() - start

        def shard_pipeline():
            return training_dataset(
                RGBShards(shards_dir, geometry), sampler, batch_size=args.batch, parallel_videos=args.workers, seed=0
            )

        augment = tf.function(lambda clips: tf.reduce_sum(layer(clips, training=True)[:, 0, 0, 0]))
        paths = {
            "decode only (read_frames, threads)": None,
            "videos -> uint8 batches (tf.data)": (pipeline(), None),
            "videos -> augmented batches": (pipeline(), augment),
            f"videos -> uint8 batches, {MANY_CLIPS} clips per decode": (pipeline(MANY_CLIPS), None),
            "shards -> uint8 batches (TFRecord)": (shard_pipeline(), None),
            "shards -> augmented batches": (shard_pipeline(), augment),
        }
        rates = {name: [] for name in paths}
        with ThreadPoolExecutor(args.workers) as pool:
            # A warm-up epoch each, then rounds taking the paths in turn, so that other load on the
            # machine hits them alike; the best round is the least disturbed one.
            for round_index in range(args.rounds + 1):
                for name, path in paths.items():
                    if path is None:
                        rate = decode_only_epoch(dataset, sampler, geometry, pool, round_index)
                    else:
                        rate = pipeline_epoch(*path)
                    if round_index:
                        rates[name].append(rate)
                        print(f"round {round_index} {name:40s} {rate:8.1f} clips/s", file=sys.stderr, flush=True)
        measured = [(name, max(values), statistics.median(values)) for name, values in rates.items()]
    finally:
        shutil.rmtree(shards_dir, ignore_errors=True)

    decode_rate = measured[0][1]
    results = []
    for name, clips_per_s, median in measured:
        # Frames per second: decoded from video (a video decodes up to its last clip's end) or JPEGs from shards.
        clips_per_decode = MANY_CLIPS if "per decode" in name else 1
        last_start = clips_per_decode / (clips_per_decode + 1) * (args.frames - args.clip_frames)  # mean of the max
        decoded = args.clip_frames if name.startswith("shards") else (last_start + args.clip_frames) / clips_per_decode
        results.append(
            {
                "path": name,
                "clips_per_s": clips_per_s,
                "median_clips_per_s": median,
                "vs_decode_only": clips_per_s / decode_rate,
                "frames_per_s": clips_per_s * decoded,
            }
        )
    results.append(
        {
            "path": f"kvz prepare (write shards, short side {short_side})",
            "clips_per_s": len(dataset) / prepare_seconds,
            "median_clips_per_s": len(dataset) / prepare_seconds,
            "vs_decode_only": len(dataset) / prepare_seconds / decode_rate,
            "frames_per_s": len(dataset) * args.frames / prepare_seconds,
            "unit": "videos/s",
        }
    )

    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    gpus = tf.config.list_physical_devices("GPU")
    machine += f", {len(gpus)} GPU(s)" if gpus else ", no GPU (augmentation on the CPU)"
    today = datetime.date.today().isoformat()
    header = (
        f"Measured {today} on {machine}; {len(dataset)} generated XviD videos of {args.frames} frames at "
        f"{height}x{width}; one random {args.clip_frames}-frame clip per video per epoch, batch {args.batch}, "
        f"{args.workers} workers, augmentation to {crop}x{crop} as a training step's first layer would run it; "
        f"best and median of {args.rounds} epochs per path, taken in turn after a warm-up epoch. "
        f"The last row is videos/s. Regenerate with `python benchmarks/pipeline.py --update-readme`."
    )
    meta = {
        "date": today,
        "machine": machine,
        "videos": len(dataset),
        "video_frames": args.frames,
        "size": [height, width],
        "clip_frames": args.clip_frames,
        "batch": args.batch,
        "workers": args.workers,
        "rounds": args.rounds,
        "crop": crop,
        "shard_short_side": short_side,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    section = to_markdown(results, header)
    args.output.with_suffix(".md").write_text(section)
    print(section)
    if args.update_readme:
        replace_marked_section(ROOT / "README.md", README_MARKERS, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
