"""``kvz train``: train a model on a dataset (resumable), from scratch or from any checkpoint SOURCE."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.dataset_arguments import (
    add_dataset_arguments,
    dataset_from_arguments,
    load_dataset,
    subset_of,
)
from keras_video_zoo.commands.model_source import SOURCE_HELP, CommandError

FINAL_MODEL = "model.keras"  # the un-augmented model with its record inside, in the run folder


RECIPES = ("karpathy", "simonyan", "simonyan_finetune", "small_adam")  # keras_video_zoo.training.recipes.RECIPES
TRANSFER_MODES = ("scratch", "top", "top3", "all")  # keras_video_zoo.training.transfer.TRANSFER_MODES


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
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train a model on a dataset",
        description="Train a model with random crops and flips, checkpointing every epoch to RUN_DIR; "
        f"rerun with the same RUN_DIR to resume. The final model is RUN_DIR/{FINAL_MODEL}.",
    )
    add_training_arguments(parser, transfer=None)
    parser.set_defaults(run=run, command_name="train")


def build_model(source: str, dataset, transfer: str | None, seed: int | None):
    """The model to train on ``dataset``: a fresh registered model, or a checkpoint ready for transfer.

    A checkpoint gets a new classifier when the dataset's classes differ from its own (in count,
    or in name where it records names).

    Raises:
        CommandError: the SOURCE does not resolve, or ``--transfer`` has nothing to transfer from.
    """
    from keras_video_zoo.commands.model_source import class_names, load_model
    from keras_video_zoo.models.heads import head_classes
    from keras_video_zoo.registry import is_registered
    from keras_video_zoo.training.transfer import prepare_transfer

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

    from keras_video_zoo.hub.publish import save_keras_file
    from keras_video_zoo.registry import is_registered
    from keras_video_zoo.training.transfer import trainable_report
    from keras_video_zoo.training.video_training import train_on_videos

    name = f"kvz {args.command_name}"
    run_dir = Path(args.run_dir)
    final = run_dir / FINAL_MODEL
    if final.exists():  # the run finished: a rerun has nothing left to do
        print(f"{name}: the run in {run_dir} already finished; its model is {final}", file=sys.stderr)
        return 0
    try:
        dataset = dataset_from_arguments(args)
        validation = None
        if args.validation_subset:
            validation = load_dataset(args.source, args.layout, args.split, args.validation_subset, args.split_file)
        if args.seed is not None:
            keras.utils.set_random_seed(args.seed)
        model = build_model(args.model, dataset, args.transfer, args.seed)
    except CommandError as error:
        print(f"{name}: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError, KeyError) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    print(trainable_report(model))
    try:
        train_on_videos(
            model,
            dataset,
            run_dir=run_dir,
            epochs=args.epochs,
            recipe=args.recipe,
            batch_size=args.batch_size,
            frames=args.frames,
            frame_stride=args.frame_stride,
            clips_per_video=args.clips_per_video,
            validation=validation,
            seed=args.seed,
            verbose=0 if args.no_progress else "auto",
        )
    except ValueError as error:  # classes against the head, the recipe and its epochs: all checked before any step
        print(f"{name}: {error}", file=sys.stderr)
        return 2
    save_keras_file(
        model,
        final,
        labels=dataset.class_names,
        dataset={"name": dataset.name, "videos": len(dataset), "layout": args.layout, "subset": subset_of(args)},
        recipe={"name": args.recipe, "epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed},
        base_model=None if is_registered(args.model) else args.model,
    )
    print(f"{name}: trained {model.name} on {len(dataset)} videos; model saved to {final}", file=sys.stderr)
    return 0
