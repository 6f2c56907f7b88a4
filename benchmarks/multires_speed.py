"""Multiresolution speed: training and inference clips/s of multires models against full-frame ones, side by side.

Karpathy et al. (2014, Sec. 3.2) feed two half-size streams (a fovea crop and a
downsampled context) instead of the full frame and report 2-4x faster training at
equal accuracy. Each pair here (full-frame model, its multires twin) is timed in
alternating rounds in one process, so a shared CPU's load hits both alike; the
speedup is full-frame time / multires time, with each model's accuracy from
``benchmarks/karpathy_table1.py`` (video hit@1 on the synthetic source set) next to it.

Pairs: the tiny variants (64x64 frames, 1/8 width), and a mid size where convolutions
dominate the step: the paper's input (170x170 full frame, 178x178 for multires) at
1/4 width with 256-unit fc layers (not trained; speed only).

Run (about 2 minutes on 2 idle CPU cores)::

    python benchmarks/multires_speed.py
    python benchmarks/multires_speed.py --quick          # fewer steps, for development
    python benchmarks/multires_speed.py --update-readme  # also refresh README.md's table

Results: benchmarks/results/multires_speed.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex
import keras
import numpy as np

from keras_video_zoo import create_model
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.models.flops import count_flops

NAME = "multires_speed"
MID = {"width": 0.25, "fc_units": 256, "num_classes": 10}


@dataclass(frozen=True)
class Variant:
    """One timed model: a registered name plus factory overrides.

    Attributes:
        label: how the tables name it.
        model: the registered model.
        overrides: ``create_model`` arguments.
        accuracy_of: the model whose karpathy_table1 accuracy applies (None: not trained there).
    """

    label: str
    model: str
    overrides: dict = field(default_factory=dict)
    accuracy_of: str | None = None

    def build(self) -> keras.Model:
        return create_model(self.model, **self.overrides)


def tiny(name: str) -> Variant:
    return Variant(name, name, {"num_classes": 10}, accuracy_of=name)


PAIRS: tuple[tuple[Variant, Variant], ...] = (
    (tiny("single_frame_tiny"), tiny("single_frame_multires_tiny")),
    (tiny("slow_fusion_tiny"), tiny("slow_fusion_multires_tiny")),
    (
        Variant("single_frame 170 px, width 1/4", "single_frame", {**MID, "input_shape": (1, 170, 170, 3)}),
        Variant("single_frame_multires 178 px, width 1/4", "single_frame_multires", MID),
    ),
    (
        Variant("slow_fusion 170 px, width 1/4", "slow_fusion", {**MID, "input_shape": (10, 170, 170, 3)}),
        Variant("slow_fusion_multires 178 px, width 1/4", "slow_fusion_multires", MID),
    ),
)
DEFAULTS = {"batch": 16, "rounds": 8, "steps": 3, "warmup": 2}
QUICK = {"batch": 4, "rounds": 2, "steps": 1, "warmup": 1}


def median_clips_per_second(seconds: list[float], batch: int) -> float:
    """Throughput from the median step time.

    Example:
    >>> median_clips_per_second([0.5, 0.25, 1.0], 8)
    16.0
    """
    return batch / statistics.median(seconds)


def speedup(full: dict, multires: dict, key: str) -> float:
    """How many times faster the multires model runs (full-frame time / multires time).

    Example:
    >>> speedup({"train_clips_per_s": 10.0}, {"train_clips_per_s": 25.0}, "train_clips_per_s")
    2.5
    """
    return multires[key] / full[key]


class Timer:
    """A compiled model and a fixed random batch, timed one step at a time."""

    def __init__(self, variant: Variant, batch: int) -> None:
        self.model = variant.build()
        rng = np.random.default_rng(0)
        self.clips = rng.integers(0, 256, (batch, *self.model.input_shape[1:]), dtype=np.uint8)
        self.labels = rng.integers(0, self.model.output_shape[-1], batch)
        self.model.compile(optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="sparse_categorical_crossentropy")
        self.times: dict[str, list[float]] = {"inference": [], "train": []}

    def steps(self) -> dict[str, Callable[[], object]]:
        return {
            "inference": lambda: self.model.predict_on_batch(self.clips),
            "train": lambda: self.model.train_on_batch(self.clips, self.labels),
        }

    def run(self, kind: str, steps: int, record: bool = True) -> None:
        step = self.steps()[kind]
        for _ in range(steps):
            started = time.perf_counter()
            step()
            if record:
                self.times[kind].append(time.perf_counter() - started)


def measure_pair(pair: tuple[Variant, Variant], settings: dict) -> list[dict]:
    """Both models of a pair, timed in alternating rounds (warm-up first)."""
    timers = [Timer(variant, settings["batch"]) for variant in pair]
    for timer in timers:
        for kind in ("inference", "train"):
            timer.run(kind, settings["warmup"], record=False)
    for _ in range(settings["rounds"]):
        for kind in ("inference", "train"):
            for timer in timers:
                timer.run(kind, settings["steps"])
    results = []
    for variant, timer in zip(pair, timers, strict=True):
        results.append(
            {
                "label": variant.label,
                "model": variant.model,
                "overrides": {k: list(v) if isinstance(v, tuple) else v for k, v in variant.overrides.items()},
                "input": list(timer.model.input_shape[1:]),
                "params": timer.model.count_params(),
                "gflops_per_clip": count_flops(timer.model) / 1e9,
                "inference_clips_per_s": median_clips_per_second(timer.times["inference"], settings["batch"]),
                "train_clips_per_s": median_clips_per_second(timer.times["train"], settings["batch"]),
                "timed_steps": len(timer.times["train"]),
                "accuracy_of": variant.accuracy_of,
            }
        )
    keras.backend.clear_session(free_memory=True)
    return results


def karpathy_accuracy(path: Path) -> dict[str, dict]:
    """{model: video hit@1 seed summary} from karpathy_table1's results (empty when it has not been run)."""
    if not path.exists():
        return {}
    summary = json.loads(path.read_text())["summary"].get("mirrored", {})
    return {model: metrics["video_hit@1"] for model, metrics in summary.items()}


