"""Video-level evaluation: clip (view) scores in, every metric of the papers out, as one results dict.

Multi-view inference (clips x crops/flips per video, run by the pipelines and the
``evaluate`` command) yields one score row per view and the video it came from;
:func:`evaluate_video_scores` averages the rows per video and computes clip hit@1,
video hit@k, mean class accuracy, per-class AP, mAP, mAP per class group and the
confusion matrix, and records the protocol that produced the views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from keras_video_zoo.evaluation import metrics


def _protocol_dict(protocol: Any) -> dict | None:
    if protocol is None or isinstance(protocol, Mapping):
        return None if protocol is None else dict(protocol)
    if hasattr(protocol, "to_dict"):
        return dict(protocol.to_dict())
    raise ValueError(f"protocol must be None, a dict or an object with to_dict(); got {type(protocol).__name__}.")


def _labels_by_video(video_labels) -> dict[str, tuple[int, ...]]:
    if isinstance(video_labels, Mapping):
        return {str(k): tuple(np.atleast_1d(v).tolist()) for k, v in video_labels.items()}
    # A VideoDataset (or any iterable of VideoRecord-like objects).
    return {record.video_id: tuple(record.labels) for record in video_labels}


def _group_hit_at_1(video_scores, labels, class_names, groups) -> dict[str, float | None]:
    """Video hit@1 over the videos whose (first) label is in each group; None for a group with no video."""
    index = {name: i for i, name in enumerate(class_names)}
    hits = {}
    for group, names in groups.items():
        members = {index[name] for name in names if name in index}
        rows = [i for i, label in enumerate(labels) if label and label[0] in members]
        hits[group] = metrics.hit_at_k(video_scores[rows], [labels[i] for i in rows], 1) if rows else None
    return hits


def predict_clip_scores(model, batches, *, progress: bool = True, total: int | None = None) -> tuple[np.ndarray, list]:
    """Runs ``model`` over ``(inputs, video key)`` batches; returns the scores and each row's key.

    ``batches`` is e.g. ``keras_video_zoo.data.pipelines.evaluation_dataset(...)`` (keys are
    video indices) and ``model`` a multi-view model (``with_views(model, protocol.views)``,
    which averages each clip's crops and flips). String keys are decoded to ``str``.

    Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Softmax()])
    >>> scores, keys = predict_clip_scores(model, [(np.zeros((2, 2)), np.array([b"a", b"b"]))], progress=False)
    >>> scores.tolist(), keys
    ([[0.5, 0.5], [0.5, 0.5]], ['a', 'b'])
    """
    from tqdm.auto import tqdm

    scores, keys = [], []
    for inputs, batch_keys in tqdm(batches, desc="scoring", unit="batch", total=total, disable=not progress):
        scores.append(np.asarray(model.predict_on_batch(inputs)))
        for key in np.asarray(batch_keys).tolist():
            keys.append(key.decode() if isinstance(key, bytes) else key)
    if not scores:
        raise ValueError("No batches to score: the evaluation data is empty (were all videos unreadable?).")
    return np.concatenate(scores), keys


def evaluate_video_scores(
    clip_scores,
    clip_video_ids: Sequence[str],
    video_labels,
    *,
    class_names: Sequence[str] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    protocol: Any = None,
    top_k: Sequence[int] = (1, 5),
) -> dict[str, Any]:
    """All metrics for one model on one dataset split, JSON-ready.

    Args:
        clip_scores: ``(views, classes)`` class scores (softmax) of every view.
        clip_video_ids: the video of each row: video ids, or indices into
            ``video_labels`` when it is a ``VideoDataset`` (as the pipelines yield).
        video_labels: ``{video_id: label or labels}``, or a ``VideoDataset``
            (its class names are used when ``class_names`` is not given).
        class_names: the classes; default ``class_0 ...``.
        groups: class groups for group mAP and group video hit@1 (e.g. UCF-101's five groups,
            or the synthetic sets' motion- and appearance-defined classes).
        protocol: the evaluation protocol (an object with ``to_dict()`` or a dict),
            saved with the results.
        top_k: the k of the video hit@k values.

    Returns:
        A dict with ``clip_hit@1``, ``video_hit@k``, ``mean_class_accuracy``, ``mAP``,
        ``per_class_ap`` (class name -> AP or None), ``group_mAP``, ``group_video_hit@1``,
        ``confusion_matrix`` (single-label data), ``video_ids``, ``video_scores``
        ... (see the keys).

    Example:
    >>> results = evaluate_video_scores([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]], ["a", "a", "b"], {"a": 0, "b": 1})
    >>> results["clip_hit@1"], results["video_hit@1"], results["mAP"]
    (1.0, 1.0, 1.0)
    """
    scores = np.asarray(clip_scores, dtype=np.float64)
    clip_video_ids = [
        video_labels[key].video_id if isinstance(key, (int, np.integer)) and hasattr(video_labels, "records") else key
        for key in clip_video_ids
    ]
    labels_by_video = _labels_by_video(video_labels)
    if class_names is None:
        class_names = getattr(video_labels, "class_names", None) or [f"class_{i}" for i in range(scores.shape[1])]
    class_names = list(class_names)
    if scores.ndim != 2 or scores.shape[1] != len(class_names):
        raise ValueError(
            f"clip_scores must be (views, {len(class_names)} classes); got shape {scores.shape}. "
            "The model's head and the dataset's classes differ."
        )
    missing = sorted({str(v) for v in clip_video_ids} - set(labels_by_video))
    if missing:
        raise ValueError(f"No labels for {len(missing)} scored videos, e.g. {missing[:5]}.")

    clip_labels = [labels_by_video[str(v)] for v in clip_video_ids]
    video_ids, video_scores = metrics.video_scores(scores, clip_video_ids)
    labels = [labels_by_video[v] for v in video_ids]
    per_class_ap = metrics.per_class_average_precision(video_scores, labels)
    results: dict[str, Any] = {
        "num_videos": len(video_ids),
        "num_views": len(scores),
        "num_classes": len(class_names),
        "class_names": class_names,
        "clip_hit@1": metrics.hit_at_k(scores, clip_labels, 1),
    }
    for k in top_k:
        results[f"video_hit@{k}"] = metrics.hit_at_k(video_scores, labels, k)
    results["mean_class_accuracy"] = metrics.mean_class_accuracy(video_scores, labels)
    results["mAP"] = float(np.nanmean(per_class_ap))
    results["per_class_ap"] = {
        name: (None if np.isnan(ap) else float(ap)) for name, ap in zip(class_names, per_class_ap, strict=True)
    }
    if groups is not None:
        results["group_mAP"] = metrics.group_mean_average_precision(per_class_ap, class_names, groups)
        results["group_video_hit@1"] = _group_hit_at_1(video_scores, labels, class_names, groups)
    if all(len(label) == 1 for label in labels):
        truth = [label[0] for label in labels]
        predicted = video_scores.argmax(axis=1)
        results["confusion_matrix"] = metrics.confusion_matrix(truth, predicted, len(class_names)).tolist()
    results["video_ids"] = video_ids
    results["video_labels"] = [list(label) for label in labels]
    results["video_scores"] = video_scores.tolist()
    results["protocol"] = _protocol_dict(protocol)
    return results


def evaluate_on_videos(
    model,
    dataset,
    protocol=None,
    *,
    batch_size: int = 32,
    groups: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Every metric of an RGB clip model on ``dataset`` under a multi-view ``protocol``.

    Each video is decoded once for the protocol's clips; the crops and flips run on the
    device (``with_views``), the scores are averaged per video.

    Args:
        model: a one-input clip model (its input size sets the crops).
        dataset: the test videos (a ``VideoDataset``).
        protocol: e.g. ``KarpathyProtocol(frames=10)``; default the model's clip length,
            Karpathy's 20 clips x 4 views.
        batch_size: clips per batch.
        groups: class groups for group mAP.
        progress: show a progress bar.

    Returns:
        :func:`evaluate_video_scores`' dict.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.data.layouts import ucf101
    >>> from keras_video_zoo.data.sampling import UniformClipsProtocol
    >>> from keras_video_zoo.data.synthetic_dataset import generate_dataset
    >>> root = generate_dataset(tempfile.mkdtemp(), kind="target", videos_per_class=4, groups=4, frames=12)
    >>> model = create_model("single_frame_tiny", num_classes=5)
    >>> test = ucf101(root, subset="test")
    >>> results = evaluate_on_videos(model, test, UniformClipsProtocol(2, frames=1), progress=False)
    >>> results["num_videos"], results["num_views"]
    (5, 10)
    """
    from keras_video_zoo.data.pipelines import evaluation_dataset
    from keras_video_zoo.data.sampling import KarpathyProtocol
    from keras_video_zoo.layers.clip_augmentation import with_views

    protocol = protocol or KarpathyProtocol(frames=model.input_shape[1])
    batches = evaluation_dataset(dataset, protocol, batch_size=batch_size)
    scores, videos = predict_clip_scores(with_views(model, protocol.views), batches, progress=progress)
    return evaluate_video_scores(scores, videos, dataset, groups=groups, protocol=protocol)


