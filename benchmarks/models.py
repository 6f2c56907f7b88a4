"""Size, cost and speed of every registered model, side by side in one run.

For each model: parameters, FLOPs per clip, and the throughput (clips/s) of
inference and of one SGD training step on random uint8 clips, measured as the
median over timed steps after warm-up, plus the achieved GFLOP/s and each
model's time relative to its family's single-frame model (ratios hold across
machines better than absolute times).

Run:
    python benchmarks/models.py                      # every model
    python benchmarks/models.py --models '*_tiny'    # a subset
    python benchmarks/models.py --update-readme      # also refresh README.md

Results go to benchmarks/results/models.json and models.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras_video_zoo  # noqa: F401  first: TensorFlow then loads with oneDNN on, as in users' processes

# isort: split
import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo import create_model, list_models
from keras_video_zoo.markdown import markdown_table, replace_marked_section
from keras_video_zoo.models.flops import count_flops

ROOT = Path(__file__).resolve().parent.parent
README_MARKERS = ("<!-- benchmark:models:start -->", "<!-- benchmark:models:end -->")


def median_seconds(step, warmup: int, steps: int) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, batch: int, warmup: int, steps: int) -> dict:
    model = create_model(name)
    rng = np.random.default_rng(0)
    clips = keras.tree.map_structure(
        lambda tensor: rng.integers(0, 256, (batch, *tensor.shape[1:]), dtype=np.uint8), model.input
    )
    labels = keras.tree.map_structure(lambda output: rng.integers(0, output.shape[-1], batch), model.output)
    flops = count_flops(model)

    infer = median_seconds(lambda: model.predict_on_batch(clips), warmup, steps)
    model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="sparse_categorical_crossentropy")
    train = median_seconds(lambda: model.train_on_batch(clips, labels), warmup, steps)
    result = {
        "model": name,
        "input": keras.tree.map_structure(lambda tensor: list(tensor.shape[1:]), model.input),
        "params": model.count_params(),
        "param_mib": model.count_params() * 4 / 2**20,
        "gflops_per_clip": flops / 1e9,
        "batch": batch,
        "inference_clips_per_s": batch / infer,
        "train_clips_per_s": batch / train,
        # A training step is about 3x the forward FLOPs (forward, input and weight gradients).
        "inference_gflops_per_s": flops * batch / infer / 1e9,
        "train_gflops_per_s": 3 * flops * batch / train / 1e9,
    }
    keras.backend.clear_session(free_memory=True)
    return result


def baseline_name(model: str) -> str:
    """The one-frame model of the same family and size: single_frame or spatial_stream."""
    family = "spatial_stream" if "stream" in model else "single_frame"
    return family + ("_tiny" if model.endswith("_tiny") else "")


def add_ratios(results: list[dict]) -> None:
    """Training and inference time of each model relative to its baseline_name()."""
    by_name = {r["model"]: r for r in results}
    for r in results:
        baseline = by_name.get(baseline_name(r["model"]))
        if baseline:
            r["baseline"] = baseline["model"]
            r["train_time_vs_baseline"] = baseline["train_clips_per_s"] / r["train_clips_per_s"]
            r["inference_time_vs_baseline"] = baseline["inference_clips_per_s"] / r["inference_clips_per_s"]


def _flat_shapes(structure) -> list[list[int]]:
    return list(structure.values()) if isinstance(structure, dict) else [structure]


def to_markdown(results: list[dict], header: str) -> str:
    columns = [
        "model",
        "input",
        "params",
        "GFLOPs/clip",
        "infer clips/s",
        "train clips/s",
        "train GFLOP/s",
        "train time / single_frame",
    ]
    rows = [
        [
            r["model"],
            " + ".join("x".join(map(str, shape)) for shape in _flat_shapes(r["input"])),
            f"{r['params']:,}",
            f"{r['gflops_per_clip']:.3f}",
            f"{r['inference_clips_per_s']:.1f}",
            f"{r['train_clips_per_s']:.1f}",
            f"{r['train_gflops_per_s']:.1f}",
            f"{r['train_time_vs_baseline']:.2f}x" if "train_time_vs_baseline" in r else "",
        ]
        for r in results
    ]
    return f"{header}\n\n{markdown_table(columns, rows)}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=None, help="shell-style pattern over registry names (default: all)")
    parser.add_argument("--batch", type=int, default=8, help="clips per step")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per measurement (median reported)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "models")
    parser.add_argument("--update-readme", action="store_true", help="replace the README's benchmark table")
    args = parser.parse_args()

    names = list_models(args.models)
    if not names:
        print(f"no model matches {args.models!r}", file=sys.stderr)
        return 2
    results = []
    for name in names:
        results.append(measure(name, args.batch, args.warmup, args.steps))
        r = results[-1]
        print(
            f"{name:28s} infer {r['inference_clips_per_s']:8.1f} clips/s  train {r['train_clips_per_s']:8.1f} clips/s",
            file=sys.stderr,
            flush=True,
        )
    add_ratios(results)

    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}, Keras {keras.__version__}"
    )
    gpus = tf.config.list_physical_devices("GPU")
    machine += f", {len(gpus)} GPU(s)" if gpus else ", no GPU"
    today = datetime.date.today().isoformat()
    header = (
        f"Measured {today} on {machine}; batch {args.batch}, median of {args.steps} steps after {args.warmup} "
        f"warm-up steps; baseline: `single_frame` for Karpathy models, `spatial_stream` for two-stream ones, "
        f"at the same size. Regenerate with `python benchmarks/models.py --update-readme`."
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    meta = {"date": today, "machine": machine, "batch": args.batch, "steps": args.steps, "warmup": args.warmup}
    args.output.with_suffix(".json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    section = to_markdown(results, header)
    args.output.with_suffix(".md").write_text(section)
    print(section)
    if args.update_readme:
        replace_marked_section(ROOT / "README.md", README_MARKERS, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
