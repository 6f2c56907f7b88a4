"""Inference and training clips/s of every tiny zoo model on TensorFlow, JAX and PyTorch, side by side.

One worker process per backend and compilation mode (``KERAS_BACKEND`` is fixed when Keras loads):
TensorFlow as ``tf.function`` graphs and under XLA (``jit_compile=True``), JAX under ``jax.jit``
(the only way Keras runs JAX models), PyTorch eager and with ``torch.compile``
(``jit_compile=True``). The parent sends the workers the same measurement in turn, round after
round, so every variant sees the same machine state (interleaved rounds on the same cores); a
cell is the median over rounds. Batch 8 random uint8 clips, SGD steps through ``train_on_batch``,
scores through ``predict_on_batch``; compilation and warm-up steps are not timed.

Run::

    python benchmarks/backends.py --update-readme
    python benchmarks/backends.py --models slow_fusion_tiny --rounds 2   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

NAME = "backends"
ROOT = Path(__file__).resolve().parent.parent
#: (label, KERAS_BACKEND, jit_compile)
VARIANTS = (
    ("TensorFlow", "tensorflow", False),
    ("TensorFlow XLA", "tensorflow", True),
    ("JAX jit", "jax", "auto"),
    ("PyTorch eager", "torch", False),
    ("torch.compile", "torch", True),
)
MODES = ("inference", "training")
BATCH = 8


# --- the worker: one backend and compilation mode, models built on demand ---------------------------------------


def worker(jit: str) -> None:
    """Answers ``{"model", "mode", "steps"}`` lines on stdin with ``{"seconds": per step}`` on stdout."""
    import keras
    import numpy as np

    from keras_video_zoo import create_model

    jit_compile = {"True": True, "False": False}.get(jit, jit)
    models: dict[str, tuple] = {}

    def prepared(name: str):
        if name not in models:
            keras.utils.set_random_seed(0)
            model = create_model(name)
            model.compile(
                optimizer=keras.optimizers.SGD(1e-3), loss="sparse_categorical_crossentropy", jit_compile=jit_compile
            )
            rng = np.random.default_rng(0)
            clips = {t.name: rng.integers(0, 256, (BATCH, *t.shape[1:]), dtype=np.uint8) for t in model.inputs}
            clips = next(iter(clips.values())) if len(clips) == 1 else clips
            labels = keras.tree.map_structure(lambda out: np.arange(BATCH) % out.shape[-1], model.output)
            steps = {
                "inference": lambda: keras.ops.convert_to_numpy(model.predict_on_batch(clips)),
                "training": lambda: model.train_on_batch(clips, labels),
            }
            for step in steps.values():  # compile and warm up, untimed
                for _ in range(3):
                    step()
            models[name] = steps
        return models[name]

    for line in sys.stdin:
        request = json.loads(line)
        try:
            step = prepared(request["model"])[request["mode"]]
            times = []
            for _ in range(request["steps"]):
                start = time.perf_counter()
                step()
                times.append(time.perf_counter() - start)
        except Exception as error:  # a variant that cannot run a model: its reason goes in the table's data
            print(json.dumps({"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}), flush=True)
            continue
        print(json.dumps({"seconds": statistics.median(times)}), flush=True)


# --- the parent: interleaved rounds ------------------------------------------------------------------------------


class Worker:
    """A worker process for one variant."""

    def __init__(self, backend: str, jit) -> None:
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
        command = [sys.executable, __file__, "--worker", str(jit)]
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def measure(self, model: str, mode: str, steps: int) -> float:
        self.process.stdin.write(json.dumps({"model": model, "mode": mode, "steps": steps}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"worker exited with code {self.process.wait()}")
        answer = json.loads(answer)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["seconds"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def run(models: list[str], rounds: int, steps: int) -> dict:
    """``{model: {mode: {variant: clips/s}}}``, medians over rounds; failures recorded as text."""
    from experiments import log

    results = {model: {mode: {} for mode in MODES} for model in models}
    samples: dict[tuple, list[float]] = {}
    workers = {label: Worker(backend, jit) for label, backend, jit in VARIANTS}
    failed: dict[tuple, str] = {}
    try:
        for round_ in range(rounds):
            for model in models:
                for mode in MODES:
                    for label, variant in workers.items():
                        key = (model, mode, label)
                        if key in failed:
                            continue
                        try:
                            samples.setdefault(key, []).append(variant.measure(model, mode, steps))
                        except RuntimeError as error:  # a variant that cannot run a model: say so, go on
                            failed[key] = str(error)
            log(f"round {round_ + 1}/{rounds} done")
    finally:
        for variant in workers.values():
            variant.close()
    for (model, mode, label), seconds in samples.items():
        results[model][mode][label] = BATCH / statistics.median(seconds)
    for (model, mode, label), reason in failed.items():
        results[model][mode][label] = f"failed: {reason}"
    return results


def markdown(results: dict, record: dict, rounds: int, steps: int) -> str:
    from keras_video_zoo.markdown import markdown_table

    labels = [label for label, _, _ in VARIANTS]
    sections = []
    for mode in MODES:
        rows = []
        for model, modes in results.items():
            cells = modes[mode]
            numbers = {k: v for k, v in cells.items() if isinstance(v, float)}
            best = max(numbers, key=numbers.get) if numbers else None
            row = [f"`{model}`"]
            for label in labels:
                value = cells.get(label)
                text = f"{value:.0f}" if isinstance(value, float) else "fails"
                row.append(f"**{text}**" if label == best else text)
            rows.append(row)
        sections.append(
            f"{mode.capitalize()}, clips/s (batch {BATCH}; fastest in bold):\n\n"
            + markdown_table(["model", *labels], rows)
        )
    return (
        f"Measured {record['date']} on {record['machine']}. `{record['command']}`. Each variant in its own "
        f"process, {rounds} interleaved rounds of {steps} timed steps after a warm-up; median.\n\n"
        + "\n\n".join(sections)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--models", nargs="+", help="default: every bundled tiny checkpoint's model")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per measurement (default 10)")
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    if args.worker is not None:
        worker(args.worker)
        return 0

    from importlib.metadata import version

    import experiments as ex

    from keras_video_zoo.weights import list_weights

    models = args.models or sorted({tag.rsplit(".", 1)[0] for tag in list_weights()})
    results = run(models, args.rounds, args.steps)
    record = ex.run_record(NAME, argv if argv is not None else sys.argv[1:])
    record["machine"] += ", " + ", ".join(f"{package} {version(package)}" for package in ("jax", "torch"))
    text = markdown(results, record, args.rounds, args.steps)
    ex.write_results(
        NAME,
        {"record": record, "results": results},
        text,
        ex.results_dir(args.out, False),
        update_readme=args.update_readme,
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
