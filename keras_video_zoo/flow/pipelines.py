"""tf.data pipelines of flow stacks for the temporal stream: training and the 25 x 10 test protocol.

Each video's flow folder (``flow_root/<video_id>``, see :mod:`keras_video_zoo.flow.storage`)
is checked once when the pipeline is built. In the graph: the stack's JPEGs are read
and decoded, dequantised to pixels (bound or min/max, from the manifest), optionally
trajectory-sampled and mean-subtracted, re-quantised for the model (``output="uint8"``,
bound ``output_bound``; exact for bound-mode flow) or kept as float pixels
(``output="float"``, for ``temporal_stream(flow_bound=None)``), then cropped and flipped
by :mod:`keras_video_zoo.layers.clip_augmentation` with its flow flag: the same crop for
every field and both components, and a flip negates every x component.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.records import VideoDataset
from keras_video_zoo.flow.graph_decoding import decode_component_jpegs, dequantise_fields
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, check_bound
from keras_video_zoo.flow.stacking import (
    STACKING_MODES,
    evenly_spaced_taus,
    stack_indices,
    subtract_mean_flow,
    tau_range,
    tf_stack_indices,
    trajectory_stack,
)
from keras_video_zoo.flow.storage import DIRECTIONS, FlowFolder
from keras_video_zoo.layers.clip_augmentation import ClipAugmentation, ClipViews
from keras_video_zoo.views import TEN_CROPS, CropView

OUTPUTS = ("uint8", "float")
SHORT_VIDEO_POLICIES = ("error", "skip")


class ShortFlowVideoWarning(UserWarning):
    """Videos too short for a full flow stack were left out of a pipeline."""


def _open_folders(
    dataset: VideoDataset, flow_root: str | os.PathLike, mode: str, fields: int, bound: float | None, short_videos: str
) -> list[tuple[int, FlowFolder]]:
    """(record index, checked flow folder) of every video long enough for the stack."""
    if mode not in STACKING_MODES:
        raise ValueError(f"stacking mode must be one of {STACKING_MODES}; got {mode!r}.")
    if short_videos not in SHORT_VIDEO_POLICIES:
        raise ValueError(f"short_videos must be one of {SHORT_VIDEO_POLICIES}; got {short_videos!r}.")
    if len(dataset) == 0:
        raise ValueError(f"{dataset.name} has no videos.")
    kept, short = [], []
    for index, record in enumerate(dataset):
        folder = FlowFolder(Path(flow_root) / record.video_id, bound=bound)
        if mode == "bidirectional" and not folder.manifest.backward:
            raise ValueError(
                f"{folder.path} holds no backward flow, needed for bidirectional stacks: `kvz flow --backward`."
            )
        if folder.field_count < fields:
            short.append(f"{record.video_id} ({folder.manifest.frame_count} frames)")
            continue
        kept.append((index, folder))
    if short and short_videos == "error":
        raise ValueError(
            f"{len(short)} of {len(dataset)} videos are shorter than the {fields + 1} frames that a stack of "
            f"L={fields} fields needs: {', '.join(short[:5])}. Pass short_videos='skip' or a smaller L."
        )
    if short:
        warnings.warn(
            f"Left out {len(short)} videos shorter than {fields + 1} frames: {', '.join(short[:5])}",
            ShortFlowVideoWarning,
            stacklevel=3,
        )
    if not kept:
        raise ValueError(f"no video of {dataset.name} is long enough for a stack of {fields} fields.")
    return kept


def folder_jpegs(folder: tf.Tensor):
    """``fetch(direction, indices) -> (x_jpegs, y_jpegs)`` reading a flow folder's files."""

    def fetch(direction: str, indices: tf.Tensor):
        numbers = tf.strings.as_string(indices + 1, width=5, fill="0")
        prefix = tf.strings.join([folder, "/", DIRECTIONS[direction], "_"])
        return tuple(
            tf.map_fn(tf.io.read_file, tf.strings.join([prefix, f"{component}_", numbers, ".jpg"]))
            for component in "xy"
        )

    return fetch


class FlowStackReader:
    """Builds one float or uint8 stack ``(L, H, W, 2)`` in the graph."""

    def __init__(self, mode: str, fields: int, mean_subtraction: bool, output: str, output_bound: float) -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}; got {output!r}.")
        self.mode, self.fields, self.mean_subtraction, self.output = mode, fields, mean_subtraction, output
        self.output_bound = check_bound(output_bound)
        self.forward_count = fields // 2 if mode == "bidirectional" else fields

    def __call__(self, fetch, tau, forward_ranges, backward_ranges) -> tf.Tensor:
        """The stack at frame ``tau``: ``fetch(direction, indices)`` gives the (x, y) JPEG strings,
        ranges ``(fields, 4)`` are the whole video's."""
        forward, backward = tf_stack_indices(self.mode, tau, self.fields)
        return self.read(
            fetch, forward, backward, tf.gather(forward_ranges, forward), tf.gather(backward_ranges, backward)
        )

    def read(self, fetch, forward, backward, forward_ranges, backward_ranges) -> tf.Tensor:
        """The stack of the given field numbers; ranges ``(n, 4)`` of those fields."""
        stack = dequantise_fields(decode_component_jpegs(*fetch("forward", forward)), forward_ranges)
        if self.mode == "bidirectional":
            backward_fields = decode_component_jpegs(*fetch("backward", backward))
            stack = tf.concat([stack, dequantise_fields(backward_fields, backward_ranges)], 0)
        if self.mode == "trajectory":
            stack = trajectory_stack(stack)
        if self.mean_subtraction:
            stack = subtract_mean_flow(stack)
        stack = tf.ensure_shape(stack, [self.fields, None, None, 2])  # static L and channels for the crop layers
        if self.output == "float":
            return stack
        bound = self.output_bound
        return tf.cast(tf.clip_by_value(tf.round(255.0 * (stack + bound) / (2 * bound)), 0, 255), tf.uint8)


