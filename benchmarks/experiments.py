"""Shared pieces of the paper-table benchmarks (karpathy_table1, multires_speed, simonyan_tables).

The pure parts (spread over seeds, the CNN average of video scores, twin confusion,
table cells) are tested in tests/benchmarks/; the rest wires the zoo's training and
evaluation engine the way ``weights/train_bundled.py`` does, so the numbers line up
with the bundled-weights table.

Example:
>>> summary = seed_summary([0.5, 0.7, 0.6])
>>> round(summary["mean"], 3), round(summary["std"], 3)
(0.6, 0.1)
>>> mean_std_cell(summary)
'0.600 ± 0.100'
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
# weights/train_bundled.py (shipped as keras_video_zoo.bundled_weights) holds the recipe of the bundled table.
from keras_video_zoo.bundled_weights.train_bundled import DATA_SEED, DROPOUT, RECIPE, SPLIT  # noqa: E402

__all__ = ["DATA_SEED", "DROPOUT", "RECIPE", "SPLIT"]  # the bundled recipe, re-exported for the benchmarks

EPOCHS_BUNDLED = 20
CLIPS_PER_VIDEO = 4
BATCH_SIZE = 16


# --- aggregation over seeds (pure) -------------------------------------------------------------------------------


def seed_summary(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean and sample standard deviation over seeds (0 for one seed); ``None`` values are skipped.

    Example:
    >>> seed_summary([1.0])["std"]
    0.0
    >>> seed_summary([None, None])["mean"] is None
    True
    """
    present = [float(v) for v in values if v is not None]
    if not present:
        return {"mean": None, "std": None, "values": list(values)}
    std = statistics.stdev(present) if len(present) > 1 else 0.0
    return {"mean": statistics.fmean(present), "std": std, "values": [None if v is None else float(v) for v in values]}


def flat_metrics(
    results: Mapping[str, Any], keys: Sequence[str] = ("clip_hit@1", "video_hit@1", "video_hit@5")
) -> dict:
    """The scalar metrics of one evaluation: ``keys`` and ``video_hit@1_<group>`` per class group.

    Example:
    >>> flat_metrics({"clip_hit@1": 0.5, "video_hit@1": 0.6, "video_hit@5": 1.0,
    ...               "group_video_hit@1": {"motion": 0.4}})
    {'clip_hit@1': 0.5, 'video_hit@1': 0.6, 'video_hit@5': 1.0, 'video_hit@1_motion': 0.4}
    """
    metrics = {key: (None if results.get(key) is None else float(results[key])) for key in keys}
    for group, value in (results.get("group_video_hit@1") or {}).items():
        metrics[f"video_hit@1_{group}"] = None if value is None else float(value)
    return metrics


def aggregate(runs: Sequence[Mapping[str, float | None]]) -> dict[str, dict[str, Any]]:
    """Per metric, the :func:`seed_summary` over runs (one dict of metrics per seed).

    Example:
    >>> aggregate([{"a": 0.2}, {"a": 0.4}])["a"]["mean"]
    0.30000000000000004
    """
    names = list(dict.fromkeys(name for run in runs for name in run))
    return {name: seed_summary([run.get(name) for run in runs]) for name in names}


def mean_std_cell(summary: Mapping[str, Any] | None, digits: int = 3) -> str:
    """``mean ± std`` for a table cell; an em dash when the metric does not apply.

    Example:
    >>> mean_std_cell({"mean": None, "std": None})
    '—'
    """
    if not summary or summary.get("mean") is None:
        return "—"
    return f"{summary['mean']:.{digits}f} ± {summary['std']:.{digits}f}"


# --- scores (pure) -----------------------------------------------------------------------------------------------


def aligned_video_scores(results: Mapping[str, Any], video_ids: Sequence[str]) -> np.ndarray:
    """An evaluation's video scores in the order of ``video_ids``."""
    index = {video: i for i, video in enumerate(results["video_ids"])}
    missing = [video for video in video_ids if video not in index]
    if missing:
        raise ValueError(f"{len(missing)} videos were not scored by every model, e.g. {missing[:3]}.")
    scores = np.asarray(results["video_scores"], dtype=np.float64)
    return scores[[index[video] for video in video_ids]]


