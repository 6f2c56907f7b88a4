"""The papers' metrics on class scores: hit@k, mean class accuracy, AP/mAP, confusion matrix.

Labels are given per sample as class indices -- an int array ``(n,)``, or one sequence
of labels per sample for multi-label videos (Sports-1M). A prediction is a *hit at k*
when any true label is among the k best-scored classes (Karpathy et al. 2014).
Everything is numpy (no scikit-learn needed); the tests check agreement with
scikit-learn's ``top_k_accuracy_score``, ``average_precision_score`` and
``confusion_matrix``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Labels = np.ndarray | Sequence[int] | Sequence[Sequence[int]]


def _scores(scores, name: str = "scores") -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or scores.shape[1] < 1:
        raise ValueError(f"{name} must be a (samples, classes) array; got shape {scores.shape}.")
    return scores


def label_matrix(labels: Labels, num_classes: int) -> np.ndarray:
    """Labels as a boolean ``(n, num_classes)`` matrix (one row per sample, True per true class).

    Example:
    >>> label_matrix([[0, 2], [1]], 3).astype(int)
    array([[1, 0, 1],
           [0, 1, 0]])
    """
    if isinstance(labels, np.ndarray) and labels.ndim == 2 and labels.shape[1] == num_classes:
        return labels.astype(bool)
    rows = [np.atleast_1d(np.asarray(row, dtype=np.int64)) for row in labels]
    matrix = np.zeros((len(rows), num_classes), dtype=bool)
    for i, row in enumerate(rows):
        if row.size == 0:
            raise ValueError(f"Sample {i} has no label; every sample needs at least one class.")
        if row.min() < 0 or row.max() >= num_classes:
            raise ValueError(
                f"Sample {i} has labels {row.tolist()} outside the {num_classes} classes (0..{num_classes - 1})."
            )
        matrix[i, row] = True
    return matrix


def _checked(scores, labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    scores = _scores(scores)
    truth = label_matrix(labels, scores.shape[1])
    if len(truth) != len(scores):
        raise ValueError(f"Got {len(scores)} score rows but {len(truth)} labels; give one label entry per row.")
    return scores, truth


def top_k_classes(scores, k: int) -> np.ndarray:
    """Indices of the ``k`` best classes per row, best first (ties: lower index first).

    Example:
    >>> top_k_classes([[0.1, 0.7, 0.2]], 2)
    array([[1, 2]])
    """
    scores = _scores(scores)
    if not 1 <= k:
        raise ValueError(f"k must be >= 1; got {k}.")
    return np.argsort(-scores, axis=1, kind="stable")[:, : min(k, scores.shape[1])]


def hits_at_k(scores, labels: Labels, k: int = 1) -> np.ndarray:
    """Per sample: whether any true label is among the ``k`` best classes.

    Example:
    >>> hits_at_k([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], [[2], [1, 0]], k=1).tolist()
    [False, True]
    """
    scores, truth = _checked(scores, labels)
    top = top_k_classes(scores, k)
    return np.take_along_axis(truth, top, axis=1).any(axis=1)


def hit_at_k(scores, labels: Labels, k: int = 1) -> float:
    """Fraction of samples with a true label in the top ``k`` (clip hit@1, video hit@5, ...).

    Example:
    >>> hit_at_k([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], [2, 0], k=2)
    1.0
    """
    return float(hits_at_k(scores, labels, k).mean())


def confusion_matrix(labels: Sequence[int], predictions: Sequence[int], num_classes: int) -> np.ndarray:
    """``(num_classes, num_classes)`` counts: row = true class, column = predicted class.

    Example:
    >>> confusion_matrix([0, 1, 1], [0, 0, 1], 2).tolist()
    [[1, 0], [1, 1]]
    """
    labels, predictions = np.asarray(labels, dtype=np.int64), np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise ValueError(
            f"labels and predictions must be 1-D and equally long; got {labels.shape}, {predictions.shape}."
        )
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} must lie in 0..{num_classes - 1}; got values {values.min()}..{values.max()}.")
    flat = np.bincount(labels * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def per_class_accuracy(scores, labels: Labels) -> np.ndarray:
    """Per class: the fraction of its samples whose top-1 class is a true label (NaN without samples).

    A multi-label sample counts for each of its classes.

    Example:
    >>> per_class_accuracy([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1]).tolist()
    [1.0, 0.5]
    """
    scores, truth = _checked(scores, labels)
    hits = hits_at_k(scores, truth, 1)
    counts = truth.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (truth & hits[:, None]).sum(axis=0) / np.where(counts, counts, np.nan)


def mean_class_accuracy(scores, labels: Labels) -> float:
    """Top-1 accuracy averaged over the classes that have samples (balanced accuracy).

    Example:
    >>> mean_class_accuracy([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1])
    0.75
    """
    return float(np.nanmean(per_class_accuracy(scores, labels)))


def average_precision(scores, positives) -> float:
    """Average precision of one class: ``sum_n (R_n - R_{n-1}) P_n`` over distinct score thresholds.

    Tied scores form one threshold, as in scikit-learn. NaN when there is no positive.

    Example:
    >>> average_precision([0.9, 0.8, 0.7, 0.1], [True, False, True, False])
    0.8333333333333333
    """
    scores = np.asarray(scores, dtype=np.float64)
    positives = np.asarray(positives, dtype=bool)
    total = positives.sum()
    if total == 0:
        return float("nan")
    order = np.argsort(-scores, kind="stable")
    scores, positives = scores[order], positives[order]
    true_positives = np.cumsum(positives)
    # Keep the last index of each run of equal scores: one threshold per distinct score.
    last = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tp = true_positives[last]
    precision = tp / (last + 1)
    recall = tp / total
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def per_class_average_precision(scores, labels: Labels) -> np.ndarray:
    """AP of every class (one-vs-rest on the scores); NaN for classes without positives.

    Example:
    >>> per_class_average_precision([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]], [0, 1, 1]).tolist()
    [1.0, 1.0]
    """
    scores, truth = _checked(scores, labels)
    return np.array([average_precision(scores[:, c], truth[:, c]) for c in range(scores.shape[1])])


def mean_average_precision(scores, labels: Labels) -> float:
    """mAP: the mean of the per-class APs over classes with positives.

    Example:
    >>> round(mean_average_precision([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]], [0, 1, 0]), 4)
    0.6667
    """
    return float(np.nanmean(per_class_average_precision(scores, labels)))


def group_mean_average_precision(
    per_class_ap: Sequence[float], class_names: Sequence[str], groups: Mapping[str, Sequence[str]]
) -> dict[str, float]:
    """mAP within each class group (Karpathy et al.'s Table 4 on UCF-101's five groups).

    Args:
        per_class_ap: AP per class, in ``class_names`` order.
        class_names: the classes the APs belong to.
        groups: group name -> class names (e.g. ``UCF101_CLASS_GROUPS``).

    Example:
    >>> group_mean_average_precision([0.5, 1.0, 0.0], ["a", "b", "c"], {"ab": ["a", "b"], "c": ["c"]})
    {'ab': 0.75, 'c': 0.0}
    """
    ap = np.asarray(per_class_ap, dtype=np.float64)
    index = {name: i for i, name in enumerate(class_names)}
    if len(ap) != len(index):
        raise ValueError(f"Got {len(ap)} APs for {len(index)} class names.")
    unknown = sorted({name for members in groups.values() for name in members} - set(index))
    if unknown:
        raise ValueError(f"Class groups name classes the dataset does not have: {unknown[:10]}.")
    with np.errstate(invalid="ignore"):
        return {group: float(np.nanmean(ap[[index[n] for n in members]])) for group, members in groups.items()}


@dataclass(frozen=True)
class APDifference:
    """One row of a per-class AP comparison (Karpathy et al.'s Table 2)."""

    class_name: str
    ap_a: float
    ap_b: float

    @property
    def difference(self) -> float:
        return self.ap_b - self.ap_a


def ap_difference_table(
    ap_a: Sequence[float], ap_b: Sequence[float], class_names: Sequence[str], top: int | None = None
) -> list[APDifference]:
    """Classes sorted by how much model B's AP exceeds model A's (largest gain first).

    With ``top``, only the ``top`` largest gains and the ``top`` largest losses
    (Karpathy et al. list slow fusion vs. single frame this way). Classes with an
    undefined AP (no positives) are left out.

    Example:
    >>> rows = ap_difference_table([0.5, 0.9, 0.2], [0.8, 0.6, 0.2], ["run", "swim", "yoga"])
    >>> [(r.class_name, round(r.difference, 2)) for r in rows]
    [('run', 0.3), ('yoga', 0.0), ('swim', -0.3)]
    """
    ap_a, ap_b = np.asarray(ap_a, dtype=np.float64), np.asarray(ap_b, dtype=np.float64)
    if not len(ap_a) == len(ap_b) == len(class_names):
        raise ValueError(f"Need one AP per class from each model; got {len(ap_a)}, {len(ap_b)}, {len(class_names)}.")
    rows = [
        APDifference(name, float(a), float(b))
        for name, a, b in zip(class_names, ap_a, ap_b, strict=True)
        if not (np.isnan(a) or np.isnan(b))
    ]
    rows.sort(key=lambda row: -row.difference)
    if top is not None and len(rows) > 2 * top:
        rows = rows[:top] + rows[-top:]
    return rows


def video_scores(clip_scores, video_ids: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Averages clip (or view) scores per video, videos in order of first appearance.

    Example:
    >>> ids, scores = video_scores([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], ["a", "a", "b"])
    >>> ids, scores.tolist()
    (['a', 'b'], [[0.5, 0.5], [0.5, 0.5]])
    """
    clip_scores = _scores(clip_scores, "clip_scores")
    video_ids = list(video_ids)
    if len(video_ids) != len(clip_scores):
        raise ValueError(f"Got {len(clip_scores)} clip score rows but {len(video_ids)} video ids.")
    unique, first, inverse = np.unique(
        np.asarray(video_ids, dtype=object).astype(str), return_index=True, return_inverse=True
    )
    sums = np.zeros((len(unique), clip_scores.shape[1]))
    np.add.at(sums, inverse, clip_scores)
    means = sums / np.bincount(inverse, minlength=len(unique))[:, None]
    order = np.argsort(first)
    return [str(unique[i]) for i in order], means[order]
