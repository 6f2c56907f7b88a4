"""The ``kvz`` command: a thin shell over the package's Python functions.

Each subcommand lives in ``keras_video_zoo/commands/<name>.py`` (listed in ``COMMANDS``) and
imports nothing heavy until it runs, so ``kvz --help`` and ``kvz models`` never load
TensorFlow. Every command that takes a model takes ``--model SOURCE``: a registered name or
``name.tag``, ``hf://org/name[@rev]``, a checkpoint folder, a ``kvz train`` run folder or a
``.keras`` file (:mod:`keras_video_zoo.checkpoints`).

Output is kvz's own: TensorFlow's C++ log lines and FFmpeg's decoder messages are silenced
unless ``--verbose`` (:mod:`keras_video_zoo.runtime`).

Exit codes, the same for every command:
    0  the work completed (videos that could not be read are reported, counted and skipped);
    1  the work failed (no video could be used, or ``--strict`` and one was skipped or damaged);
    2  bad usage or input (unknown option, a SOURCE or dataset that does not resolve).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from keras_video_zoo import runtime
from keras_video_zoo.commands.reading import reading_choices
from keras_video_zoo.version import __version__

# Subcommand modules under keras_video_zoo.commands, in the order `kvz --help` lists them.
COMMANDS = (
    "models",
    "demo",
    "predict",
    "train",
    "finetune",
    "evaluate",
    "flow",
    "prepare",
    "push",
    "pull",
    "convert",
    "export",
    "app",
    "synthetic",
)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandParser(argparse.ArgumentParser):
    """An argument parser that never abbreviates options (so ``--model`` is never read as ``--model-path``).

    Subcommand parsers also take ``--verbose``, so it works before or after the command name.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def add_verbose(self, default) -> None:
        self.add_argument(
            "--verbose",
            "-v",
            action="store_true",
            default=default,
            help="show TensorFlow's and FFmpeg's own log lines (hidden by default)",
        )


class _Subparsers(argparse._SubParsersAction):
    def add_parser(self, name, **kwargs):
        parser = super().add_parser(name, **kwargs)
        parser.add_verbose(argparse.SUPPRESS)  # keeps the top-level value unless given here
        return parser


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="kvz", description="keras_video_zoo: video classification models.")
    parser.add_verbose(False)
    parser.add_argument("--version", action="version", version=f"keras_video_zoo {__version__}")
    parser.register("action", "parsers", _Subparsers)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    for name in COMMANDS:
        importlib.import_module(f"keras_video_zoo.commands.{name}").add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    runtime.quiet_native_logs(args.verbose)
    try:
        if getattr(args, "needs_tensorflow", True):
            runtime.import_tensorflow(quiet=not args.verbose)
        with reading_choices(args):
            return args.run(args)
    except ImportError as error:  # a missing or broken dependency: its message says how to install or repair it
        print(f"kvz {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
