"""The ``kvz`` command: a thin shell over the package's Python functions.

Each subcommand lives in ``keras_video_zoo/commands/<name>.py`` and is listed in
``COMMANDS``. Exit codes: 0 success, 1 the work failed (e.g. a model failed its
check), 2 bad command-line usage or input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

# Subcommand modules under keras_video_zoo.commands, in the order `kvz --help` lists them.
COMMANDS = ("models", "demo", "push", "pull", "flow", "prepare", "train", "finetune", "evaluate", "predict")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kvz", description="keras_video_zoo: video classification models.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"keras_video_zoo.commands.{name}").add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
