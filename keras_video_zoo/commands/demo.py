"""``kvz demo``: the main job (for now the smoke run over every registered model)."""

from __future__ import annotations

import argparse

from keras_video_zoo.commands.models import describe_models
from keras_video_zoo.registry import list_models


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo", help="build every registered model and classify generated inputs with each")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    names = list_models()
    failures = describe_models(names, forward=True)
    print(f"\n{len(names) - failures} of {len(names)} models built and classified generated inputs.")
    return 1 if failures else 0
