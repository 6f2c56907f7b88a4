"""``kvz finetune``: ``kvz train`` from a checkpoint SOURCE, with a transfer mode (default ``top3``)."""

from __future__ import annotations

import argparse

from keras_video_zoo.commands.train import add_training_arguments, run
from keras_video_zoo.run_folder import RUN_MODEL


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "finetune",
        help="fine-tune pretrained weights on a dataset",
        description="Transfer the --model checkpoint to the dataset's classes (--transfer top, top3, all or scratch) "
        "and train; "
        f"rerun with the same RUN_DIR to resume. The final model is RUN_DIR/{RUN_MODEL}.",
    )
    add_training_arguments(parser, transfer="top3")
    parser.set_defaults(run=run, command_name="finetune")
