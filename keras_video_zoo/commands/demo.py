"""``kvz demo``: the main job — the whole zoo on the bundled data generator and weights, in a few minutes on a CPU.

1. Generates the synthetic source and target datasets (real XviD videos).
2. Loads every bundled checkpoint through the hub module (``from_pretrained``, sha256-checked)
   and evaluates it on the source test split with its paper's protocol (Karpathy's clips x
   views for the fusion models; two-stream's samples x crops for the streams, whose
   optical flow it extracts), and fuses the two streams by averaging their scores.
3. Fine-tunes the slow fusion checkpoint on the target set with ``transfer="top3"``.
4. Predicts a few target videos, with top-5 bars.
5. Writes a report folder (Markdown, JSON and PNG plots) and prints its path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from keras_video_zoo.commands.reading import finish

DEFAULT_REPORT = "kvz_demo_report"
FINETUNE_BASE = "slow_fusion_tiny.synthetic"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="the main job: evaluate the bundled models, fine-tune one, predict, write a report",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    parser.add_argument("--out", default=DEFAULT_REPORT, help=f"report folder (default ./{DEFAULT_REPORT})")
    parser.add_argument(
        "--data-dir", help="where the synthetic datasets are generated (default: $KVZ_DATA_DIR or ~/.cache)"
    )
    parser.add_argument(
        "--clips",
        type=int,
        default=5,
        help="clips (samples) per test video (default 5; the recorded metrics used 20/25)",
    )
    parser.add_argument("--epochs", type=int, default=15, help="fine-tuning epochs (default 15)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the fine-tuning")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


class Stage:
    """Prints numbered stage headers with the time each took."""

    def __init__(self, total: int) -> None:
        self.total, self.number, self.started = total, 0, time.perf_counter()

    def __call__(self, title: str) -> None:
        self.number += 1
        print(f"\n[{self.number}/{self.total}] {title}  (+{time.perf_counter() - self.started:.0f} s)", flush=True)


def _protocol(spec, clips: int):
    from keras_video_zoo.data.sampling import ClipProtocol

    recorded = {key: value for key, value in spec.evaluation.items() if key not in ("split", "subset", "videos")}
    return ClipProtocol.from_dict(recorded | {"clips": clips})


def evaluate_bundled(names, source_root: Path, flow_root: Path, clips: int, progress: bool) -> list[dict]:
    """Every bundled checkpoint on the source test split (RGB clips or flow, as it describes itself), then the
    two-stream checkpoints' streams fused by averaging (Simonyan & Zisserman)."""
    from keras_video_zoo.data.layouts import ucf101
    from keras_video_zoo.data.synthetic_dataset import class_kind_groups
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow, evaluate_on_videos, fuse_stream_results
    from keras_video_zoo.hub import from_pretrained
    from keras_video_zoo.models import two_stream
    from keras_video_zoo.models.description import describe

    test = ucf101(source_root, split=1, subset="test")
    groups = class_kind_groups("source")
    rows, streams = [], {}
    for name in names:
        model = from_pretrained(name)
        spec = model.record  # the checkpoint's record: labels, inputs, protocol, metrics
        protocol = _protocol(spec, clips)
        description = describe(model)
        if description.rgb is None:
            results = evaluate_on_flow(model, test, flow_root, protocol, groups=groups, progress=progress)
        else:
            results = evaluate_on_videos(model, test, protocol, groups=groups, progress=progress)
        if description.protocol == "two_stream" and len(description.streams) == 1:
            streams["temporal" if description.rgb is None else "spatial"] = (model, results)
        rows.append(_row(name, spec, results, protocol))
    if len(streams) == 2:  # both score every test video, in dataset order
        fused = two_stream(streams["spatial"][0], streams["temporal"][0], fusion="average")
        results = fuse_stream_results(fused, {role: found[1] for role, found in streams.items()}, test, groups=groups)
        row = _row("two-stream (average of the two streams above)", None, results, None)
        rows.append(row | {"clip hit@1": None, "protocol": "as the streams"})
    return rows


def _row(name: str, spec, results: dict, protocol) -> dict:
    return {
        "model": name,
        "clip hit@1": results["clip_hit@1"],
        "video hit@1": results["video_hit@1"],
        "video hit@5": results["video_hit@5"],
        "motion": results["group_video_hit@1"]["motion"],
        "appearance": results["group_video_hit@1"]["appearance"],
        "recorded video hit@1": spec.metrics.get("video_hit@1") if spec else None,
        "protocol": f"{protocol.name}: {protocol.clips} clips x {len(protocol.views)} views" if protocol else None,
    }


