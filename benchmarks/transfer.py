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
    python benchmarks/transfer.py --quick            # 1 seed, 2 epochs, results to a temporary folder
    python benchmarks/transfer.py --update-readme    # also refresh README.md

Results go to benchmarks/results/transfer.json and transfer.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex
import keras

from keras_video_zoo import from_pretrained
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.sampling import KarpathyProtocol
from keras_video_zoo.data.synthetic_dataset import class_kind_groups, default_data_dir
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_videos
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.models.transfer import TRANSFER_MODES

NAME = "transfer"
BASE = "slow_fusion_tiny.synthetic"
METRICS = ("clip_hit@1", "video_hit@1", "mAP", "mAP_motion", "mAP_appearance")


def run_once(mode: str, seed: int, train, test, *, epochs: int, dropout: float) -> dict:
    """One transfer run: load, prepare for ``mode``, train with the bundled recipe, evaluate; returns its metrics."""
    keras.utils.set_random_seed(seed)
    model = from_pretrained(BASE, num_classes=train.num_classes, transfer=mode, seed=seed, dropout=dropout)
    seconds = ex.timed_training(lambda run_dir: ex.train_rgb(model, train, run_dir=run_dir, epochs=epochs, seed=seed))
    results = evaluate_on_videos(
        model, test, KarpathyProtocol(frames=model.input_shape[1]), groups=class_kind_groups("target"), progress=False
    )
    return {
        "mode": mode,
        "seed": seed,
        **ex.flat_metrics(results, ("clip_hit@1", "video_hit@1", "mAP")),
        "mAP_motion": results["group_mAP"]["motion"],
        "mAP_appearance": results["group_mAP"]["appearance"],
        "trainable_params": sum(int(keras.ops.size(w)) for w in model.trainable_weights),
        "train_seconds": round(seconds, 1),
    }


def summarise(runs: list[dict]) -> list[dict]:
    """Per mode (in ``TRANSFER_MODES`` order), its seeds and the spread over them of every metric.

    Example:
    >>> runs = [{"mode": "top", "seed": 0, "trainable_params": 5, **dict.fromkeys(METRICS, 0.5)},
    ...         {"mode": "top", "seed": 1, "trainable_params": 5, **dict.fromkeys(METRICS, 0.7)}]
    >>> row = summarise(runs)[0]
    >>> row["mode"], row["seeds"], ex.mean_std_cell(row["metrics"]["video_hit@1"])
    ('top', [0, 1], '0.600 ± 0.141')
    """
    rows = []
    for mode in TRANSFER_MODES:
        mine = [run for run in runs if run["mode"] == mode]
        if mine:
            metrics = ex.aggregate([{metric: run[metric] for metric in METRICS} for run in mine])
            seeds = [run["seed"] for run in mine]
            rows.append(
                {"mode": mode, "seeds": seeds, "trainable_params": mine[0]["trainable_params"], "metrics": metrics}
            )
    return rows


def to_markdown(rows: list[dict], header: str) -> str:
    columns = ("transfer", "trainable params", *METRICS, "seeds")
    body = [
        (
            f"`{row['mode']}`",
            f"{row['trainable_params']:,}",
            *(ex.mean_std_cell(row["metrics"][metric]) for metric in METRICS),
            ", ".join(map(str, row["seeds"])),
        )
        for row in rows
    ]
    return header + "\n\n" + markdown_table(columns, body)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="*", default=list(TRANSFER_MODES), choices=TRANSFER_MODES)
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument(
        "--dropout",
        type=float,
        default=ex.DROPOUT,
        help="drop rate before trained layers (default: the rate the checkpoint was trained with; the paper's "
        "0.9 suits its 4096-unit fc layers, but leaves ~6 of a tiny model's 64 units and stalls training)",
    )
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--results-dir", type=Path, help="default benchmarks/results (a temporary folder with --quick)")
    parser.add_argument("--quick", action="store_true", help="1 seed, 2 epochs: a smoke run")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    if args.quick and args.update_readme:
        parser.error("--quick results never go into the README")
    if args.quick:
        args.seeds, args.epochs = args.seeds[:1], 2
    root = ex.synthetic_sets(args.data_dir, target=True)["target"]
    train, test = ucf101(root, split=ex.SPLIT, subset="train"), ucf101(root, split=ex.SPLIT, subset="test")
    runs = []
    for mode in args.modes:
        for seed in args.seeds:
            runs.append(run_once(mode, seed, train, test, epochs=args.epochs, dropout=args.dropout))
            ex.log(f"{mode} seed {seed}: {runs[-1]}")
    rows = summarise(runs)
    record = ex.run_record(NAME, argv)
    header = (
        f"`{BASE}` -> synthetic target set ({len(train)} training / {len(test)} test videos, 5 classes), "
        f"{args.epochs} epochs x {ex.CLIPS_PER_VIDEO} clips per video, {ex.RECIPE}, dropout {args.dropout}, "
        f"Karpathy protocol; mean ± std over seeds. `{record['command']}` on {record['date']}, {record['machine']}."
    )
    markdown = to_markdown(rows, header)
    print(markdown)
    ex.write_results(
        NAME,
        {**record, "header": header, "runs": runs, "summary": rows},
        markdown,
        ex.results_dir(args.results_dir, args.quick),
        update_readme=args.update_readme,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
