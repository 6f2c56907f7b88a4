"""``kvz train``: train a model on a dataset (resumable), from scratch or from any checkpoint SOURCE."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.clip_sources import add_source_arguments
from keras_video_zoo.commands.dataset_arguments import (
    add_dataset_arguments,
    dataset_from_arguments,
    load_dataset,
    subset_of,
)
from keras_video_zoo.commands.model_source import SOURCE_HELP, CommandError

FINAL_MODEL = "model.keras"  # the un-augmented model with its record inside, in the run folder


RECIPES = ("karpathy", "simonyan", "simonyan_finetune", "small_adam")  # keras_video_zoo.training.recipes.RECIPES
TRANSFER_MODES = ("scratch", "top", "top3", "all")  # keras_video_zoo.models.transfer.TRANSFER_MODES


def add_training_arguments(parser: argparse.ArgumentParser, *, transfer: str | None) -> None:
    """The arguments ``train`` and ``finetune`` share; they differ in the default transfer mode."""
    add_dataset_arguments(parser, layout="ucf101", subset="train")
    parser.add_argument(
        "--model",
        required=True,
        metavar="SOURCE",
        help=f"what to train: a registered model (a fresh one, e.g. slow_fusion_tiny) or a checkpoint to start "
        f"from: {SOURCE_HELP.split(' or ', 1)[1]}",
    )
    parser.add_argument("--run-dir", required=True, help="run folder: checkpoints, logs, final model; rerun resumes")
    parser.add_argument("--recipe", choices=RECIPES, default="karpathy", help="training recipe")
    parser.add_argument("--epochs", type=int, help="epochs (required by plateau recipes such as karpathy)")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per batch (default 32)")
    parser.add_argument("--frames", type=int, help="frames per clip (default: the model's input length)")
    parser.add_argument("--frame-stride", type=int, default=1, help="step between a clip's frames (default 1)")
    parser.add_argument("--clips-per-video", type=int, default=1, help="random clips per video and epoch")
    parser.add_argument("--validation-subset", help="also evaluate on this subset of SOURCE every epoch (e.g. test)")
    parser.add_argument(
        "--transfer",
        choices=TRANSFER_MODES,
        default=transfer,
        help="from a checkpoint: which layers train (top: a new classifier only; top3: fc6, fc7 and the classifier; "
        "all; scratch: re-initialise). A dataset with other classes always gets a new classifier"
        + (f" (default {transfer})" if transfer else "; without --transfer every layer trains"),
    )
    parser.add_argument("--seed", type=int, help="seeds the data order, augmentation and new heads")
    parser.add_argument(
        "--cross-modality",
        action="store_true",
        help="--model is a spatial stream: train a two-stream model of it and a temporal stream started from it "
        "by cross-modality initialisation (the paper's recipe from ImageNet weights; needs --flow)",
    )
    parser.add_argument(
        "--fusion",
        choices=("average", "svm"),
        help="two-stream models: fuse the streams' scores by averaging, or by a linear SVM fitted on held-out "
        "training videos (default: the model's own)",
    )
    parser.add_argument(
        "--svm-holdout", type=float, default=0.2, help="share of each class's videos held out for the SVM (default 0.2)"
    )
    add_source_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train a model on a dataset",
        description="Train a model with random crops and flips, checkpointing every epoch to RUN_DIR; "
        f"rerun with the same RUN_DIR to resume. The final model is RUN_DIR/{FINAL_MODEL}. RGB models read "
        "SOURCE's videos (or --shards); temporal streams read --flow; a two-stream model trains its streams "
        "apart (RUN_DIR/spatial, RUN_DIR/temporal), as the paper does, then fuses them (--fusion).",
    )
    add_training_arguments(parser, transfer=None)
    parser.set_defaults(run=run, command_name="train")


def build_model(source: str, dataset, transfer: str | None, seed: int | None, cross_modality: bool = False):
    """The model to train on ``dataset``: a fresh registered model, or a checkpoint ready for transfer.

    A checkpoint gets a new classifier when the dataset's classes differ from its own (in count,
    or in name where it records names). With ``cross_modality``, the model is a two-stream model of
    that (spatial) checkpoint and a temporal stream started from it.

    Raises:
        CommandError: the SOURCE does not resolve, or ``--transfer`` has nothing to transfer from.
    """
    from keras_video_zoo.commands.model_source import class_names, load_model
    from keras_video_zoo.models.heads import head_classes
    from keras_video_zoo.models.transfer import prepare_transfer
    from keras_video_zoo.models.two_stream import temporal_stream_from, two_stream
    from keras_video_zoo.registry import is_registered

    if cross_modality:
        rgb = load_model(source)
        try:
            temporal = temporal_stream_from(rgb, num_classes=dataset.num_classes)
        except ValueError as error:
            raise CommandError(f"--cross-modality: {error}") from None
        spatial = build_model(source, dataset, transfer, seed)
        return two_stream(spatial, temporal, name="two_stream")
    if is_registered(source):
        if transfer not in (None, "scratch"):
            raise CommandError(f"--transfer {transfer} needs a checkpoint to transfer from; {source} is a fresh model.")
        return load_model(source, num_classes=dataset.num_classes)
    model = load_model(source)
    names, known = class_names(model)
    other_classes = head_classes(model) != dataset.num_classes or (known and names != list(dataset.class_names))
    if transfer is None and not other_classes:
        return model
    try:
        return prepare_transfer(
            model, transfer or "all", dataset.num_classes, seed=seed, new_head=True if other_classes else None
        )
    except ValueError as error:
        raise CommandError(str(error)) from None


def _usable_by_both(model, dataset, args) -> set[str]:
    """The videos both streams can read: a probe-able video (or stored in the shards) with flow long enough."""
    from keras_video_zoo.commands.clip_sources import sources_for
    from keras_video_zoo.data.sources import VideoFiles
    from keras_video_zoo.data.video_io import VideoReadError, probe_video

    sources = sources_for(model, dataset, args)
    usable = {record.video_id for record in sources["flow"].dataset} & {r.video_id for r in sources["rgb"].dataset}
    if isinstance(sources["rgb"], VideoFiles):
        for record in dataset:
            try:
                probe_video(record.path)
            except VideoReadError:
                usable.discard(record.video_id)
    return usable


def _svm_split(dataset, fraction: float, seed: int | None, usable: set[str]):
    """(fit, held out): ``fraction`` of each class's usable videos held out for the fusion SVM, reproducibly.

    Only videos both streams can use are held out (a held-out video the SVM cannot score is lost
    to training for nothing); the others stay in the training set, where they are reported.
    """
    import numpy as np

    rng = np.random.default_rng(seed or 0)
    held = []
    for label in range(dataset.num_classes):
        members = [record for record in dataset if record.labels[0] == label and record.video_id in usable]
        if len(members) < 2:
            raise CommandError(
                f"--fusion svm needs at least 2 videos of class {dataset.class_names[label]!r} that both streams can "
                f"use (one held out for the SVM); it has {len(members)}. Use --fusion average."
            )
        count = max(1, round(fraction * len(members)))
        held += [members[i] for i in sorted(rng.choice(len(members), count, replace=False))]
    held_ids = {record.video_id for record in held}
    fit = [record for record in dataset if record.video_id not in held_ids]
    return dataset.subset(fit, f"{dataset.name} (streams)"), dataset.subset(held, f"{dataset.name} (held out)")


def _train_stream(stream, source, run_dir: Path, args, sampler, validation=None) -> None:
    from keras_video_zoo.models.transfer import trainable_report
    from keras_video_zoo.training.video_training import train_on_source

    print(trainable_report(stream))
    train_on_source(
        stream,
        source,
        run_dir=run_dir,
        epochs=args.epochs,
        recipe=args.recipe,
        batch_size=args.batch_size,
        sampler=sampler,
        validation=validation,
        seed=args.seed,
        verbose=0 if args.no_progress else "auto",
    )


def run(args: argparse.Namespace) -> int:
    import json

    import keras

    from keras_video_zoo.commands.clip_sources import sources_for, streams_of
    from keras_video_zoo.commands.reading import finish
    from keras_video_zoo.data.sampling import TrainingClips, TwoStreamProtocol
    from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_source
    from keras_video_zoo.hub.publish import save_keras_file
    from keras_video_zoo.models.description import describe
    from keras_video_zoo.models.two_stream import two_stream
    from keras_video_zoo.registry import BuildArguments, is_registered

    name = f"kvz {args.command_name}"
    run_dir = Path(args.run_dir)
    final = run_dir / FINAL_MODEL
    if final.exists():  # the run finished: a rerun has nothing left to do
        print(f"{name}: the run in {run_dir} already finished; its model is {final}", file=sys.stderr)
        return 0
    try:
        dataset = dataset_from_arguments(args)
        validation_data = None
        if args.validation_subset:
            validation_data = load_dataset(
                args.source, args.layout, args.split, args.validation_subset, args.split_file
            )
        if args.seed is not None:
            keras.utils.set_random_seed(args.seed)
        model = build_model(args.model, dataset, args.transfer, args.seed, args.cross_modality)
        streams = streams_of(model)
        two = streams["rgb"] is not None and streams["flow"] is not None
        fusion = args.fusion or describe(model).fusion or "average"
        fit_set, held_out = dataset, None
        if two and fusion == "svm":
            usable = _usable_by_both(model, dataset, args)
            fit_set, held_out = _svm_split(dataset, args.svm_holdout, args.seed, usable)
        sources = sources_for(model, fit_set, args)
        validation = sources_for(model, validation_data, args) if validation_data is not None else {}
    except CommandError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError, KeyError) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    try:
        for kind, stream in streams.items():
            if stream is None:
                continue
            frames = args.frames if kind == "rgb" and args.frames else stream.input_shape[1]
            sampler = TrainingClips(
                frames=frames, stride=args.frame_stride if kind == "rgb" else 1, clips_per_video=args.clips_per_video
            )
            stream_dir = run_dir / ({"rgb": "spatial", "flow": "temporal"}[kind] if two else "")
            _train_stream(stream, sources[kind], stream_dir, args, sampler, validation.get(kind))
    except ValueError as error:  # classes against the head, the recipe and its epochs: all checked before any step
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    reports = {kind: source.report for kind, source in sources.items() if source is not None}
    if two:  # the paper's way: streams trained apart, then fused
        fused = two_stream(streams["rgb"], streams["flow"], fusion=fusion, name=model.name)
        built = getattr(model, "build_arguments", None)  # rebuilt on load: with the fusion it now has
        fused.build_arguments = built and BuildArguments(built.model, {**built.kwargs, "fusion": fusion})
        if fusion == "svm":
            try:
                held = sources_for(model, held_out, args)
                scores = []
                for kind in ("rgb", "flow"):
                    protocol = TwoStreamProtocol(clips=5, frames=streams[kind].input_shape[1])
                    scores.append(evaluate_on_source(streams[kind], held[kind], protocol, progress=False))
                ids = [v for v in scores[0]["video_ids"] if v in set(scores[1]["video_ids"])]
                by_id = {record.video_id: record.labels[0] for record in held_out}
                stream_scores = [[s["video_scores"][s["video_ids"].index(v)] for v in ids] for s in scores]
                fit_svm_fusion(fused, stream_scores, [by_id[v] for v in ids])
            except ValueError as error:  # e.g. a class none of whose held-out videos could be scored
                print(
                    f"{name}: the fusion SVM could not be fitted: {error} The trained streams are kept in "
                    f"{run_dir}/spatial and {run_dir}/temporal; rerun with --fusion average to fuse them.",
                    file=sys.stderr,
                )
                return 2
            print(f"{name}: fitted the fusion SVM on {len(ids)} held-out videos", file=sys.stderr)
        model = fused
    videos = {kind: report.to_dict() for kind, report in reports.items()}
    save_keras_file(
        model,
        final,
        labels=dataset.class_names,
        dataset={
            "name": dataset.name,
            "videos": len(dataset),
            "layout": args.layout,
            "subset": subset_of(args),
            "used": {kind: v["used"] for kind, v in videos.items()},
        },
        recipe={"name": args.recipe, "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed},
        base_model=None if is_registered(args.model) else args.model,
    )
    run_info = run_dir / "run.json"
    info = json.loads(run_info.read_text()) if run_info.is_file() else {}
    run_info.write_text(json.dumps(info | {"videos": videos, "model": str(final)}, indent=2, default=str))
    codes = []
    for kind, report in reports.items():
        verb = f"trained {'the ' + {'rgb': 'spatial', 'flow': 'temporal'}[kind] + ' stream ' if two else ''}on"
        codes.append(finish(args.command_name, report, verb, strict=args.strict, where=str(run_info)))
    print(f"{name}: model saved to {final}", file=sys.stderr)
    return max(codes)
