"""``kvz models``: list registered models with their size and cost."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import TextIO

import keras
import numpy as np

from keras_video_zoo.data import example_inputs
from keras_video_zoo.evaluation.markdown import markdown_table
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


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("models", help="list registered models with their size and cost")
    parser.add_argument("pattern", nargs="?", default=None, help="shell-style filter, e.g. 'slow_fusion*'")
    parser.add_argument("--forward", action="store_true", help="also classify generated inputs with each model")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    names = list_models(args.pattern)
    if not names:
        print(f"kvz: no model matches {args.pattern!r}; run 'kvz models' for the list.", file=sys.stderr)
        return 2
    return 1 if describe_models(names, forward=args.forward) else 0
