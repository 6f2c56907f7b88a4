"""``kvz train``: train a model on a dataset (resumable), from scratch or from any checkpoint SOURCE."""

from __future__ import annotations

import argparse
import sys

from keras_video_zoo.commands.clip_sources import add_source_arguments
from keras_video_zoo.commands.dataset_arguments import (
    add_dataset_arguments,
    dataset_from_arguments,
    load_dataset,
    subset_of,
)
from keras_video_zoo.commands.model_source import SOURCE_HELP, CommandError
from keras_video_zoo.run_folder import RUN_MODEL
from keras_video_zoo.vocabulary import RECIPE_NAMES, TRANSFER_MODES


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
    parser.add_argument("--recipe", choices=RECIPE_NAMES, default="karpathy", help="training recipe")
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
        f"rerun with the same RUN_DIR to resume. The final model is RUN_DIR/{RUN_MODEL}. RGB models read "
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


def run(args: argparse.Namespace) -> int:
    import keras

    from keras_video_zoo.commands.clip_sources import sources_for
    from keras_video_zoo.commands.reading import finish
    from keras_video_zoo.models.transfer import trainable_report
    from keras_video_zoo.registry import is_registered
    from keras_video_zoo.run_folder import RunFolder
    from keras_video_zoo.training.dataset_training import train_on_dataset

    name = f"kvz {args.command_name}"
    run_folder = RunFolder(args.run_dir)
    if run_folder.is_finished:  # the run finished: a rerun has nothing left to do
        print(f"{name}: the run in {args.run_dir} already finished; its model is {run_folder.model_file}",
              file=sys.stderr)  # fmt: skip
        return 0
    try:
        dataset = dataset_from_arguments(args)
        validation = None
        if args.validation_subset:
            validation = load_dataset(args.source, args.layout, args.split, args.validation_subset, args.split_file)
        if args.seed is not None:
            keras.utils.set_random_seed(args.seed)
        model = build_model(args.model, dataset, args.transfer, args.seed, args.cross_modality)
        print(trainable_report(model))
        trained = train_on_dataset(
            model,
            dataset,
            lambda videos: sources_for(model, videos, args),
            run_dir=run_folder.path,
            epochs=args.epochs,
            recipe=args.recipe,
            batch_size=args.batch_size,
            frames=args.frames,
            frame_stride=args.frame_stride,
            clips_per_video=args.clips_per_video,
            validation=validation,
            fusion=args.fusion,
            svm_holdout=args.svm_holdout,
            seed=args.seed,
            verbose=0 if args.no_progress else "auto",
            record={
                "dataset": {
                    "name": dataset.name,
                    "videos": len(dataset),
                    "layout": args.layout,
                    "subset": subset_of(args),
                },
                "base_model": None if is_registered(args.model) else args.model,
            },
        )
    except CommandError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError, KeyError) as error:  # classes, recipe, epochs: checked before any step
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    if trained.svm_videos is not None:
        print(f"{name}: fitted the fusion SVM on {trained.svm_videos} held-out videos", file=sys.stderr)
    two = len(trained.reports) == 2
    codes = []
    for kind, report in trained.reports.items():
        verb = f"trained {'the ' + {'rgb': 'spatial', 'flow': 'temporal'}[kind] + ' stream ' if two else ''}on"
        codes.append(finish(args.command_name, report, verb, strict=args.strict, where=str(run_folder.info_file)))
    print(f"{name}: model saved to {trained.model_file}", file=sys.stderr)
    return max(codes)