def to_markdown(pairs: list[list[dict]], accuracy: dict, record: dict, settings: dict, accuracy_source: str) -> str:
    rows = []
    for full, multires in pairs:
        for result, is_multires in ((full, False), (multires, True)):
            rows.append(
                [
                    result["label"] if result["accuracy_of"] is None else f"`{result['label']}`",
                    "x".join(map(str, result["input"])),
                    f"{result['params']:,}",
                    f"{result['gflops_per_clip']:.3f}",
                    f"{result['train_clips_per_s']:.1f}",
                    f"{result['inference_clips_per_s']:.1f}",
                    f"{speedup(full, multires, 'train_clips_per_s'):.2f}x" if is_multires else "1 (baseline)",
                    f"{speedup(full, multires, 'inference_clips_per_s'):.2f}x" if is_multires else "1 (baseline)",
                    ex.mean_std_cell(accuracy.get(result["accuracy_of"])) if result["accuracy_of"] else "not trained",
                ]
            )
    columns = (
        "model",
        "input",
        "params",
        "GFLOPs/clip",
        "train clips/s",
        "inference clips/s",
        "train speedup",
        "inference speedup",
        "video hit@1 (karpathy_table1)",
    )
    header = (
        f"Batch {settings['batch']}; median step over {settings['rounds']} alternating rounds x {settings['steps']} "
        f"steps per model after {settings['warmup']} warm-up steps (train: one SGD step). Speedup: full-frame time / "
        f"multires time of the pair. Accuracy: mean ± std over seeds from {accuracy_source}. "
        f"Measured {record['date']} on {record['machine']}: `{record['command']}`."
    )
    return f"{header}\n\n{markdown_table(columns, rows)}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, help=f"clips per step (default {DEFAULTS['batch']})")
    parser.add_argument("--rounds", type=int, help=f"alternating rounds (default {DEFAULTS['rounds']})")
    parser.add_argument("--steps", type=int, help=f"timed steps per model and round (default {DEFAULTS['steps']})")
    parser.add_argument("--quick", action="store_true", help="batch 4, 2 rounds of 1 step: for development")
    parser.add_argument("--tiny-only", action="store_true", help="skip the mid-size pairs")
    parser.add_argument("--results-dir", type=Path, help="default benchmarks/results (--quick: a temporary folder)")
    parser.add_argument("--update-readme", action="store_true", help="refresh README.md's marked table")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.quick and args.update_readme:
        parser.error("--quick results are for development; run without --quick to refresh the README.")
    settings = dict(QUICK if args.quick else DEFAULTS)
    for key in ("batch", "rounds", "steps"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    pairs = PAIRS[:2] if args.tiny_only else PAIRS
    measured = []
    for pair in pairs:
        measured.append(measure_pair(pair, settings))
        full, multires = measured[-1]
        ex.log(
            f"{multires['label']} vs {full['label']}: train {speedup(full, multires, 'train_clips_per_s'):.2f}x, "
            f"inference {speedup(full, multires, 'inference_clips_per_s'):.2f}x"
        )
    accuracy_path = ex.RESULTS_DIR / "karpathy_table1.json"
    accuracy = karpathy_accuracy(accuracy_path)
    record = ex.run_record(NAME, argv)
    accuracy_source = "`benchmarks/results/karpathy_table1.json`" if accuracy else "nowhere (run karpathy_table1 first)"
    markdown = to_markdown(measured, accuracy, record, settings, accuracy_source)
    payload = {
        "meta": record | {"settings": settings, "accuracy_source": str(accuracy_path) if accuracy else None},
        "pairs": [
            {
                "full": full,
                "multires": multires,
                "train_speedup": speedup(full, multires, "train_clips_per_s"),
                "inference_speedup": speedup(full, multires, "inference_clips_per_s"),
                "video_hit@1": {r["model"]: accuracy.get(r["accuracy_of"]) for r in (full, multires)},
            }
            for full, multires in measured
        ],
    }
    ex.write_results(
        NAME, payload, markdown, ex.results_dir(args.results_dir, args.quick), update_readme=args.update_readme
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
