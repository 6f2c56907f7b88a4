"""Every bundled checkpoint in every export format: whether it exports, parity with Keras, CPU latency, file size.

Each checkpoint is exported with ``keras_video_zoo.deployment.export.export_model`` (Keras'
``model.export`` with a uint8 signature) and run in the format's own runtime: TensorFlow for the
SavedModel, onnxruntime for ONNX, the LiteRT interpreter for LiteRT. Latency is the median of one
clip (batch 1) scored repeatedly after a warm-up, beside Keras' own ``predict_on_batch``.

Run::

    python benchmarks/export.py --update-readme
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import experiments as ex

from keras_video_zoo import create_model
from keras_video_zoo.deployment.export import FORMATS, ExportError, check_clips, export_model, load_exported
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.runtime import captured_stderr_fd
from keras_video_zoo.weights import list_weights

NAME = "export"


def median_ms(run, runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return round(sum(p.stat().st_size for p in files) / 1e6, 2)


def measure(name: str, runs: int, scratch: Path) -> dict:
    model = create_model(name)
    clip = check_clips(model, batch=1, seed=1)
    result = {"keras_ms": median_ms(lambda: model.predict_on_batch(clip[0]), runs), "formats": {}}
    for format in FORMATS:
        ex.log(f"{name}: {format}")
        try:
            exported = export_model(model, scratch / name / format, format)
        except ExportError as error:
            result["formats"][format] = {"exports": False, "reason": str(error)}
            continue
        run = load_exported(exported.path, format, [spec["name"] for spec in exported.inputs])
        with captured_stderr_fd():
            latency = median_ms(lambda run=run: run(clip), runs)
        result["formats"][format] = {
            "exports": True,
            "max_abs_diff": exported.max_abs_diff,
            "ms": latency,
            "mb": size_mb(exported.path),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per model and runtime (default 30)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        results = {name: measure(name, args.runs, Path(folder)) for name in list_weights()}
    record = ex.run_record(NAME, argv or sys.argv[1:])
    columns = ["checkpoint", "Keras ms"] + [f"{f}: exports, max abs diff, ms, MB" for f in FORMATS]
    rows = []
    for name, result in results.items():
        row = [f"`{name}`", f"{result['keras_ms']:.1f}"]
        for format in FORMATS:
            cell = result["formats"][format]
            if not cell["exports"]:
                row.append(f"no: {cell['reason'][:80]}")
                continue
            row.append(f"yes, {cell['max_abs_diff']:.0e}, {cell['ms']:.1f}, {cell['mb']:.2f}")
        rows.append(row)
    diffs = [c["max_abs_diff"] for r in results.values() for c in r["formats"].values() if c["exports"]]
    markdown = (
        f"Measured {record['date']} on {record['machine']}. `{record['command']}`. One uint8 clip (batch 1), "
        f"median of {args.runs} runs after a warm-up, each format in its own runtime (TensorFlow, onnxruntime, "
        f"the LiteRT interpreter); the largest difference from the Keras scores over all exports is "
        f"{max(diffs):.0e}.\n\n{markdown_table(columns, rows)}"
    )
    ex.write_results(
        NAME,
        {"record": record, "results": results},
        markdown,
        ex.results_dir(None, False),
        update_readme=args.update_readme,
    )
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