def finetune(target_root: Path, out: Path, *, epochs: int, seed: int, clips: int, progress: bool):
    """Slow fusion from the source set to the target set with ``transfer="top3"``; returns (model, results)."""
    import keras

    from keras_video_zoo.data.layouts import ucf101
    from keras_video_zoo.data.sampling import KarpathyProtocol
    from keras_video_zoo.data.synthetic_dataset import class_kind_groups
    from keras_video_zoo.evaluation.plots import plot_training_curves
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_videos
    from keras_video_zoo.hub import from_pretrained
    from keras_video_zoo.models.transfer import trainable_report
    from keras_video_zoo.training.video_training import train_on_videos

    train, test = ucf101(target_root, split=1, subset="train"), ucf101(target_root, split=1, subset="test")
    keras.utils.set_random_seed(seed)
    # Dropout 0.2, the rate the checkpoint was trained with: the paper's 0.9 keeps ~6 of a tiny fc layer's 64 units.
    model = from_pretrained(FINETUNE_BASE, num_classes=train.num_classes, transfer="top3", seed=seed, dropout=0.2)
    print(trainable_report(model))
    with tempfile.TemporaryDirectory() as run_dir:
        train_on_videos(
            model, train, run_dir=run_dir, epochs=epochs, clips_per_video=4, seed=seed, verbose=1 if progress else 0
        )
        plot_training_curves(Path(run_dir) / "log.csv", out / "finetune_curves.png")
    protocol = KarpathyProtocol(frames=model.input_shape[1], clips=clips)
    results = evaluate_on_videos(model, test, protocol, groups=class_kind_groups("target"), progress=progress)
    return model, test, results