def average_video_scores(evaluations: Sequence[Mapping[str, Any]]) -> tuple[list[str], np.ndarray]:
    """Karpathy's "CNN average": the mean of several models' video scores, aligned by video id.

    Example:
    >>> a = {"video_ids": ["x", "y"], "video_scores": [[1.0, 0.0], [0.0, 1.0]]}
    >>> b = {"video_ids": ["y", "x"], "video_scores": [[0.5, 0.5], [0.0, 1.0]]}
    >>> ids, scores = average_video_scores([a, b])
    >>> ids, scores.tolist()
    (['x', 'y'], [[0.5, 0.5], [0.25, 0.75]])
    """
    if not evaluations:
        raise ValueError("average_video_scores needs at least one evaluation.")
    video_ids = list(evaluations[0]["video_ids"])
    return video_ids, np.mean([aligned_video_scores(e, video_ids) for e in evaluations], axis=0)


def twin_confusion(
    video_scores: np.ndarray, labels: Sequence[int], class_names: Sequence[str], twins: Mapping[str, str]
) -> dict[str, dict[str, float]]:
    """Where each motion-defined class's test videos go: right, to its motion twin, or elsewhere.

    A model that sees no motion splits a class between itself and its twin (about half
    each); a model that sees motion puts almost nothing on the twin.

    Args:
        video_scores: ``(videos, classes)``.
        labels: each video's class index.
        class_names: the classes, in score order.
        twins: class -> its motion twin (motion-defined classes only).

    Example:
    >>> twin_confusion(np.array([[0.9, 0.1], [0.8, 0.2]]), [0, 1], ["L", "R"], {"L": "R", "R": "L"})
    {'L': {'correct': 1.0, 'twin': 0.0, 'other': 0.0}, 'R': {'correct': 0.0, 'twin': 1.0, 'other': 0.0}}
    """
    predicted = np.asarray(video_scores).argmax(axis=1)
    labels = np.asarray(labels)
    out = {}
    for name, twin in twins.items():
        mine = predicted[labels == class_names.index(name)]
        if len(mine) == 0:
            continue
        correct = float(np.mean(mine == class_names.index(name)))
        to_twin = float(np.mean(mine == class_names.index(twin)))
        out[name] = {"correct": correct, "twin": to_twin, "other": 1.0 - correct - to_twin}
    return out


# --- run records ---------------------------------------------------------------------------------------------------


