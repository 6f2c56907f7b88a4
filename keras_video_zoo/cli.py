"""The ``kvz`` command: a thin shell over the package's Python functions.

Exit codes: 0 success, 1 a model failed its check, 2 bad command-line usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import TextIO

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import keras
import numpy as np

from keras_video_zoo.data import example_inputs
from keras_video_zoo.models.flops import count_flops
from keras_video_zoo.registry import create_model, list_models


def _shapes(structure) -> str:
    """'(10, 64, 64, 3)', or 'clip (1, 64, 64, 3) + flow (...)' for several tensors."""
    if isinstance(structure, dict):
        return " + ".join(f"{name} {_shapes(value)}" for name, value in structure.items())
    return str(tuple(structure.shape[1:]) if hasattr(structure, "shape") else tuple(structure[1:]))


def _top_classes(scores) -> str:
    """'7 (0.547)', or 'source: 7 (0.5), target: 2 (0.3)' for several heads; checks they are probabilities."""
    if isinstance(scores, dict):
        return ", ".join(f"{head}: {_top_classes(value)}" for head, value in scores.items())
    scores = np.asarray(scores)[0]
    if not np.all(np.isfinite(scores)) or not np.isclose(scores.sum(), 1.0, atol=1e-3):
        raise ValueError(f"class scores are not a probability distribution (sum {scores.sum():.4f})")
    return f"{int(scores.argmax())} ({scores.max():.3f})"


def describe_models(names: Sequence[str], forward: bool, out: TextIO | None = None) -> int:
    """Builds each model, optionally classifies generated inputs, prints a table.

    Returns:
        The number of models that failed.
    """
    columns = ["model", "input (T, H, W, C)", "params", "GFLOPs/clip", "output"]
    if forward:
        columns += ["forward ms", "top class (p)"]
    rows, failures = [], 0
    for name in names:
        try:
            model = create_model(name)
            inputs = model.input if isinstance(model.input, dict) else model.inputs[0]
            row = [name, _shapes(inputs), f"{model.count_params():,}", f"{count_flops(model) / 1e9:.3f}"]
            row.append(_shapes(model.output))
            if forward:
                example = example_inputs(model, batch=1, seed=len(rows))
                model.predict_on_batch(example)  # first call traces the graph
                start = time.perf_counter()
                scores = model.predict_on_batch(example)
                row.append(f"{(time.perf_counter() - start) * 1e3:.0f}")
                row.append(_top_classes(scores))
        except Exception as error:  # report every model, then fail with a count
            failures += 1
            row = [name, f"FAILED: {type(error).__name__}: {error}"]
        rows.append(row)
        print("  ".join(row), file=sys.stderr, flush=True)  # progress while the table builds
        keras.backend.clear_session(free_memory=True)
    print(markdown_table(columns, rows), file=out or sys.stdout)
    return failures


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (rows may be shorter than the header)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(list(row) + [""] * (len(columns) - len(row))) + " |" for row in rows]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kvz", description="keras_video_zoo: video classification models.")
    commands = parser.add_subparsers(dest="command", required=True)
    models = commands.add_parser("models", help="list registered models with their size and cost")
    models.add_argument("pattern", nargs="?", default=None, help="shell-style filter, e.g. 'slow_fusion*'")
    models.add_argument("--forward", action="store_true", help="also classify generated inputs with each model")
    commands.add_parser("demo", help="build every registered model and classify generated inputs with each")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "models":
        names = list_models(args.pattern)
        if not names:
            print(f"kvz: no model matches {args.pattern!r}; run 'kvz models' for the list.", file=sys.stderr)
            return 2
        return 1 if describe_models(names, forward=args.forward) else 0
    # demo: until the full demo lands, the zoo's smoke run over every model.
    failures = describe_models(list_models(), forward=True)
    print(f"\n{len(list_models()) - failures} of {len(list_models())} models built and classified generated inputs.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