def evaluate_on_flow(
    model,
    dataset,
    flow_root,
    protocol=None,
    *,
    mode: str = "forward",
    batch_size: int = 50,
    groups: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Every metric of a temporal stream on ``dataset``'s flow under the two-stream test protocol.

    Args:
        model: a temporal stream (``(batch, L, H, W, 2)`` uint8 flow).
        dataset: the test videos.
        flow_root: their flow folders (``kvz flow``).
        protocol: a ``TwoStreamProtocol`` (its ``clips`` evenly spaced stacks x its views);
            default 25 stacks x 10 crops.
        mode: the stacking the model was trained with.
        batch_size: stacks (views) per batch.
        groups: class groups for group mAP.
        progress: show a progress bar.

    Returns:
        :func:`evaluate_video_scores`' dict (its clip hit@1 counts every stack view).
    """
    import tensorflow as tf

    from keras_video_zoo.data.sampling import TwoStreamProtocol
    from keras_video_zoo.flow.pipelines import flow_test_dataset

    fields = model.input_shape[1]  # the whole stack (bidirectional: L/2 forward + L/2 backward fields)
    protocol = protocol or TwoStreamProtocol(frames=fields)
    test = flow_test_dataset(
        dataset,
        flow_root,
        fields=fields,
        mode=mode,
        samples=protocol.clips,
        views=protocol.views,
        crop_size=tuple(model.input_shape[2:4]),
    )
    # One row per (stack, view), each tagged with its video, batched across stacks.
    rows = test.flat_map(
        lambda views, label, video: tf.data.Dataset.from_tensor_slices((views, tf.fill([tf.shape(views)[0]], video)))
    ).batch(batch_size)
    scores, videos = predict_clip_scores(model, rows, progress=progress)
    return evaluate_video_scores(scores, videos, dataset, groups=groups, protocol=protocol)
