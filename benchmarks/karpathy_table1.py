"""Karpathy et al. 2014, Table 1 in miniature: which fusion sees motion, on the synthetic source set.

Every model of the paper's Table 1 (single-frame; its multiresolution variants: fovea
only, context only, both; early, late and slow fusion; slow fusion + multires) is
trained from scratch the way the bundled weights are (``weights/train_bundled.py``:
``small_adam``, dropout 0.2, batch 16, 4 random clips per video and epoch) on split 1
of the synthetic source set and tested on its 80 test videos with Karpathy's protocol
(random clips x 4 crop/flip views, averaged). The "CNN average" row averages the video
scores of single-frame, early, late and slow fusion, as the paper does.

Reported per model, as mean ± std over training seeds: clip hit@1, video hit@1/@5,
and video hit@1 on the motion-defined classes (twins that differ only in how they move)
and the appearance-defined ones; plus, per twin pair, the share of its test videos
given to the twin (a model blind to motion sends about half there).

Run (about 15 minutes on 2 CPU cores)::

    python benchmarks/karpathy_table1.py                  # full: 3 seeds
    python benchmarks/karpathy_table1.py --quick          # 1 seed, 1 epoch, few videos (development)
    python benchmarks/karpathy_table1.py --update-readme  # also refresh README.md's table

Results: benchmarks/results/karpathy_table1.json and .md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex
import keras

from keras_video_zoo import create_model
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.sampling import KarpathyProtocol
from keras_video_zoo.data.synthetic_dataset import SOURCE_CLASSES, class_kind_groups, default_data_dir
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_videos, evaluate_video_scores
from keras_video_zoo.markdown import markdown_table

NAME = "karpathy_table1"
# (row label, registered model), in the paper's order.
MODELS = (
    ("Single-Frame", "single_frame_tiny"),
    ("Single-Frame + Multires", "single_frame_multires_tiny"),
    ("Single-Frame Fovea Only", "single_frame_fovea_tiny"),
    ("Single-Frame Context Only", "single_frame_context_tiny"),
    ("Early Fusion", "early_fusion_tiny"),
    ("Late Fusion", "late_fusion_tiny"),
    ("Slow Fusion", "slow_fusion_tiny"),
    ("Slow Fusion + Multires", "slow_fusion_multires_tiny"),
)
CNN_AVERAGE = ("CNN Average (Single+Early+Late+Slow)", "cnn_average")
AVERAGED = ("single_frame_tiny", "early_fusion_tiny", "late_fusion_tiny", "slow_fusion_tiny")
TWINS = {spec.name: spec.twin for spec in SOURCE_CLASSES if spec.twin}
TWIN_PAIRS = tuple(
    (spec.name, spec.twin, spec.differs_in) for spec in SOURCE_CLASSES if spec.twin and spec.name < spec.twin
)
DEFAULTS = {"seeds": [0, 1, 2], "epochs": 10, "eval_clips": 10}
QUICK = {"seeds": [0], "epochs": 1, "eval_clips": 2, "train_per_class": 3, "test_per_class": 2}


def evaluation_summary(results: dict) -> dict:
    """Scalar metrics and twin confusion of one evaluation (the part kept in the JSON)."""
    class_names = results["class_names"]
    labels = [label[0] for label in results["video_labels"]]
    confusion = ex.twin_confusion(results["video_scores"], labels, class_names, TWINS)
    metrics = ex.flat_metrics(results)
    metrics["motion_to_twin"] = sum(c["twin"] for c in confusion.values()) / max(1, len(confusion))
    for first, second, _ in TWIN_PAIRS:
        pair = [confusion[name]["twin"] for name in (first, second) if name in confusion]
        metrics[f"to_twin_{first}/{second}"] = sum(pair) / len(pair) if pair else None
    return {"metrics": metrics, "twin_confusion": confusion}


def cnn_average(evaluations: list[dict]) -> dict:
    """The CNN-average evaluation: mean video scores of several models (no clip-level scores, so no clip hit)."""
    video_ids, scores = ex.average_video_scores(evaluations)
    first = evaluations[0]
    labels = dict(zip(first["video_ids"], [tuple(label) for label in first["video_labels"]], strict=True))
    results = evaluate_video_scores(
        scores, video_ids, labels, class_names=first["class_names"], groups=class_kind_groups("source")
    )
    results["clip_hit@1"] = None  # averaging video scores leaves no clip scores to count
    return results


def run_seed(seed: int, models: list[str], data: dict, args: argparse.Namespace, *, mirror: bool) -> dict:
    """Trains and tests every model with one seed; returns {model: summary} with the CNN average.

    ``mirror``: the bundled recipe (random flips in training, Karpathy's mirrored test views), or no mirroring.
    """
    out, evaluations = {}, {}
    for name in models:
        keras.utils.set_random_seed(seed)
        model = create_model(name, num_classes=data["train"].num_classes, dropout=ex.DROPOUT)
        seconds = ex.timed_training(
            lambda run_dir, model=model: ex.train_rgb(
                model, data["train"], run_dir=run_dir, epochs=args.epochs, seed=seed, mirror=mirror
            )
        )
        views = {} if mirror else {"views": ex.unmirrored_karpathy_views()}
        protocol = KarpathyProtocol(clips=args.eval_clips, frames=model.input_shape[1], seed=0, **views)
        results = evaluate_on_videos(model, data["test"], protocol, groups=class_kind_groups("source"), progress=False)
        evaluations[name] = results
        out[name] = evaluation_summary(results) | {"train_seconds": round(seconds, 1)}
        metrics = out[name]["metrics"]
        ex.log(
            f"seed {seed} {'mirrored' if mirror else 'unmirrored'} {name}: video hit@1 {metrics['video_hit@1']:.3f} "
            f"(motion {metrics['video_hit@1_motion']:.3f}, appearance {metrics['video_hit@1_appearance']:.3f}), "
            f"to twin {metrics['motion_to_twin']:.3f}, trained in {seconds:.0f} s"
        )
        keras.backend.clear_session(free_memory=True)
    if all(name in evaluations for name in AVERAGED):
        out[CNN_AVERAGE[1]] = evaluation_summary(cnn_average([evaluations[name] for name in AVERAGED]))
    return out


METRIC_COLUMNS = {
    "clip_hit@1": "clip hit@1",
    "video_hit@1": "video hit@1",
    "video_hit@5": "video hit@5",
    "video_hit@1_motion": "video hit@1 motion classes",
    "video_hit@1_appearance": "video hit@1 appearance classes",
}


def results_tables(summary: dict) -> tuple[str, str]:
    """The Table-1 miniature and the twin-confusion table of one variant's {model: {metric: seed summary}}."""
    labels = {model: label for label, model in (*MODELS, CNN_AVERAGE)}
    rows, twin_rows = [], []
    for model, metrics in summary.items():
        zoo = f"`{model}`" if model != CNN_AVERAGE[1] else "mean of the four video scores"
        rows.append([labels[model], zoo, *(ex.mean_std_cell(metrics.get(key)) for key in METRIC_COLUMNS)])
        twin_rows.append(
            [
                labels[model],
                ex.mean_std_cell(metrics.get("motion_to_twin")),
                *(ex.mean_std_cell(metrics.get(f"to_twin_{a}/{b}")) for a, b, _ in TWIN_PAIRS),
            ]
        )
    table = markdown_table(("model", "zoo model", *METRIC_COLUMNS.values()), rows)
    twins = markdown_table(
        ("model", "motion videos given to the twin", *(f"{a} / {b} ({why})" for a, b, why in TWIN_PAIRS)), twin_rows
    )
    return table, twins


def to_markdown(summary: dict, record: dict, setup: dict) -> str:
    """The results' Markdown: per variant, the Table-1 miniature and the twin-confusion table."""
    header = (
        f"Mean ± std over seeds {setup['seeds']} (model weights, data order, augmentation); synthetic source set "
        f"split 1 ({setup['train_videos']} train / {setup['test_videos']} test videos, 10 classes: 3 motion-twin "
        f"pairs, 4 appearance classes); {setup['epochs']} epochs x {ex.CLIPS_PER_VIDEO} clips per video, "
        f"`{ex.RECIPE}`, dropout {ex.DROPOUT}; Karpathy protocol with {setup['eval_clips']} random clips x 4 views. "
        f"Measured {record['date']} on {record['machine']} in {setup['minutes']:.1f} min: `{record['command']}`."
    )
    parts = [header]
    titles = {
        "mirrored": "**Bundled recipe** (random mirroring in training; Karpathy's 4 test views, 2 of them mirrored):",
        "unmirrored": "**Without mirroring** (no flips in training; 4 unmirrored test views: centre and 3 corners):",
    }
    for variant, by_model in summary.items():
        table, twins = results_tables(by_model)
        parts += [
            titles[variant],
            table,
            "Share of each motion-defined class's test videos predicted as its motion twin "
            "(a motion-blind model that knows the pair: about 0.5):",
            twins,
        ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", help=f"training seeds (default {DEFAULTS['seeds']})")
    parser.add_argument("--epochs", type=int, help=f"epochs (default {DEFAULTS['epochs']})")
    parser.add_argument(
        "--eval-clips", type=int, help=f"random test clips per video (default {DEFAULTS['eval_clips']})"
    )
    parser.add_argument("--models", nargs="+", choices=[m for _, m in MODELS], help="a subset of the models")
    parser.add_argument(
        "--unmirrored-models",
        nargs="*",
        choices=[m for _, m in MODELS],
        default=[],
        help="models also trained without flips and tested on unmirrored views (checks that mirroring keeps classes)",
    )
    parser.add_argument("--quick", action="store_true", help="1 seed, 1 epoch, 3 train / 2 test videos per class")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(), help="where the synthetic set is kept")
    parser.add_argument("--results-dir", type=Path, help="default benchmarks/results (--quick: a temporary folder)")
    parser.add_argument("--update-readme", action="store_true", help="refresh README.md's marked table")
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    if args.quick and args.update_readme:
        parser.error("--quick results are for development; run without --quick to refresh the README.")
    preset = QUICK if args.quick else DEFAULTS
    args.seeds = args.seeds or preset["seeds"]
    args.epochs = args.epochs or preset["epochs"]
    args.eval_clips = args.eval_clips or preset["eval_clips"]
    models = args.models or [m for _, m in MODELS]

    paths = ex.synthetic_sets(args.data_dir)
    data = {
        "train": ex.subsample(ucf101(paths["source"], split=ex.SPLIT, subset="train"), preset.get("train_per_class")),
        "test": ex.subsample(ucf101(paths["source"], split=ex.SPLIT, subset="test"), preset.get("test_per_class")),
    }
    started = time.perf_counter()
    variants = {"mirrored": models}
    if args.unmirrored_models:
        variants["unmirrored"] = args.unmirrored_models
    per_seed = {
        variant: {seed: run_seed(seed, chosen, data, args, mirror=variant == "mirrored") for seed in args.seeds}
        for variant, chosen in variants.items()
    }
    minutes = (time.perf_counter() - started) / 60
    summary = {
        variant: {
            model: ex.aggregate([runs[seed][model]["metrics"] for seed in args.seeds]) for model in runs[args.seeds[0]]
        }
        for variant, runs in per_seed.items()
    }
    record = ex.run_record(NAME, argv)
    setup = {
        "seeds": args.seeds,
        "epochs": args.epochs,
        "eval_clips": args.eval_clips,
        "quick": args.quick,
        "train_videos": len(data["train"]),
        "test_videos": len(data["test"]),
        "minutes": minutes,
        "recipe": ex.RECIPE,
        "dropout": ex.DROPOUT,
        "clips_per_video": ex.CLIPS_PER_VIDEO,
        "batch_size": ex.BATCH_SIZE,
        "data_seed": ex.DATA_SEED,
        "split": ex.SPLIT,
    }
    markdown = to_markdown(summary, record, setup)
    payload = {"meta": record | {"setup": setup}, "summary": summary, "per_seed": per_seed}
    ex.write_results(
        NAME, payload, markdown, ex.results_dir(args.results_dir, args.quick), update_readme=args.update_readme
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