def cpu_vector_isa() -> str:
    """The widest x86 vector extension this CPU has: machines of one kind differ, and speed with them.

    Example:
    >>> cpu_vector_isa() in ("AVX-512", "AVX2", "AVX", "no AVX", "unknown")
    True
    """
    try:
        flags = next(
            set(line.split(":", 1)[1].split())
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        )
    except (OSError, StopIteration):
        return "unknown"
    return next(
        (name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX")) if flag in flags), "no AVX"
    )


def machine_description() -> str:
    """CPU, cores, vector extension, TensorFlow and Keras versions, GPUs: how results were measured."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    processor = platform.processor() or platform.machine()
    return (
        f"{processor}, {os.cpu_count()} CPU cores ({cpu_vector_isa()}), TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, " + (f"{len(gpus)} GPU(s)" if gpus else "no GPU")
    )


def run_record(script: str, argv: Sequence[str]) -> dict[str, str]:
    """Date, machine and the command that reproduces a result file."""
    return {
        "date": datetime.date.today().isoformat(),
        "machine": machine_description(),
        "command": " ".join(["python", f"benchmarks/{script}.py", *map(shlex.quote, argv)]),
    }


def results_dir(given: Path | None, quick: bool) -> Path:
    """Where results go: ``given``, else benchmarks/results, or a temporary folder for ``--quick`` runs
    (so a development run never replaces the published table)."""
    if given is not None:
        return given
    return Path(tempfile.gettempdir()) / "kvz_benchmarks" if quick else RESULTS_DIR


def write_results(name: str, payload: Mapping[str, Any], markdown: str, folder: Path, *, update_readme: bool) -> None:
    """Writes ``<folder>/<name>.json`` and ``.md``; optionally refreshes README's marked section."""
    from keras_video_zoo.markdown import replace_marked_section

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    (folder / f"{name}.md").write_text(markdown if markdown.endswith("\n") else markdown + "\n")
    log(f"wrote {folder / name}.json and .md")
    if update_readme:
        markers = (f"<!-- benchmark:{name}:start -->", f"<!-- benchmark:{name}:end -->")
        replace_marked_section(ROOT / "README.md", markers, markdown)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- data and training (the bundled recipe) ------------------------------------------------------------------------


def synthetic_sets(data_dir: Path, *, target: bool = False, flow: bool = False) -> dict[str, Path]:
    """The synthetic source (and target) sets of ``train_bundled.py``'s seed, with forward+backward DIS flow."""
    from keras_video_zoo.data.layouts import ucf101
    from keras_video_zoo.data.synthetic_dataset import generate_dataset
    from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow

    paths = {}
    for kind in ("source", "target") if target else ("source",):
        root = generate_dataset(data_dir / kind, kind=kind, seed=DATA_SEED)
        paths[kind] = root
        if flow:
            # Backward flow too, for bidirectional stacks; a folder of its own so the bundled forward-only one is kept.
            flow_root = data_dir / f"{kind}_flow_bidirectional"
            report = extract_dataset_flow(
                ucf101(root, split=SPLIT, subset="all"),
                flow_root,
                FlowSettings(backward=True),
                workers=1,
                progress=False,
            )
            if report.failed:
                raise RuntimeError(f"flow extraction failed: {report.summary()}")
            paths[f"{kind}_flow"] = flow_root
    return paths


def subsample(dataset, per_class: int | None):
    """The first ``per_class`` videos of each class (all when ``None``): the ``--quick`` runs' small sets."""
    if per_class is None:
        return dataset
    kept, seen = [], {}
    for record in dataset.records:
        if seen.get(record.label, 0) < per_class:
            kept.append(record)
            seen[record.label] = seen.get(record.label, 0) + 1
    return dataset.subset(kept)


def timed_training(train: Callable[[str], Any]) -> float:
    """Runs ``train(run_dir)`` in a fresh temporary run folder; returns its seconds."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        train(run_dir)
    return time.perf_counter() - started


# Mirroring must keep every class: a mirrored left-moving clip moves right, a mirrored clockwise spin turns
# counterclockwise. The synthetic set's twins are built to survive it (horizontal vs vertical sliding, spinning either
# way vs rocking); the unmirrored runs (training without flips, unmirrored test views) check that mirroring costs the
# motion-aware models nothing.


def unmirrored_karpathy_views():
    """Karpathy's four test passes without their mirror images: the centre and three corners."""
    from keras_video_zoo.views import CENTRE, CropView

    return (CENTRE, CropView(0.0, 0.0), CropView(1.0, 1.0), CropView(0.0, 1.0))


def train_rgb(model, train, *, run_dir: str, epochs: int, seed: int, mirror: bool = True):
    """The bundled recipe on RGB clips (``mirror=False``: no flips in training)."""
    from keras_video_zoo.training.video_training import train_on_videos

    return train_on_videos(
        model,
        train,
        run_dir=run_dir,
        epochs=epochs,
        recipe=RECIPE,
        batch_size=BATCH_SIZE,
        clips_per_video=CLIPS_PER_VIDEO,
        flip=mirror,
        seed=seed,
        verbose=0,
    )


def train_flow(model, train, flow_root, *, run_dir: str, epochs: int, mode: str, seed: int):
    """``train_on_flow`` with the bundled recipe."""
    from keras_video_zoo.training.video_training import train_on_flow

    return train_on_flow(
        model,
        train,
        flow_root,
        run_dir=run_dir,
        epochs=epochs,
        recipe=RECIPE,
        batch_size=BATCH_SIZE,
        mode=mode,
        stacks_per_video=CLIPS_PER_VIDEO,
        seed=seed,
        verbose=0,
    )


def evaluate_flow(model, test, flow_root, protocol, *, mode: str, groups=None) -> dict:
    """``evaluate_on_flow`` without a progress bar."""
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow

    return evaluate_on_flow(model, test, flow_root, protocol, mode=mode, groups=groups, progress=False)
