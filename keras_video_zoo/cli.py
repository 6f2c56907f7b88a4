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

from keras_video_zoo.data import moving_square_clip
from keras_video_zoo.models.flops import count_flops
from keras_video_zoo.registry import create_model, list_models


def describe_models(names: Sequence[str], forward: bool, out: TextIO | None = None) -> int:
    """Builds each model, optionally classifies a generated clip, prints a table.

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
            row = [name, str(model.input_shape[1:]), f"{model.count_params():,}", f"{count_flops(model) / 1e9:.3f}"]
            row.append(str(model.output_shape[1:]))
            if forward:
                clip = moving_square_clip(*model.input_shape[1:], seed=len(rows))[None]
                model.predict_on_batch(clip)  # first call traces the graph
                start = time.perf_counter()
                scores = np.asarray(model.predict_on_batch(clip))[0]
                row.append(f"{(time.perf_counter() - start) * 1e3:.0f}")
                if not np.isclose(scores.sum(), 1.0, atol=1e-3) or not np.all(np.isfinite(scores)):
                    raise ValueError(f"class scores are not a probability distribution (sum {scores.sum():.4f})")
                row.append(f"{int(scores.argmax())} ({scores.max():.3f})")
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
    models.add_argument("--forward", action="store_true", help="also classify a generated clip with each model")
    commands.add_parser("demo", help="build every registered model and classify a generated clip with each")
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
    print(f"\n{len(list_models()) - failures} of {len(list_models())} models built and classified a generated clip.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
