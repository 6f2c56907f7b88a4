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

import keras
import numpy as np

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.pipelines import evaluation_dataset
from keras_video_zoo.data.sampling import KarpathyProtocol, TwoStreamProtocol
from keras_video_zoo.data.sources import VideoFiles
from keras_video_zoo.evaluation import metrics
from keras_video_zoo.flow.sources import FlowFolders
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_views
from keras_video_zoo.models.description import describe
from keras_video_zoo.models.two_stream import svm_fusion_layer


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
        # NumPy in: JAX and PyTorch models take no tf.data tensors (TensorFlow converts either way).
        inputs = keras.tree.map_structure(np.asarray, inputs)
        scores.append(keras.ops.convert_to_numpy(model.predict_on_batch(inputs)))
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


def evaluate_on_source(
    model,
    source,
    protocol=None,
    *,
    batch_size: int = 32,
    groups: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Every metric of a one-input clip model on a clip source under a multi-view ``protocol``.

    Each video is read once for the protocol's clips (flow: stacks); the crops and flips run on
    the device (``with_views``; for flow, a flip negates x), the scores are averaged per video.

    Args:
        model: a one-input clip model (its input size sets the crops): RGB, or a temporal stream.
        source: a :class:`~keras_video_zoo.data.sources.ClipSource` (videos, shards, flow folders or shards).
        protocol: e.g. ``KarpathyProtocol(frames=10)``; default the model's own protocol family
            (:func:`~keras_video_zoo.models.description.describe`): Karpathy's 20 clips x 4 views, or
            the two-stream 25 frames (stacks) x 10 crops for either stream.
        batch_size: clips per batch.
        groups: class groups for group mAP.
        progress: show a progress bar.

    Returns:
        :func:`evaluate_video_scores`' dict (its rows, ``num_views``, are clips: each clip's
        ``views_per_clip`` crops and flips are averaged on the device), plus ``"videos"``: the
        source's report (used, skipped with reasons, damaged, short).
    """
    description = describe(model)
    frames, flow = model.input_shape[1], description.rgb is None
    protocol = protocol or (TwoStreamProtocol if description.protocol == "two_stream" else KarpathyProtocol)(
        frames=frames
    )
    batches = evaluation_dataset(source, protocol, batch_size=batch_size)
    scorer = with_views(model, protocol.views, flow="uint8" if flow else None, resize=None if flow else "auto")
    scores, videos = predict_clip_scores(scorer, batches, progress=progress)
    results = evaluate_video_scores(scores, videos, source.dataset, groups=groups, protocol=protocol)
    results["views_per_clip"] = len(protocol.views)  # each row (num_views) averages these on the device
    results["videos"] = source.report.to_dict()
    return results


def evaluate_on_videos(model, dataset, protocol=None, *, short_side: int | None = None, **options) -> dict[str, Any]:
    """:func:`evaluate_on_source` on video files (or frame folders), fitted to the model's pipeline size.

    Args:
        model: a one-input RGB clip model.
        dataset: the test videos (a ``VideoDataset``).
        protocol: default Karpathy's 20 clips x 4 views at the model's clip length.
        short_side: the side of the centred square frames are fitted to (default: the model's pipeline size).
        **options: :func:`evaluate_on_source`'s (``batch_size``, ``groups``, ``progress``).

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
    >>> results["num_videos"], results["num_views"], results["videos"]["used"]
    (5, 10, 5)
    """
    source = VideoFiles(dataset, FrameGeometry.square_of(short_side or pipeline_size(model)))
    return evaluate_on_source(model, source, protocol, **options)


def evaluate_on_flow(
    model, dataset, flow_root, protocol=None, *, mode: str | None = None, batch_size: int = 50, **options
) -> dict[str, Any]:
    """:func:`evaluate_on_source` on stacked flow (``kvz flow`` folders), the two-stream 25 x 10 protocol by default.

    Args:
        model: a temporal stream (``(batch, L, H, W, 2)`` uint8 flow).
        dataset: the test videos.
        flow_root: their flow folders.
        protocol: a ``TwoStreamProtocol`` (its ``clips`` evenly spaced stacks x its views).
        mode: the stacking to read; default the one the model records (:class:`~keras_video_zoo.layers.FlowStack`).
        batch_size: stacks per batch (each scored in every view).
        **options: :func:`evaluate_on_source`'s (``groups``, ``progress``).
    """
    mode = mode or describe(model).stacking
    source = FlowFolders(dataset, flow_root, fields=model.input_shape[1], mode=mode)
    return evaluate_on_source(model, source, protocol, batch_size=batch_size, **options)


def fuse_scores(model, spatial: np.ndarray, temporal: np.ndarray) -> np.ndarray:
    """A two-stream model's fusion of its streams' scores: their average, or its fitted linear SVM."""
    if describe(model).fusion == "svm":
        return np.asarray(svm_fusion_layer(model)([np.asarray(spatial, "float32"), np.asarray(temporal, "float32")]))
    return (np.asarray(spatial) + np.asarray(temporal)) / 2


def evaluate_two_stream(
    model,
    rgb_source,
    flow_source,
    *,
    protocols=(None, None),
    groups: Mapping[str, Sequence[str]] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """A two-stream model on the same videos: each stream on its own source, the streams' video scores fused.

    Simonyan & Zisserman average each stream's softmax scores over its test samples (25 frames
    or stacks x 10 crops) and fuse the two video scores, by averaging or by the linear SVM.

    Args:
        model: a ``two_stream`` model (its fusion: average or a fitted SVM).
        rgb_source, flow_source: the videos' frames and their flow (the same videos, the same classes).
        protocols: the spatial and temporal protocols (default: the two-stream 25 x 10 for both).
        groups: class groups for group mAP.
        progress: show progress bars.

    Returns:
        :func:`evaluate_video_scores`' dict of the fused scores, with ``"streams"``: each stream's
        own results, and ``"videos"``: the videos both streams could use.
    """
    description = describe(model)
    spatial_model, temporal_model = description.rgb, description.flow
    if list(rgb_source.dataset.class_names) != list(flow_source.dataset.class_names):
        raise ValueError("the RGB and flow sources score different classes; give them the same dataset.")
    results = {}
    for role, stream, source, protocol in (
        ("spatial", spatial_model, rgb_source, protocols[0]),
        ("temporal", temporal_model, flow_source, protocols[1]),
    ):
        protocol = protocol or TwoStreamProtocol(frames=stream.input_shape[1])
        results[role] = evaluate_on_source(stream, source, protocol, groups=groups, progress=progress)
    return fuse_stream_results(model, results, rgb_source.dataset, groups=groups)


def fuse_stream_results(
    model, results: Mapping[str, dict[str, Any]], dataset, *, groups: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """Each stream's own results (``{"spatial": ..., "temporal": ...}``) fused into the two-stream model's.

    The videos both streams scored are fused as ``model`` fuses (:func:`fuse_scores`); one row per
    video, so the clip-level hit@1 is None.

    Returns:
        :func:`evaluate_video_scores`' dict of the fused scores, with ``"streams"``: ``results``, and
        ``"videos"``: the videos both streams could use.
    """
    ids = [video for video in results["spatial"]["video_ids"] if video in set(results["temporal"]["video_ids"])]
    if not ids:
        raise ValueError("no video could be scored by both streams (see each stream's 'videos' report).")
    scores = {
        role: np.asarray(results[role]["video_scores"])[[results[role]["video_ids"].index(v) for v in ids]]
        for role in ("spatial", "temporal")
    }
    fused = fuse_scores(model, scores["spatial"], scores["temporal"])
    # One row per video: evaluate_video_scores' per-video averaging leaves the fused scores as they are.
    evaluation = evaluate_video_scores(fused, ids, dataset, groups=groups, protocol=results["spatial"]["protocol"])
    evaluation["clip_hit@1"] = None  # the fusion is per video, not per clip
    evaluation["streams"] = dict(results)
    evaluation["videos"] = {
        "scored_by_both": len(ids),
        "spatial": results["spatial"].get("videos"),
        "temporal": results["temporal"].get("videos"),
    }
    return evaluation