def _check_crop(folders: list[tuple[int, FlowFolder]], crop_size: int | Sequence[int]) -> None:
    crop = (crop_size, crop_size) if isinstance(crop_size, int) else tuple(crop_size)
    small = [
        f"{f.path.name} {f.manifest.height}x{f.manifest.width}"
        for _, f in folders
        if f.manifest.height < crop[0] or f.manifest.width < crop[1]
    ]
    if small:
        raise ValueError(
            f"a {crop[0]}x{crop[1]} crop does not fit the flow of {len(small)} videos: {small[:5]}; "
            "use a smaller crop_size or extract flow at a larger size."
        )


def _ranges(folder: FlowFolder, direction: str) -> np.ndarray:
    return (
        folder.ranges(direction) if direction == "forward" or folder.manifest.backward else np.zeros((0, 4), np.float32)
    )


def _output_bound(folders: list[tuple[int, FlowFolder]], output_bound: float | None) -> float:
    """The bound uint8 output is quantised with: the flow's own when it has one."""
    if output_bound is not None:
        return check_bound(output_bound)
    bounds = {folder.manifest.bound for _, folder in folders if folder.manifest.quantisation == "bound"}
    if len(bounds) > 1:
        raise ValueError(f"the flow folders mix quantisation bounds {sorted(bounds)}; pass output_bound.")
    return bounds.pop() if bounds else DEFAULT_BOUND


