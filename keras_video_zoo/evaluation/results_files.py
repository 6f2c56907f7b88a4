"""Evaluation results as JSON (for machines) and Markdown (for people)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from keras_video_zoo.evaluation.metrics import APDifference
from keras_video_zoo.markdown import markdown_table

SUMMARY_KEYS = ("clip_hit@1", "video_hit@1", "video_hit@5", "mean_class_accuracy", "mAP")


def _jsonable(value: Any) -> Any:
    """numpy values to Python ones, NaN/inf to None (JSON has no NaN)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_results_json(results: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Writes ``results`` (e.g. from ``evaluate_video_scores``) as JSON; returns the path.

    Example:
    >>> import tempfile, pathlib
    >>> path = write_results_json({"mAP": float("nan"), "n": 3}, pathlib.Path(tempfile.mkdtemp()) / "r.json")
    >>> read_results_json(path)
    {'mAP': None, 'n': 3}
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_jsonable(results), indent=2, allow_nan=False))
    return path


def read_results_json(path: str | os.PathLike) -> dict[str, Any]:
    """Reads results written by :func:`write_results_json`."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise ValueError(f"Cannot read results from {os.fspath(path)!r}: {error}") from None


def _percent(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{100 * value:.1f}"


def results_markdown(results: Mapping[str, Any], *, title: str = "Evaluation", per_class: bool = True) -> str:
    """A Markdown report: summary metrics, group mAP, per-class AP and the protocol.

    Example:
    >>> print(results_markdown({"video_hit@1": 0.5, "mAP": 0.25}, per_class=False))
    # Evaluation
    <BLANKLINE>
    | metric | % |
    |---|---|
    | video_hit@1 | 50.0 |
    | mAP | 25.0 |
    <BLANKLINE>
    """
    lines = [f"# {title}", ""]
    summary = [(key, _percent(results[key])) for key in SUMMARY_KEYS if key in results]
    summary += [
        (key, _percent(value))
        for key, value in results.items()
        if key.startswith("video_hit@") and key not in SUMMARY_KEYS
    ]
    lines.append(markdown_table(["metric", "%"], summary))
    if "num_videos" in results:
        lines += ["", f"{results['num_videos']} videos, {results.get('num_views', '?')} views scored."]
    if results.get("group_mAP"):
        lines += ["", "## mAP per class group", ""]
        lines.append(markdown_table(["group", "mAP %"], [(g, _percent(v)) for g, v in results["group_mAP"].items()]))
    if per_class and results.get("per_class_ap"):
        lines += ["", "## Average precision per class", ""]
        lines.append(markdown_table(["class", "AP %"], [(c, _percent(v)) for c, v in results["per_class_ap"].items()]))
    if results.get("protocol"):
        lines += ["", "## Protocol", "", "```json", json.dumps(_jsonable(results["protocol"]), indent=2), "```"]
    return "\n".join(lines) + "\n"


def ap_difference_markdown(rows: Sequence[APDifference], name_a: str = "A", name_b: str = "B") -> str:
    """Karpathy et al.'s Table 2: per-class AP of two models and the difference, as Markdown.

    Example:
    >>> print(ap_difference_markdown([APDifference("run", 0.5, 0.8)], "single", "slow"))
    | class | single AP % | slow AP % | difference |
    |---|---|---|---|
    | run | 50.0 | 80.0 | +30.0 |
    """
    table = [(r.class_name, _percent(r.ap_a), _percent(r.ap_b), f"{100 * r.difference:+.1f}") for r in rows]
    return markdown_table(["class", f"{name_a} AP %", f"{name_b} AP %", "difference"], table)


def write_report(
    results: Mapping[str, Any], out_dir: str | os.PathLike, *, title: str = "Evaluation", plots: bool = True
) -> dict[str, Path]:
    """Writes ``results.json``, ``results.md`` and (with ``plots``) the confusion-matrix and AP plots.

    Returns:
        The written files by kind.
    """
    from keras_video_zoo.evaluation import plots as plotting

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"json": write_results_json(results, out_dir / "results.json")}
    markdown = out_dir / "results.md"
    markdown.write_text(results_markdown(results, title=title))
    written["markdown"] = markdown
    if plots and results.get("confusion_matrix") is not None:
        written["confusion_matrix"] = plotting.plot_confusion_matrix(
            results["confusion_matrix"], results["class_names"], out_dir / "confusion_matrix.png"
        )
    if plots and results.get("per_class_ap"):
        names = list(results["per_class_ap"])
        aps = [np.nan if v is None else v for v in results["per_class_ap"].values()]
        written["per_class_ap"] = plotting.plot_per_class_ap(aps, names, out_dir / "per_class_ap.png")
    return written
