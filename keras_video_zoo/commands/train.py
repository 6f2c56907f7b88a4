"""``kvz train``: train a zoo model on a dataset (resumable), save it and report its parameters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.dataset_arguments import add_dataset_arguments, dataset_from_arguments, load_dataset

FINAL_MODEL = "model.keras"  # the un-augmented model, in the run folder


def add_training_arguments(parser: argparse.ArgumentParser, *, weights_required: bool, transfer: str | None) -> None:
    """The arguments ``train`` and ``finetune`` share; they differ in the defaults of weights and transfer."""
    from keras_video_zoo.training.recipes import RECIPES
    from keras_video_zoo.training.transfer import TRANSFER_MODES

    add_dataset_arguments(parser, layout="ucf101", subset="train")
    parser.add_argument("--model", help="registered model name (kvz models), e.g. slow_fusion_tiny")
    parser.add_argument("--run-dir", required=True, help="run folder: checkpoints, logs, final model; rerun resumes")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="karpathy", help="training recipe")
    parser.add_argument("--epochs", type=int, help="epochs (required by plateau recipes such as karpathy)")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per batch (default 32)")
    parser.add_argument("--frames", type=int, help="frames per clip (default: the model's input length)")
    parser.add_argument("--frame-stride", type=int, default=1, help="step between a clip's frames (default 1)")
    parser.add_argument("--clips-per-video", type=int, default=1, help="random clips per video and epoch")
    parser.add_argument("--validation-subset", help="also evaluate on this subset of SOURCE every epoch (e.g. test)")
    parser.add_argument(
        "--weights",
        required=weights_required,
        help="start from these weights: a registered MODEL.TAG, a checkpoint folder, hf://org/name, or a .keras file",
    )
    parser.add_argument(
        "--transfer",
        choices=TRANSFER_MODES,
        default=transfer,
        help="transfer mode for --weights: new head for the dataset's classes and which layers train"
        + (f" (default {transfer})" if transfer else ""),
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
    add_training_arguments(parser, weights_required=False, transfer=None)
    parser.set_defaults(run=run, command_name="train")


def build_model(args: argparse.Namespace, num_classes: int):
    """The model to train: a fresh ``--model``, or ``--weights`` with ``--transfer`` for ``num_classes``."""
    import keras

    from keras_video_zoo import create_model, from_pretrained
    from keras_video_zoo.training.transfer import head_classes, prepare_transfer

    if args.weights is None:
        if args.model is None:
            raise ValueError("name a model with --model (see kvz models) or start from --weights.")
        if args.transfer not in (None, "scratch"):
            raise ValueError(f"--transfer {args.transfer} needs --weights to transfer from.")
        return create_model(args.model, num_classes=num_classes)
    weights = Path(args.weights)
    if weights.suffix == ".keras":
        if not weights.is_file():
            raise ValueError(f"--weights {weights} does not exist.")
        model = keras.saving.load_model(weights)
        if args.transfer is None:
            return model
        return prepare_transfer(model, args.transfer, num_classes, seed=args.seed)
    model = from_pretrained(args.weights, num_classes=num_classes, transfer=args.transfer, seed=args.seed)
    if args.transfer is None and head_classes(model) != num_classes:
        raise ValueError(f"{args.weights} predicts {head_classes(model)} classes; the dataset has {num_classes}.")
    return model


def run(args: argparse.Namespace) -> int:
    import keras

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
        model = build_model(args, dataset.num_classes)
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
    model.save(final)
    print(f"{name}: trained {model.name} on {len(dataset)} videos; model saved to {final}", file=sys.stderr)
    return 0
