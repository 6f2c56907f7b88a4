"""Karpathy et al.'s Table 3 (and Table 4's per-group view) in miniature: transfer from the bundled slow fusion weights.

The bundled ``slow_fusion_tiny.synthetic`` checkpoint (trained on the synthetic
*source* set, the stand-in for Sports-1M) is transferred to the synthetic *target*
set (5 other classes, the stand-in for UCF-101) four ways, as in the paper:

* ``scratch``: the same architecture, every weight re-initialised;
* ``top``: only a new classifier trains;
* ``top3``: fc6, fc7 and a new classifier train;
* ``all``: every layer fine-tunes.

Dropout before the trained layers is 0.2, the rate the checkpoint was trained with, not the
paper's 0.9: that suits 4096-unit fc layers but keeps ~6 of a tiny model's 64 units, and the
new head then does not learn (measured: top3 on the target set, video hit@1 0.05 at 0.9).

Each mode runs with several seeds (the seed sets the new head, data order, clips and
augmentation), is trained the same way (the ``small_adam`` recipe) and evaluated with
the Karpathy protocol (20 clips x 4 views) on split 1's test videos. The table gives
mean ± std over the seeds of clip hit@1, video hit@1, mAP and the mAP of the
motion-defined and appearance-defined classes (the analogue of Table 4's class groups).

Run:
    python benchmarks/transfer.py                    # 4 modes x 3 seeds, ~10 minutes on 2 cores
    python benchmarks/transfer.py --quick            # 1 seed, 2 epochs
    python benchmarks/transfer.py --update-readme    # also refresh README.md

Results go to benchmarks/results/transfer.json and transfer.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from keras_video_zoo import from_pretrained
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.sampling import KarpathyProtocol
from keras_video_zoo.data.synthetic_dataset import class_kind_groups, default_data_dir, generate_dataset
from keras_video_zoo.evaluation.markdown import markdown_table, replace_marked_section
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_videos
from keras_video_zoo.training.transfer import TRANSFER_MODES
from keras_video_zoo.training.video_training import train_on_videos

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
README_MARKERS = ("<!-- benchmark:transfer:start -->", "<!-- benchmark:transfer:end -->")
BASE = "slow_fusion_tiny.synthetic"
METRICS = ("clip_hit@1", "video_hit@1", "mAP", "mAP_motion", "mAP_appearance")


def run_once(mode: str, seed: int, train, test, *, epochs: int, clips_per_video: int, dropout: float | None) -> dict:
    """One transfer run: load, prepare for ``mode``, train, evaluate; returns its metrics."""
    keras.utils.set_random_seed(seed)
    model = from_pretrained(BASE, num_classes=train.num_classes, transfer=mode, seed=seed, dropout=dropout)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        train_on_videos(
            model, train, run_dir=run_dir, epochs=epochs, clips_per_video=clips_per_video, seed=seed, verbose=0
        )
    seconds = time.perf_counter() - started
    results = evaluate_on_videos(
        model, test, KarpathyProtocol(frames=model.input_shape[1]), groups=class_kind_groups("target"), progress=False
    )
    return {
        "mode": mode,
        "seed": seed,
        "clip_hit@1": results["clip_hit@1"],
        "video_hit@1": results["video_hit@1"],
        "mAP": results["mAP"],
        "mAP_motion": results["group_mAP"]["motion"],
        "mAP_appearance": results["group_mAP"]["appearance"],
        "video_hit@1_motion": results["group_video_hit@1"]["motion"],
        "video_hit@1_appearance": results["group_video_hit@1"]["appearance"],
        "trainable_params": sum(int(keras.ops.size(w)) for w in model.trainable_weights),
        "train_seconds": round(seconds, 1),
    }


def summarise(runs: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds of every metric, per mode, in ``TRANSFER_MODES`` order.

    Example:
    >>> runs = [{"mode": "top", "seed": 0, "trainable_params": 5, **dict.fromkeys(METRICS, 0.5)},
    ...         {"mode": "top", "seed": 1, "trainable_params": 5, **dict.fromkeys(METRICS, 0.7)}]
    >>> row = summarise(runs)[0]
    >>> row["mode"], row["seeds"], round(row["video_hit@1"]["mean"], 2), round(row["video_hit@1"]["std"], 3)
    ('top', [0, 1], 0.6, 0.141)
    """
    rows = []
    for mode in TRANSFER_MODES:
        mine = [run for run in runs if run["mode"] == mode]
        if not mine:
            continue
        row = {"mode": mode, "seeds": [run["seed"] for run in mine], "trainable_params": mine[0]["trainable_params"]}
        for metric in METRICS:
            values = [run[metric] for run in mine]
            row[metric] = {
                "mean": statistics.fmean(values),
                "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            }
        rows.append(row)
    return rows


def to_markdown(rows: list[dict], header: str) -> str:
    columns = ("transfer", "trainable params", *METRICS, "seeds")
    body = [
        (
            f"`{row['mode']}`",
            f"{row['trainable_params']:,}",
            *(f"{row[m]['mean']:.3f} ± {row[m]['std']:.3f}" for m in METRICS),
            ", ".join(map(str, row["seeds"])),
        )
        for row in rows
    ]
    return header + "\n\n" + markdown_table(columns, body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="*", default=list(TRANSFER_MODES), choices=TRANSFER_MODES)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--clips-per-video", type=int, default=4)
    parser.add_argument(
        "--dropout",
        type=float,
        default=0.2,
        help="drop rate before trained layers (default 0.2, the rate the checkpoint was trained with; the paper's "
        "0.9 suits its 4096-unit fc layers, but leaves ~6 of a tiny model's 64 units and stalls training)",
    )
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 epochs: a smoke run")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = args.seeds[:1], 2
    root = generate_dataset(args.data_dir / "target", kind="target", seed=0)
    train, test = ucf101(root, split=1, subset="train"), ucf101(root, split=1, subset="test")
    runs = []
    for mode in args.modes:
        for seed in args.seeds:
            run = run_once(
                mode, seed, train, test, epochs=args.epochs, clips_per_video=args.clips_per_video, dropout=args.dropout
            )
            print(json.dumps(run), file=sys.stderr)
            runs.append(run)
    rows = summarise(runs)
    command = "python benchmarks/transfer.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = (
        f"`{BASE}` -> synthetic target set ({len(train)} training / {len(test)} test videos, 5 classes), "
        f"{args.epochs} epochs x {args.clips_per_video} clips per video, small_adam, dropout {args.dropout}, "
        "Karpathy protocol; "
        f"mean ± std over seeds. `{command.strip()}` on {datetime.date.today()}, "
        f"{platform.processor() or platform.machine()} ({os.cpu_count()} cores), Keras {keras.__version__}."
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "transfer.json").write_text(
        json.dumps({"header": header, "command": command.strip(), "runs": runs, "summary": rows}, indent=2) + "\n"
    )
    markdown = to_markdown(rows, header)
    (RESULTS / "transfer.md").write_text(markdown + "\n")
    print(markdown)
    if args.update_readme:
        replace_marked_section(ROOT / "README.md", README_MARKERS, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
