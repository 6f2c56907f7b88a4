"""Fitting the linear SVM that fuses two-stream scores (Simonyan & Zisserman 2014, Sec. 6)."""

from __future__ import annotations

import keras
import numpy as np

from keras_video_zoo.models.two_stream import svm_fusion_layer

__all__ = ["fit_svm_fusion", "stream_scores", "svm_fusion_layer"]


def stream_scores(model: keras.Model, inputs, batch_size: int = 32) -> list[np.ndarray]:
    """Each stream's softmax scores, as fed to the fusion layer of ``model``.

    Use it on held-out videos to get the scores :func:`fit_svm_fusion` needs.
    """
    fusion = svm_fusion_layer(model)
    return keras.Model(model.inputs, fusion.input).predict(inputs, batch_size=batch_size, verbose=0)


def fit_svm_fusion(
    model: keras.Model,
    stream_scores: list[np.ndarray],
    labels: np.ndarray,
    *,
    C: float = 1.0,
    max_iter: int = 10_000,
    random_state: int = 0,
):
    """Fits a Crammer-Singer linear SVM on L2-normalised stream scores and stores it.

    The SVM is scikit-learn's ``LinearSVC(multi_class="crammer_singer")``; its
    coefficients go into the model's :class:`LinearSVMFusion` layer, so saving the
    model saves the SVM (no pickle) and prediction runs it on the accelerator.

    Args:
        model: a ``two_stream(..., fusion="svm")`` model.
        stream_scores: held-out softmax scores of each stream, ``(n, classes)`` each,
            in the order the model fuses them (spatial, temporal).
        labels: ``(n,)`` integer classes; every class must occur.
        C: SVM regularisation (larger fits the held-out scores more closely).
        max_iter, random_state: passed to ``LinearSVC``.

    Returns:
        The fitted ``sklearn.svm.LinearSVC``.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo import two_stream
    >>> from keras_video_zoo.evaluation import fit_svm_fusion
    >>> model = two_stream("spatial_stream_tiny", "temporal_stream_tiny", fusion="svm")
    >>> labels = np.arange(40) % 10
    >>> scores = [np.eye(10)[labels] * 0.9 + 0.01, np.full((40, 10), 0.1)]
    >>> svm = fit_svm_fusion(model, scores, labels)
    >>> float(svm.score(np.hstack([s / np.linalg.norm(s, axis=1, keepdims=True) for s in scores]), labels))
    1.0
    """
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    layer = svm_fusion_layer(model)
    labels = np.asarray(labels)
    if len(stream_scores) != 2 or any(len(s) != len(labels) for s in stream_scores):
        raise ValueError(
            f"Need the scores of both streams for each of the {len(labels)} labels; "
            f"got {len(stream_scores)} arrays of {[len(s) for s in stream_scores]} rows."
        )
    missing = sorted(set(range(layer.num_classes)) - set(labels.tolist()))
    if missing:
        raise ValueError(f"The held-out labels must include every class to fit the SVM; missing classes {missing}.")
    features = np.hstack([normalize(np.asarray(s, dtype="float64")) for s in stream_scores])
    svm = LinearSVC(C=C, multi_class="crammer_singer", max_iter=max_iter, random_state=random_state)
    svm.fit(features, labels)
    coef, intercept = svm.coef_, svm.intercept_
    if layer.num_classes == 2 and len(coef) == 1:  # scikit-learn keeps one row for two classes (> 0: class 1)
        coef, intercept = np.concatenate([-coef, coef]), np.concatenate([-intercept, intercept])
    layer.set_svm(coef, intercept)
    return svm
