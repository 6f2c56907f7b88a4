"""``kvz models``: registered models with their size and cost, and the bundled checkpoints.

The table comes from ``keras_video_zoo/model_catalogue.json``, a snapshot of every registered
model's inputs, outputs, parameters and FLOPs, so listing the zoo loads neither Keras nor
TensorFlow. ``tests/models/test_model_catalogue.py`` rebuilds every model and checks the
snapshot; ``python -m keras_video_zoo.commands.models --write-catalogue`` refreshes it.
``--forward`` builds each model and classifies a generated input.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.resources
import json
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

CATALOGUE = "model_catalogue.json"
COLUMNS = ["model", "input (T, H, W, C)", "params", "GFLOPs/clip", "output", "bundled weights"]


def read_catalogue() -> dict[str, dict[str, Any]]:
    """The catalogue shipped with the package: registry name -> inputs, outputs, params, GFLOPs, description."""
    text = importlib.resources.files("keras_video_zoo").joinpath(CATALOGUE).read_text()
    return json.loads(text)["models"]


def _shapes(shapes: dict[str, list[int]]) -> str:
    """'(10, 64, 64, 3)', or 'clip (1, 64, 64, 3) + flow (...)' for several tensors."""
    if list(shapes) == [""]:
        return str(tuple(shapes[""]))
    return " + ".join(f"{name} {tuple(shape)}" for name, shape in shapes.items())


def _structure_shapes(structure) -> dict[str, list[int]]:
    if isinstance(structure, dict):
        return {name: list(value.shape[1:]) for name, value in structure.items()}
    if isinstance(structure, list) and len(structure) > 1:
        return {tensor.name.split(":")[0]: list(tensor.shape[1:]) for tensor in structure}
    tensor = structure[0] if isinstance(structure, list) else structure
    return {"": list(tensor.shape[1:])}


def describe_registered(name: str) -> dict[str, Any]:
    """Builds a registered model and returns its catalogue entry."""
    from keras_video_zoo.models import create_model
    from keras_video_zoo.models.flops import count_flops
    from keras_video_zoo.registry import get_model_entry

    model = create_model(name)
    return {
        "description": get_model_entry(name).description,
        "inputs": _structure_shapes(model.input if isinstance(model.input, dict) else model.inputs),
        "outputs": _structure_shapes(model.output),
        "params": int(model.count_params()),
        "flops": int(count_flops(model)),
    }


def write_catalogue(path) -> None:
    """Rebuilds every registered model and writes the catalogue (a maintainer's step; see the module doc)."""
    import keras

    from keras_video_zoo.models import list_models

    entries = {}
    for name in list_models():
        entries[name] = describe_registered(name)
        keras.backend.clear_session(free_memory=True)
    # One model a line, so a change to one model is a one-line diff.
    lines = ",\n".join(f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in entries.items())
    path.write_text(f'{{"format": "keras_video_zoo.model_catalogue", "version": 1, "models": {{\n{lines}\n}}}}\n')


def _bundled_tags(name: str, weights: Sequence[str]) -> str:
    return ", ".join(w.partition(".")[2] for w in weights if w.partition(".")[0] == name)


def _top_classes(scores) -> str:
    """'7 (0.547)', or 'source: 7 (0.5), target: 2 (0.3)' for several heads; checks they are probabilities."""
    import numpy as np

    if isinstance(scores, dict):
        return ", ".join(f"{head}: {_top_classes(value)}" for head, value in scores.items())
    scores = np.asarray(scores)[0]
    if not np.all(np.isfinite(scores)) or not np.isclose(scores.sum(), 1.0, atol=1e-3):
        raise ValueError(f"class scores are not a probability distribution (sum {scores.sum():.4f})")
    return f"{int(scores.argmax())} ({scores.max():.3f})"


def forward_columns(name: str, seed: int) -> list[str]:
    """Builds ``name``, classifies a generated input: [forward ms, top class (p)]."""
    import keras

    from keras_video_zoo.data import example_inputs
    from keras_video_zoo.models import create_model

    model = create_model(name)
    example = example_inputs(model, batch=1, seed=seed)
    model.predict_on_batch(example)  # the first call traces the graph
    start = time.perf_counter()
    scores = model.predict_on_batch(example)
    elapsed = f"{(time.perf_counter() - start) * 1e3:.0f}"
    keras.backend.clear_session(free_memory=True)
    return [elapsed, _top_classes(scores)]


def describe_models(names: Sequence[str], forward: bool, out: TextIO | None = None) -> int:
    """Prints the table of ``names``; with ``forward`` also builds and runs each model.

    Returns:
        The number of models that failed.
    """
    from keras_video_zoo.markdown import markdown_table
    from keras_video_zoo.weights import list_weights

    catalogue, weights = read_catalogue(), list_weights()
    columns = COLUMNS + (["forward ms", "top class (p)"] if forward else [])
    rows, failures = [], 0
    for name in names:
        entry = catalogue[name]
        row = [
            name,
            _shapes(entry["inputs"]),
            f"{entry['params']:,}",
            f"{entry['flops'] / 1e9:.3f}",
            _shapes(entry["outputs"]),
            _bundled_tags(name, weights),
        ]
        if forward:
            try:
                row += forward_columns(name, seed=len(rows))
            except Exception as error:  # report every model, then fail with a count
                failures += 1
                row += [f"FAILED: {type(error).__name__}: {error}", ""]
            print("  ".join(row), file=sys.stderr, flush=True)  # progress while the table builds
        rows.append(row)
    print(markdown_table(columns, rows), file=out or sys.stdout)
    return failures


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "models",
        help="list registered models with their size, cost and bundled weights",
        description="List registered models (input, parameters, GFLOPs per clip, output, bundled weights tags); "
        "name.tag of a bundled tag is a --model SOURCE for every command.",
    )
    parser.add_argument("pattern", nargs="?", default=None, help="shell-style filter, e.g. 'slow_fusion*'")
    parser.add_argument("--forward", action="store_true", help="also build each model and classify a generated input")
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo import runtime

    catalogue = read_catalogue()
    names = sorted(n for n in catalogue if args.pattern is None or fnmatch.fnmatchcase(n, args.pattern))
    if not names:
        print(f"kvz models: no model matches {args.pattern!r}; run 'kvz models' for the list.", file=sys.stderr)
        return 2
    if args.forward:
        runtime.import_tensorflow(quiet=not args.verbose)
    return 1 if describe_models(names, forward=args.forward) else 0


if __name__ == "__main__":  # python -m keras_video_zoo.commands.models --write-catalogue
    if sys.argv[1:] != ["--write-catalogue"]:
        sys.exit("usage: python -m keras_video_zoo.commands.models --write-catalogue")
    write_catalogue(importlib.resources.files("keras_video_zoo").joinpath(CATALOGUE))
