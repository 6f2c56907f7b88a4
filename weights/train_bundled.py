"""Train, evaluate and register the bundled checkpoints: the tiny variant of every family on the synthetic source set.

Each checkpoint is trained from scratch on split 1's training videos of the synthetic
source set (10 classes, 180 videos from 9 scenes; ``keras_video_zoo.data.synthetic_dataset``),
evaluated on its 60 test videos (3 unseen scenes) with its paper's protocol (Karpathy: 20 random clips x
4 crop/flip views; two-stream: 25 evenly spaced samples x 10 crops), written with
``save_pretrained`` to ``weights/<model>.synthetic/`` and registered in
``weights/index.json`` with its metrics and the command that rebuilds it.

Run (from the repository root; about 25 minutes on 2 CPU cores for all seven)::

    python weights/train_bundled.py                         # every bundled model
    python weights/train_bundled.py --models slow_fusion_tiny
    python weights/train_bundled.py --models                # only refresh the READMEs' tables

Everything follows from the seeds, so a rerun gives the same checkpoint up to
floating-point nondeterminism of multi-threaded kernels.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras

from keras_video_zoo import create_model
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.sampling import KarpathyProtocol, TwoStreamProtocol
from keras_video_zoo.data.synthetic_dataset import class_kind_groups, default_data_dir, generate_dataset
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow, evaluate_on_videos
from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow
from keras_video_zoo.hub import save_pretrained
from keras_video_zoo.markdown import markdown_table, replace_marked_section
from keras_video_zoo.training.recipes import get_recipe
from keras_video_zoo.training.video_training import train_on_flow, train_on_videos
from keras_video_zoo.weights import load_index, read_record, register_folder

WEIGHTS_DIR = Path(__file__).resolve().parent
ROOT = WEIGHTS_DIR.parent
TAG = "synthetic"
DATA_SEED = 0
SPLIT = 1
RECIPE = "small_adam"
DROPOUT = 0.2  # the factories' 0.5 starves 64-unit tiny fc layers (measured: val clip hit@1 0.30 vs 0.55)
README_MARKERS = ("<!-- weights:table:start -->", "<!-- weights:table:end -->")


@dataclass(frozen=True)
class Bundled:
    """How one bundled checkpoint is trained and evaluated.

    Attributes:
        model: the registered tiny variant.
        input: ``"rgb"`` clips or stacked ``"flow"``.
        protocol: ``"karpathy"`` or ``"two_stream"`` test protocol.
        epochs: training epochs.
        clips_per_video: random clips (flow stacks) per training video and epoch.
    """

    model: str
    input: str = "rgb"
    protocol: str = "karpathy"
    epochs: int = 20
    clips_per_video: int = 4


BUNDLED = (
    Bundled("single_frame_tiny"),
    Bundled("early_fusion_tiny"),
    Bundled("late_fusion_tiny"),
    Bundled("slow_fusion_tiny"),
    Bundled("slow_fusion_multires_tiny"),
    Bundled("spatial_stream_tiny", protocol="two_stream"),
    Bundled("temporal_stream_tiny", input="flow", protocol="two_stream"),
)
RECORDED_METRICS = ("clip_hit@1", "video_hit@1", "video_hit@5", "mAP")


def source_data(data_dir: Path, *, flow: bool) -> tuple[Path, Path | None]:
    """The synthetic source set (generated once) and, when asked, its DIS flow."""
    root = generate_dataset(data_dir / "source", kind="source", seed=DATA_SEED)
    if not flow:
        return root, None
    flow_root = data_dir / "source_flow"
    dataset = ucf101(root, split=SPLIT, subset="all")
    report = extract_dataset_flow(dataset, flow_root, FlowSettings(), workers=1, progress=False)
    if report.failed:
        raise RuntimeError(f"flow extraction failed: {report.summary()}")
    return root, flow_root


def protocol_for(bundled: Bundled, frames: int):
    return (KarpathyProtocol if bundled.protocol == "karpathy" else TwoStreamProtocol)(frames=frames)


def evaluate_bundled(model: keras.Model, bundled: Bundled, root: Path, flow_root: Path | None, progress: bool) -> dict:
    """Every metric of ``model`` on the source set's split-1 test videos under the bundled protocol.

    The tests call this to check that a bundled checkpoint still reaches its recorded metrics.
    """
    test = ucf101(root, split=SPLIT, subset="test")
    groups = class_kind_groups("source")
    if bundled.input == "flow":
        fields = model.input_shape[1]
        return evaluate_on_flow(model, test, flow_root, protocol_for(bundled, fields), groups=groups, progress=progress)
    protocol = protocol_for(bundled, model.input_shape[1])
    return evaluate_on_videos(model, test, protocol, groups=groups, progress=progress)


def recorded_metrics(results: dict) -> dict[str, float]:
    metrics = {name: round(float(results[name]), 4) for name in RECORDED_METRICS}
    for group, value in results["group_video_hit@1"].items():
        metrics[f"video_hit@1_{group}"] = round(float(value), 4)
    return metrics


def build(bundled: Bundled, *, data_dir: Path, seed: int, epochs: int | None, out: Path, progress: bool) -> dict:
    """Trains, evaluates, saves and registers one bundled checkpoint; returns its metrics."""
    epochs = epochs or bundled.epochs
    root, flow_root = source_data(data_dir, flow=bundled.input == "flow")
    train = ucf101(root, split=SPLIT, subset="train")
    keras.utils.set_random_seed(seed)
    model = create_model(bundled.model, num_classes=train.num_classes, dropout=DROPOUT)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        options = dict(run_dir=run_dir, epochs=epochs, recipe=RECIPE, seed=seed, verbose=2 if progress else 0)
        if bundled.input == "flow":
            train_on_flow(model, train, flow_root, stacks_per_video=bundled.clips_per_video, **options)
        else:
            train_on_videos(model, train, clips_per_video=bundled.clips_per_video, **options)
    train_seconds = time.perf_counter() - started
    results = evaluate_bundled(model, bundled, root, flow_root, progress)
    metrics = recorded_metrics(results)
    command = f"python weights/train_bundled.py --models {bundled.model} --seed {seed}"
    if epochs != bundled.epochs:
        command += f" --epochs {epochs}"
    folder = out / f"{bundled.model}.{TAG}"
    if folder.exists():
        shutil.rmtree(folder)  # a rebuild replaces the checkpoint, card included
    save_pretrained(
        model,
        folder,
        tag=TAG,
        labels=train.class_names,
        evaluation=results["protocol"] | {"split": SPLIT, "subset": "test", "videos": results["num_videos"]},
        metrics=metrics,
        recipe=get_recipe(RECIPE).to_dict()
        | {
            "command": command,
            "epochs": epochs,
            "clips_per_video": bundled.clips_per_video,
            "batch_size": 16,
            "seed": seed,
            "input": bundled.input,
            "flow": asdict(FlowSettings()) if bundled.input == "flow" else None,
            "train_seconds_2_cpu_cores": round(train_seconds),
        },
        dataset={
            "name": "kvz-synthetic-source",
            "seed": DATA_SEED,
            "split": SPLIT,
            "subset": "train",
            "videos": len(train),
            "generator": "keras_video_zoo.data.synthetic_dataset.generate_dataset",
        },
        license="apache-2.0",
        card_tags=("synthetic", "tiny"),
    )
    register_folder(folder, out / "index.json")
    return metrics


def weights_table(index_path: Path) -> str:
    """The Markdown table of every bundled checkpoint in the index, from their records."""
    columns = (
        "weights",
        "input",
        "params",
        "test protocol",
        "clip hit@1",
        "video hit@1",
        "video hit@5",
        "video hit@1 motion / appearance",
        "train s (2 cores)",
    )
    rows = []
    for name, entry in sorted(load_index(index_path).items()):
        spec = read_record(index_path.parent / entry.path)
        metrics = spec.metrics
        rows.append(
            (
                f"`{name}`",
                f"{spec.inputs[0].name} {'x'.join(str(size) for size in spec.inputs[0].shape)}",
                f"{spec.num_params:,}",
                f"{spec.evaluation.get('clips')} clips x {len(spec.evaluation.get('views', []))} views",
                f"{metrics['clip_hit@1']:.3f}",
                f"{metrics['video_hit@1']:.3f}",
                f"{metrics['video_hit@5']:.3f}",
                f"{metrics['video_hit@1_motion']:.3f} / {metrics['video_hit@1_appearance']:.3f}",
                str(spec.recipe.get("train_seconds_2_cpu_cores", "")),
            )
        )
    return markdown_table(columns, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=[b.model for b in BUNDLED], help="bundled models to build")
    parser.add_argument("--seed", type=int, default=0, help="training seed (weights, data order, augmentation)")
    parser.add_argument("--epochs", type=int, help="override each model's epochs (for a quick check)")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(), help="where the synthetic set is kept")
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="weights folder holding index.json")
    parser.add_argument("--no-readme", action="store_true", help="do not refresh the tables in the READMEs")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    by_name = {b.model: b for b in BUNDLED}
    unknown = sorted(set(args.models) - set(by_name))
    if unknown:
        parser.error(f"not bundled: {', '.join(unknown)}; choose from {', '.join(by_name)}")
    for name in args.models:
        print(f"== {name}", file=sys.stderr)
        metrics = build(
            by_name[name],
            data_dir=args.data_dir,
            seed=args.seed,
            epochs=args.epochs,
            out=args.out,
            progress=not args.no_progress,
        )
        print(f"{name}: {metrics}", file=sys.stderr)
    if not args.no_readme:
        table = weights_table(args.out / "index.json")
        for readme in (args.out / "README.md", ROOT / "README.md"):
            if readme.exists() and README_MARKERS[0] in readme.read_text():
                replace_marked_section(readme, README_MARKERS, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