def predict_examples(model, test, count: int, out: Path) -> list[str]:
    """Video-level predictions (4 centre clips averaged, :class:`VideoScorer`) for ``count`` test videos."""
    from keras_video_zoo.data.video_io import read_frames
    from keras_video_zoo.evaluation.plots import plot_top5_predictions
    from keras_video_zoo.evaluation.video_scoring import VideoScorer

    scorer = VideoScorer(model, clips=4)
    step = max(1, len(test) // count)
    samples, lines = [], []
    for record in list(test)[::step][:count]:
        scores, _ = scorer(record.path)
        truth = test.class_names[record.label]
        samples.append(
            {
                "scores": scores,
                "labels": record.labels,
                "title": f"{record.video_id} ({truth})",
                "frame": read_frames(record.path, [0])[0],
            }
        )
        lines.append(f"{record.video_id}  (true: {truth})")
        for index in np.argsort(-scores)[:5]:
            bar = "#" * int(round(30 * scores[index]))
            lines.append(f"  {test.class_names[index]:>14} {100 * scores[index]:5.1f}% {bar}")
    plot_top5_predictions(samples, test.class_names, out / "predictions_top5.png")
    return lines


def plot_accuracy(rows: list[dict], path: Path) -> Path:
    """Video hit@1 of every evaluated model, split into motion- and appearance-defined classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [row["model"].split(" (")[0] for row in rows]
    positions = np.arange(len(rows))
    figure, axes = plt.subplots(figsize=(1.2 * len(rows) + 2, 3.8), layout="constrained")
    for offset, key in ((-0.2, "motion"), (0.2, "appearance")):
        axes.bar(positions + offset, [row[key] for row in rows], width=0.4, label=f"{key}-defined classes")
    axes.set_xticks(positions, names, rotation=30, ha="right", fontsize=8)
    axes.set_ylabel("video hit@1")
    axes.set_ylim(0, 1)
    axes.legend(fontsize=8)
    axes.set_title("Bundled checkpoints on the synthetic source test split", fontsize=10)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _cell(value) -> str:
    return "" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def write_report(out: Path, rows: list[dict], finetuned: dict, predictions: list[str], seconds: float) -> Path:
    from keras_video_zoo.evaluation.results_files import write_results_json
    from keras_video_zoo.markdown import markdown_table

    columns = list(rows[0])
    lines = [
        "# keras_video_zoo demo",
        "",
        "## Bundled checkpoints on the synthetic source set (split 1, test videos)",
        "",
        "Video hit@1 split into motion-defined classes (twins that differ only in how they move: a single "
        "frame cannot tell them apart) and appearance-defined ones. *recorded* is the checkpoint's own "
        "record, measured with the full protocol (20 clips, or 25 samples); this run uses fewer clips.",
        "",
        markdown_table(columns, [[_cell(row[c]) for c in columns] for row in rows]),
        "",
        "![accuracy](accuracy.png)",
        "",
        f'## Transfer: `{FINETUNE_BASE}` -> synthetic target set, `transfer="top3"`',
        "",
        f"clip hit@1 {finetuned['clip_hit@1']:.3f}, video hit@1 {finetuned['video_hit@1']:.3f}, "
        f"video hit@5 {finetuned['video_hit@5']:.3f}, mAP {finetuned['mAP']:.3f} on "
        f"{finetuned['num_videos']} test videos.",
        "",
        "![training curves](finetune_curves.png) ![confusion matrix](confusion_matrix.png)",
        "",
        "## Predictions (fine-tuned model)",
        "",
        "```",
        *predictions,
        "```",
        "",
        "![top-5 predictions](predictions_top5.png)",
        "",
        f"Finished in {seconds:.0f} s.",
    ]
    report = out / "report.md"
    report.write_text("\n".join(lines) + "\n")
    write_results_json({"bundled": rows, "finetuned_top3": finetuned}, out / "results.json")
    return report


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.data.layouts import ucf101
    from keras_video_zoo.data.synthetic_dataset import default_data_dir, generate_dataset
    from keras_video_zoo.evaluation.plots import plot_confusion_matrix
    from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow
    from keras_video_zoo.markdown import markdown_table
    from keras_video_zoo.weights import WeightsIndexError, list_weights

    try:
        names = list_weights()
    except WeightsIndexError as error:
        print(f"kvz demo: {error}", file=sys.stderr)
        return 1
    if FINETUNE_BASE not in names:
        print(
            f"kvz demo: the bundled checkpoint {FINETUNE_BASE} is not registered in the weights index "
            f"(it has: {', '.join(names) or 'nothing'}); reinstall keras_video_zoo.",
            file=sys.stderr,
        )
        return 1
    if args.clips < 1 or args.epochs < 1:
        print("kvz demo: --clips and --epochs must be at least 1.", file=sys.stderr)
        return 2
    progress = not args.no_progress
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    stage = Stage(5)
    started = time.perf_counter()

    stage(f"Generating the synthetic source and target datasets in {data_dir}")
    source = generate_dataset(data_dir / "source", kind="source", seed=0)
    target = generate_dataset(data_dir / "target", kind="target", seed=0)
    flow_root = data_dir / "source_flow"
    print("Extracting optical flow (DIS) of the source test videos for the temporal stream")
    report = extract_dataset_flow(ucf101(source, split=1, subset="test"), flow_root, FlowSettings(), progress=progress)
    if finish("demo", report.videos, "extracted the flow of", strict=True):  # its own videos: every one must extract
        return 1

    stage(f"Evaluating {len(names)} bundled checkpoints (loaded with from_pretrained, sha256-checked)")
    rows = evaluate_bundled(names, source, flow_root, args.clips, progress)
    columns = list(rows[0])
    print(markdown_table(columns, [[_cell(row[c]) for c in columns] for row in rows]))
    plot_accuracy(rows, out / "accuracy.png")

    stage(f'Fine-tuning {FINETUNE_BASE} on the target set with transfer="top3"')
    model, test, finetuned = finetune(
        target, out, epochs=args.epochs, seed=args.seed, clips=args.clips, progress=progress
    )
    plot_confusion_matrix(finetuned["confusion_matrix"], finetuned["class_names"], out / "confusion_matrix.png")
    print(f"target test set: video hit@1 {finetuned['video_hit@1']:.3f}, mAP {finetuned['mAP']:.3f}")

    stage("Predicting a few target videos")
    predictions = predict_examples(model, test, 4, out)
    print("\n".join(predictions))

    stage("Writing the report")
    report_path = write_report(out, rows, finetuned, predictions, time.perf_counter() - started)
    print(f"\nkvz demo: report in {report_path.resolve()}")
    return 0