def flow_training_dataset(
    dataset: VideoDataset,
    flow_root: str | os.PathLike,
    *,
    fields: int = 10,
    mode: str = "forward",
    batch_size: int = 8,
    crop_size: int | Sequence[int] = 224,
    flip: bool = True,
    mean_subtraction: bool = False,
    output: str = "uint8",
    bound: float | None = None,
    output_bound: float | None = None,
    short_videos: str = "error",
    shuffle: bool = True,
    seed: int = 0,
) -> tf.data.Dataset:
    """Batches ``(flow (batch, L, crop, crop, 2), label)``: one random stack per video per epoch.

    Args:
        dataset: the videos and labels.
        flow_root: folder holding ``<video_id>/`` flow folders (``kvz flow``).
        fields: ``L``, flow fields per stack (paper: 10).
        mode: ``"forward"``, ``"centred"``, ``"bidirectional"`` or ``"trajectory"``.
        batch_size: stacks per batch (the last batch may be smaller).
        crop_size: random crop (same for all fields and components).
        flip: mirror half of the stacks, negating their x components.
        mean_subtraction: subtract each field's mean here (the temporal stream does it itself).
        output: ``"uint8"`` for ``temporal_stream()`` (quantised with ``output_bound``,
            default the flow's own bound) or ``"float"`` pixels for ``flow_bound=None``.
        bound: the bound the flow must have been stored with (checked against manifests;
            required for folders made by other tools).
        short_videos: ``"error"`` or ``"skip"`` videos with fewer than ``L + 1`` frames.
        shuffle, seed: order and random stacks, crops and flips, reproducible with ``seed``.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_flow_folder(root / "v0", np.full((12, 40, 48, 2), 1.5, np.float32), algorithm="dis")
    >>> data = VideoDataset([VideoRecord("v0.avi", (0,), "v0")], ["walk"])
    >>> flow, label = next(iter(flow_training_dataset(data, root, fields=10, crop_size=32)))
    >>> tuple(flow.shape), flow.dtype.name, label.numpy().tolist()
    ((1, 10, 32, 32, 2), 'uint8', [0])
    """
    folders = _open_folders(dataset, flow_root, mode, fields, bound, short_videos)
    _check_crop(folders, crop_size)
    reader = FlowStackReader(mode, fields, mean_subtraction, output, _output_bound(folders, output_bound))
    spans = np.array([tau_range(mode, fields, folder.field_count) for _, folder in folders], np.int32)
    elements = (
        tf.constant([str(folder.path) for _, folder in folders]),
        spans,
        tf.ragged.constant([_ranges(f, "forward") for _, f in folders], ragged_rank=1, dtype=tf.float32),
        tf.ragged.constant(
            [_ranges(f, "backward") for _, f in folders], ragged_rank=1, dtype=tf.float32, inner_shape=(4,)
        ),
        np.array([dataset[index].label for index, _ in folders], np.int32),
    )
    augment = ClipAugmentation(crop_size, resize=None, centre_square=False, flip=flip, flow=output, seed=seed)
    data = tf.data.Dataset.from_tensor_slices(elements)
    if shuffle:
        data = data.shuffle(len(folders), seed=seed, reshuffle_each_iteration=True)
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)

    def load(element, draw):
        folder, span, forward_ranges, backward_ranges, label = element
        tau = tf.random.stateless_uniform([], [seed, draw], minval=span[0], maxval=span[1] + 1, dtype=tf.int32)
        stack = reader(folder_jpegs(folder), tau, forward_ranges, backward_ranges)
        cropped = augment(stack[None], training=True)[0]
        return (tf.cast(cropped, tf.uint8) if output == "uint8" else cropped), label

    data = tf.data.Dataset.zip((data, draws)).map(load, num_parallel_calls=tf.data.AUTOTUNE)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def flow_test_dataset(
    dataset: VideoDataset,
    flow_root: str | os.PathLike,
    *,
    fields: int = 10,
    mode: str = "forward",
    samples: int = 25,
    views: Sequence[CropView] = TEN_CROPS,
    crop_size: int | Sequence[int] = 224,
    mean_subtraction: bool = False,
    output: str = "uint8",
    bound: float | None = None,
    output_bound: float | None = None,
    short_videos: str = "error",
) -> tf.data.Dataset:
    """The two-stream test protocol: ``samples`` evenly spaced stacks per video x ``views`` crops.

    Elements, video-major and in ``dataset`` order (``samples`` per video), are
    ``(flow (len(views), L, crop, crop, 2), label, video_index)``; average a model's
    scores over the ``samples x views`` rows of a video for its prediction
    (:func:`flow_video_scores`). The views (default: 4 corners and the centre, each plain and
    mirrored) crop every field alike and a mirrored view negates x.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.records import VideoDataset, VideoRecord
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_flow_folder(root / "v0", np.full((12, 40, 48, 2), 1.5, np.float32), algorithm="dis")
    >>> data = VideoDataset([VideoRecord("v0.avi", (0,), "v0")], ["walk"])
    >>> test = flow_test_dataset(data, root, fields=10, samples=3, crop_size=32)
    >>> [tuple(flow.shape) for flow, _, _ in test]
    [(10, 10, 32, 32, 2), (10, 10, 32, 32, 2), (10, 10, 32, 32, 2)]
    """
    folders = _open_folders(dataset, flow_root, mode, fields, bound, short_videos)
    _check_crop(folders, crop_size)
    reader = FlowStackReader(mode, fields, mean_subtraction, output, _output_bound(folders, output_bound))
    rows = [
        (folder, stack_indices(mode, int(tau), fields, folder.field_count), index)
        for index, folder in folders
        for tau in evenly_spaced_taus(mode, fields, folder.field_count, samples)
    ]
    # Each row carries the decoding ranges of its own fields, so every row has the same shape.
    elements = (
        tf.constant([str(folder.path) for folder, _, _ in rows]),
        np.array([[*numbers["forward"], *numbers["backward"]] for _, numbers, _ in rows], np.int32).reshape(
            len(rows), -1
        ),
        np.stack([folder.ranges("forward")[numbers["forward"]] for folder, numbers, _ in rows]),
        np.stack([_ranges(folder, "backward")[numbers["backward"]] for folder, numbers, _ in rows]),
        np.array([dataset[index].label for _, _, index in rows], np.int32),
        np.array([index for _, _, index in rows], np.int32),
    )
    layer = ClipViews(views, crop_size, resize=None, centre_square=False, flow=output)

    def load(folder, numbers, forward_ranges, backward_ranges, label, video_index):
        stack = reader.read(
            folder_jpegs(folder),
            numbers[: reader.forward_count],
            numbers[reader.forward_count :],
            forward_ranges,
            backward_ranges,
        )
        views_of_stack = layer(stack[None])
        return (tf.cast(views_of_stack, tf.uint8) if output == "uint8" else views_of_stack), label, video_index

    data = tf.data.Dataset.from_tensor_slices(elements)
    return data.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def flow_video_scores(model, test_data: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A model's scores averaged over every row and view of each video of :func:`flow_test_dataset`.

    Returns:
        ``(scores (videos, classes), labels (videos,), video_indices (videos,))`` in dataset order.
    """
    totals: dict[int, np.ndarray] = {}
    labels: dict[int, int] = {}
    counts: dict[int, int] = {}
    for flow, label, index in test_data:
        scores = np.asarray(model.predict_on_batch(flow)).sum(axis=0)
        key = int(index)
        totals[key] = totals.get(key, 0) + scores
        counts[key] = counts.get(key, 0) + len(flow)
        labels[key] = int(label)
    keys = list(totals)
    scores = np.stack([totals[key] / counts[key] for key in keys])
    return scores, np.array([labels[key] for key in keys]), np.array(keys)
