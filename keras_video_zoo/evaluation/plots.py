"""Report plots as PNG files (matplotlib, no display needed).

Figures are made with ``matplotlib.figure.Figure`` and its Agg canvas, not pyplot,
so plotting never touches a GUI backend or global state.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(figure, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def plot_confusion_matrix(
    matrix, class_names: Sequence[str], path: str | os.PathLike, *, normalize: bool = True
) -> Path:
    """The confusion matrix (rows: true class, columns: predicted), rows normalised to recall.

    Example:
    >>> import tempfile, pathlib
    >>> plot_confusion_matrix([[3, 1], [0, 4]], ["run", "walk"], pathlib.Path(tempfile.mkdtemp()) / "cm.png").suffix
    '.png'
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(class_names):
        raise ValueError(f"Need a square matrix of {len(class_names)} classes; got shape {matrix.shape}.")
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    n = len(class_names)
    size = min(4 + 0.18 * n, 24)
    figure = _figure(size, size)
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    figure.colorbar(image, ax=axes, shrink=0.8)
    if n <= 60:  # beyond that the tick labels overlap into noise
        axes.set_xticks(range(n), class_names, rotation=90, fontsize=max(4, 10 - n // 10))
        axes.set_yticks(range(n), class_names, fontsize=max(4, 10 - n // 10))
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title("Confusion matrix" + (" (row-normalised)" if normalize else ""))
    return _save(figure, path)


def plot_per_class_ap(ap: Sequence[float], class_names: Sequence[str], path: str | os.PathLike) -> Path:
    """Horizontal bars of per-class AP, best first (classes without AP are left out)."""
    ap = np.asarray(ap, dtype=np.float64)
    if len(ap) != len(class_names):
        raise ValueError(f"Got {len(ap)} APs for {len(class_names)} classes.")
    keep = np.flatnonzero(~np.isnan(ap))
    order = keep[np.argsort(ap[keep])]  # ascending, so the best ends on top
    figure = _figure(7, max(2.5, 0.2 * len(order) + 1))
    axes = figure.add_subplot()
    axes.barh(range(len(order)), ap[order], color="tab:blue")
    axes.set_yticks(range(len(order)), [class_names[i] for i in order], fontsize=7)
    axes.set_xlim(0, 1)
    axes.set_xlabel("average precision")
    axes.set_title(f"Per-class AP (mAP {np.nanmean(ap) if keep.size else float('nan'):.3f})")
    return _save(figure, path)


def read_training_log(csv_path: str | os.PathLike) -> dict[str, list[float]]:
    """Columns of a Keras ``CSVLogger`` file (``epoch``, ``loss``, ``val_loss`` ...) as float lists."""
    try:
        with open(csv_path, newline="") as file:
            rows = list(csv.DictReader(file))
    except OSError as error:
        raise ValueError(f"Cannot read the training log {os.fspath(csv_path)!r}: {error}") from None
    if not rows:
        raise ValueError(f"The training log {os.fspath(csv_path)!r} has no epochs yet.")
    # CSVLogger writes "NA" for a value an epoch did not log (e.g. no validation that epoch).
    return {key: [float(row[key]) if row[key] not in ("", "NA", None) else np.nan for row in rows] for key in rows[0]}


def plot_training_curves(csv_path: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Loss and accuracy per epoch (train and validation) from a ``fit`` run's ``log.csv``."""
    log = read_training_log(csv_path)
    epochs = np.asarray(log.get("epoch", range(len(next(iter(log.values())))))) + 1
    panels = [name for name in ("loss", "accuracy") if name in log] or [k for k in log if k != "epoch"][:1]
    figure = _figure(5 * len(panels), 3.5)
    for index, name in enumerate(panels, start=1):
        axes = figure.add_subplot(1, len(panels), index)
        axes.plot(epochs, log[name], marker="o", label="train")
        if f"val_{name}" in log:
            axes.plot(epochs, log[f"val_{name}"], marker="o", label="validation")
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.legend()
        axes.grid(alpha=0.3)
    return _save(figure, path)


def filter_slices(kernel: np.ndarray) -> np.ndarray:
    """First-layer kernels as images: ``(filters, slices, height, width, 3 or 1)`` in [0, 1].

    Conv3D kernels ``(t, h, w, c, f)`` give one slice per time step; Conv2D kernels
    on stacked frames (early fusion, 3T channels) one slice per frame; flow stacks
    (2L channels) one grey slice per channel. Each filter is scaled to [0, 1] on its own.

    Example:
    >>> filter_slices(np.zeros((4, 11, 11, 3, 8))).shape
    (8, 4, 11, 11, 3)
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 5:  # Conv3D: (t, h, w, c, f)
        slices = np.moveaxis(kernel, (0, 4), (1, 0))  # (f, t, h, w, c)
    elif kernel.ndim == 4:  # Conv2D: (h, w, c, f)
        h, w, c, f = kernel.shape
        channels = 3 if c % 3 == 0 else 1
        slices = kernel.reshape(h, w, c // channels, channels, f).transpose(4, 2, 0, 1, 3)
    else:
        raise ValueError(f"Expected a Conv2D or Conv3D kernel; got shape {kernel.shape}.")
    if slices.shape[-1] not in (1, 3):  # e.g. a Conv3D on flow: grey per channel
        f, t, h, w, c = slices.shape
        slices = slices.transpose(0, 1, 4, 2, 3).reshape(f, t * c, h, w, 1)
    low = slices.min(axis=(1, 2, 3, 4), keepdims=True)
    high = slices.max(axis=(1, 2, 3, 4), keepdims=True)
    return (slices - low) / np.where(high > low, high - low, 1.0)


def plot_first_layer_filters(
    model, path: str | os.PathLike, *, layer_name: str = "conv1", max_filters: int = 96
) -> Path:
    """conv1's kernels as an image grid: a row per filter, a column per time step or frame.

    Multires models name the layer ``fovea_conv1`` / ``context_conv1``; two-stream
    models nest it in each stream (pass the stream model).
    """
    try:
        layer = model.get_layer(layer_name)
    except ValueError:
        convs = [layer.name for layer in model.layers if layer.name.endswith("conv1")]
        raise ValueError(f"Model {model.name!r} has no layer {layer_name!r}; its first convs are {convs}.") from None
    images = filter_slices(layer.get_weights()[0])[:max_filters]
    filters, slices, height, width, channels = images.shape
    if channels == 1:
        images = np.repeat(images, 3, axis=-1)
    # One mosaic image (a row per filter, a column per slice, 1-pixel white gaps): one imshow, fast.
    padded = np.pad(images, ((0, 0), (0, 0), (0, 1), (0, 1), (0, 0)), constant_values=1.0)
    mosaic = padded.transpose(0, 2, 1, 3, 4).reshape(filters * (height + 1), slices * (width + 1), 3)
    scale = 0.05 if max(height, width) <= 11 else 0.03  # inches per kernel pixel
    figure = _figure(min(2 + scale * mosaic.shape[1], 20), min(1.5 + scale * mosaic.shape[0], 40))
    axes = figure.add_subplot()
    axes.imshow(mosaic, interpolation="nearest")
    axes.set_xlabel("time step / frame / channel")
    axes.set_ylabel("filter")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(f"{model.name}: {layer_name} ({filters} filters x {slices} slices)", fontsize=9)
    return _save(figure, path)


def plot_top5_predictions(
    samples: Sequence[dict], class_names: Sequence[str], path: str | os.PathLike, *, k: int = 5
) -> Path:
    """Karpathy et al.'s Figure 4: per video a frame and bars of the top-k classes, true ones green.

    Args:
        samples: dicts with ``scores`` (classes,), ``labels`` (true class indices),
            optional ``title`` and optional ``frame`` (an RGB uint8 image).
        class_names: the classes the scores index.
        path: the PNG to write.
    """
    if not samples:
        raise ValueError("Give at least one sample to plot.")
    figure = _figure(4.5 * min(len(samples), 4), 4.0 * ((len(samples) + 3) // 4))
    rows, columns = (len(samples) + 3) // 4, min(len(samples), 4)
    grid = figure.add_gridspec(rows * 2, columns, height_ratios=[3, 2] * rows)
    for index, sample in enumerate(samples):
        scores = np.asarray(sample["scores"], dtype=np.float64)
        if scores.shape != (len(class_names),):
            raise ValueError(f"Sample {index}: scores of shape {scores.shape}, expected ({len(class_names)},).")
        truth = set(np.atleast_1d(sample.get("labels", [])).tolist())
        row, column = divmod(index, 4)
        picture = figure.add_subplot(grid[2 * row, column])
        if sample.get("frame") is not None:
            picture.imshow(np.asarray(sample["frame"]))
        picture.set_axis_off()
        picture.set_title(sample.get("title", f"video {index}"), fontsize=9)
        bars = figure.add_subplot(grid[2 * row + 1, column])
        top = np.argsort(-scores, kind="stable")[:k][::-1]
        colours = ["tab:green" if c in truth else "tab:blue" for c in top]
        bars.barh(range(len(top)), scores[top], color=colours)
        bars.set_yticks(range(len(top)), [class_names[c] for c in top], fontsize=8)
        bars.set_xlim(0, max(1.0, float(scores.max())))
    return _save(figure, path)
