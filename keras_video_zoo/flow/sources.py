"""Clip sources of stacked optical flow for the temporal stream: flow folders and flow shards.

They plug into the one pair of pipelines (:func:`keras_video_zoo.data.pipelines.training_dataset`
and :func:`~keras_video_zoo.data.pipelines.evaluation_dataset`) like the RGB sources. A clip is
a stack of ``L`` flow fields ``(L, S, S, 2)``: read from its JPEGs and dequantised in the graph
(bound or min/max, from the manifest), optionally trajectory-sampled and mean-subtracted,
re-quantised for the model (``output="uint8"``, bound ``output_bound``; exact for bound-mode
flow) or kept as float pixels (``output="float"``, for ``temporal_stream(flow_bound=None)``),
and cut to its centred square like RGB frames. Training draws random stack positions; the test
protocol takes ``protocol.clips`` evenly spaced ones (Simonyan & Zisserman: 25). The crops and
flips (a flip negates every x component) are the device's, as for RGB:
``with_augmentation(model, flow="uint8", resize=None)`` and ``with_views(..., flow="uint8")``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import ClipProtocol, TrainingClips
from keras_video_zoo.data.shards import read_shard_plan
from keras_video_zoo.data.sources import ClipSource
from keras_video_zoo.data.video_report import VideoReport
from keras_video_zoo.flow.dataset_extraction import REPORT_NAME
from keras_video_zoo.flow.graph_decoding import decode_component_jpegs, dequantise_fields
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, check_bound
from keras_video_zoo.flow.shards import flow_shard_markers, parse_flow_example, shard_jpegs
from keras_video_zoo.flow.stacking import (
    STACKING_MODES,
    evenly_spaced_taus,
    subtract_mean_flow,
    tau_range,
    tf_stack_indices,
    trajectory_stack,
)
from keras_video_zoo.flow.storage import DIRECTIONS, FlowFolder

OUTPUTS = ("uint8", "float")


class FlowStackReader:
    """Builds one float or uint8 stack ``(L, H, W, 2)`` in the graph from a ``fetch`` of its JPEGs."""

    def __init__(self, mode: str, fields: int, mean_subtraction: bool, output: str, output_bound: float) -> None:
        if mode not in STACKING_MODES:
            raise ValueError(f"stacking mode must be one of {STACKING_MODES}; got {mode!r}.")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}; got {output!r}.")
        tau_range(mode, fields, fields)  # checks L for the mode
        self.mode, self.fields, self.mean_subtraction, self.output = mode, fields, mean_subtraction, output
        self.output_bound = check_bound(output_bound)
        self.forward_count = fields // 2 if mode == "bidirectional" else fields

    def __call__(self, fetch, tau, forward_ranges, backward_ranges) -> tf.Tensor:
        """The stack at frame ``tau``: ``fetch(direction, indices)`` gives the (x, y) JPEG strings,
        ranges ``(fields, 4)`` are the whole video's."""
        forward, backward = tf_stack_indices(self.mode, tau, self.fields)
        stack = dequantise_fields(
            decode_component_jpegs(*fetch("forward", forward)), tf.gather(forward_ranges, forward)
        )
        if self.mode == "bidirectional":
            backward_fields = decode_component_jpegs(*fetch("backward", backward))
            stack = tf.concat([stack, dequantise_fields(backward_fields, tf.gather(backward_ranges, backward))], 0)
        if self.mode == "trajectory":
            stack = trajectory_stack(stack)
        if self.mean_subtraction:
            stack = subtract_mean_flow(stack)
        stack = tf.ensure_shape(stack, [self.fields, None, None, 2])
        if self.output == "float":
            return stack
        bound = self.output_bound
        return tf.cast(tf.clip_by_value(tf.round(255.0 * (stack + bound) / (2 * bound)), 0, 255), tf.uint8)


def fit_flow_square(stacks: tf.Tensor, side: int | None, output: str) -> tf.Tensor:
    """``(k, L, H, W, 2)`` stacks cut to their centred square, resized to ``side`` with the displacements
    scaled by the resize (uint8 flow is scaled about 127.5, its zero)."""
    height, width = tf.shape(stacks)[2], tf.shape(stacks)[3]
    square = tf.minimum(height, width)
    top, left = (height - square) // 2, (width - square) // 2
    stacks = stacks[:, :, top : top + square, left : left + square]
    if side is None:
        return stacks
    fields = stacks.shape[1]

    def resized():
        folded = tf.cast(tf.reshape(stacks, [-1, square, square, 2]), tf.float32)
        scale = tf.cast(side, tf.float32) / tf.cast(square, tf.float32)
        big = tf.image.resize(folded, (side, side), antialias=True)
        if output == "float":
            return tf.reshape(big * scale, [-1, fields, side, side, 2])
        scaled = tf.clip_by_value(tf.round((big - 127.5) * scale + 127.5), 0, 255)
        return tf.reshape(tf.cast(scaled, tf.uint8), [-1, fields, side, side, 2])

    return tf.ensure_shape(tf.cond(tf.equal(square, side), lambda: stacks, resized), [None, fields, side, side, 2])


class _FlowSource(ClipSource):
    """What flow folders and flow shards share: stacking, output, geometry, reading stacks at positions."""

    def _setup(self, fields: int, mode: str, mean_subtraction: bool, output: str, bound: float, side: int | None):
        self.fields, self.mode = fields, mode
        self.reader = FlowStackReader(mode, fields, mean_subtraction, output, bound)
        self.output = output
        self.side = side

    def clip_shape(self, frames: int) -> tuple[int, int, int, int]:
        return (self.fields, self.side, self.side, 2)

    def _stacks(self, fetch, taus, forward_ranges, backward_ranges) -> tf.Tensor:
        stacks = tf.map_fn(
            lambda tau: self.reader(fetch, tau, forward_ranges, backward_ranges),
            taus,
            fn_output_signature=tf.TensorSpec(
                [self.fields, None, None, 2], tf.uint8 if self.output == "uint8" else tf.float32
            ),
        )
        return fit_flow_square(stacks, self.side, self.output)

    def _random_taus(self, span, draw, count: int) -> tf.Tensor:
        return tf.random.stateless_uniform(
            [count], tf.stack([tf.constant(0, tf.int64), draw]), span[0], span[1] + 1, tf.int32
        )


def _output_bound(manifest_bounds: set[float], output_bound: float | None) -> float:
    """The bound uint8 output is quantised with: the flow's own when it has one."""
    if output_bound is not None:
        return check_bound(output_bound)
    if len(manifest_bounds) > 1:
        raise ValueError(f"the flow mixes quantisation bounds {sorted(manifest_bounds)}; pass output_bound.")
    return manifest_bounds.pop() if manifest_bounds else DEFAULT_BOUND


def _common_side(sizes: dict[str, tuple[int, int]], where: str) -> int:
    squares = {min(size) for size in sizes.values()}
    if len(squares) != 1:
        examples = ", ".join(f"{video} {h}x{w}" for video, (h, w) in list(sizes.items())[:4])
        raise ValueError(
            f"the flow in {where} comes in {len(squares)} sizes (centred squares of {sorted(squares)[:4]} px: "
            f"{examples}); pass side=S to resize them, or extract the flow with one --short-side."
        )
    return squares.pop()


class FlowFolders(_FlowSource):
    """Stacks of flow fields read from ``kvz flow`` folders (``flow_root/<video_id>/``).

    Args:
        dataset: the videos; each needs ``flow_root/<video_id>`` (a video without one, or with
            fewer than ``fields + 1`` frames, is skipped and reported).
        flow_root: the flow folders.
        fields: ``L``, fields per stack (paper: 10).
        mode: ``"forward"``, ``"centred"``, ``"bidirectional"`` or ``"trajectory"``.
        side: the centred square's side after resizing (displacements scaled); ``None`` keeps the
            stored square (every video's must then be the same).
        mean_subtraction: subtract each field's mean here (the temporal stream does it itself).
        output: ``"uint8"`` for ``temporal_stream()`` or ``"float"`` pixels for ``flow_bound=None``.
        bound: the bound the flow must have been stored with (checked against manifests;
            required for folders made by other tools).
        output_bound: the bound uint8 output is quantised with (default: the flow's own).

    Example:
    >>> import tempfile
    >>> from keras_video_zoo.data.pipelines import training_dataset
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = write_flow_folder(root / "v0", np.full((12, 40, 48, 2), 1.5, np.float32), algorithm="dis")
    >>> data = VideoDataset([VideoRecord("v0.avi", (0,), "v0")], ["walk"])
    >>> flow, label = next(iter(training_dataset(FlowFolders(data, root, fields=10))))
    >>> tuple(flow.shape), flow.dtype.name, label.numpy().tolist()
    ((1, 10, 40, 40, 2), 'uint8', [0])
    """

    def __init__(
        self,
        dataset: VideoDataset,
        flow_root: str | os.PathLike,
        *,
        fields: int = 10,
        mode: str = "forward",
        side: int | None = None,
        mean_subtraction: bool = False,
        output: str = "uint8",
        bound: float | None = None,
        output_bound: float | None = None,
        report: VideoReport | None = None,
    ) -> None:
        self.flow_root = Path(flow_root)
        self.report = report or VideoReport()
        failures = _extraction_failures(self.flow_root)
        kept, folders = [], {}
        for record in dataset:
            folder_path = self.flow_root / record.video_id
            if not folder_path.is_dir():
                why = failures.get(record.path, f"no flow folder {folder_path} (run kvz flow)")
                self.report.skipped(record.path, f"no flow: {why}")
                continue
            folder = FlowFolder(folder_path, bound=bound)
            if mode == "bidirectional" and not folder.manifest.backward:
                raise ValueError(
                    f"{folder.path} holds no backward flow, needed for bidirectional stacks: `kvz flow --backward`."
                )
            if folder.field_count < fields:
                frames = folder.manifest.frame_count
                self.report.skipped(record.path, f"{frames} frames: too short for a stack of {fields} flow fields")
                continue
            self.report.used(record.path)
            if folder.manifest.extra.get("damage"):  # kvz flow read as far as the video decodes
                self.report.damaged(record.path, folder.manifest.extra["damage"])
            kept.append(record)
            folders[record.video_id] = folder
        if not kept:
            raise ValueError(f"no video of {dataset.name} has flow for a stack of {fields} fields in {flow_root}.")
        self.dataset = dataset.subset(kept)
        self.folders = [folders[record.video_id] for record in kept]
        sizes = {r.video_id: (f.manifest.height, f.manifest.width) for r, f in zip(kept, self.folders, strict=True)}
        bounds = {f.manifest.bound for f in self.folders if f.manifest.quantisation == "bound"}
        stored = _common_side(sizes, str(flow_root)) if side is None else None
        self._setup(fields, mode, mean_subtraction, output, _output_bound(bounds, output_bound), side or stored)

    def video_elements(self) -> tf.data.Dataset:
        def ranges(folder: FlowFolder, direction: str) -> np.ndarray:
            if direction == "forward" or folder.manifest.backward:
                return folder.ranges(direction)
            return np.zeros((0, 4), np.float32)

        spans = np.array([tau_range(self.mode, self.fields, f.field_count) for f in self.folders], np.int32)
        counts = np.array([f.field_count for f in self.folders], np.int32)
        elements = (
            tf.constant([str(folder.path) for folder in self.folders]),
            spans,
            counts,
            tf.ragged.constant([ranges(f, "forward") for f in self.folders], ragged_rank=1, dtype=tf.float32),
            tf.ragged.constant(
                [ranges(f, "backward") for f in self.folders], ragged_rank=1, dtype=tf.float32, inner_shape=(4,)
            ),
            np.arange(len(self.folders), dtype=np.int64),
        )
        return tf.data.Dataset.from_tensor_slices(elements)

    def training_clips(self, element, draw, sampler: TrainingClips) -> tf.Tensor:
        folder, span, _, forward_ranges, backward_ranges, _ = element
        taus = self._random_taus(span, draw, sampler.clips_per_video)
        return self._stacks(_folder_jpegs(folder), taus, forward_ranges, backward_ranges)

    def evaluation_clips(self, element, protocol: ClipProtocol) -> tf.Tensor:
        folder, _, count, forward_ranges, backward_ranges, _ = element
        taus = tf.numpy_function(
            lambda n: evenly_spaced_taus(self.mode, self.fields, int(n), protocol.clips).astype(np.int32),
            [count],
            tf.int32,
        )
        return self._stacks(_folder_jpegs(folder), tf.ensure_shape(taus, [None]), forward_ranges, backward_ranges)


def _extraction_failures(flow_root: Path) -> dict[str, str]:
    """Why ``kvz flow`` could not extract a video's flow, from its report (video path -> reason)."""
    report = flow_root / REPORT_NAME
    if not report.is_file():
        return {}
    return dict(json.loads(report.read_text()).get("skipped", {}))


def _folder_jpegs(folder: tf.Tensor):
    """``fetch(direction, indices) -> (x_jpegs, y_jpegs)`` reading a flow folder's files."""

    def fetch(direction: str, indices: tf.Tensor):
        numbers = tf.strings.as_string(indices + 1, width=5, fill="0")
        prefix = tf.strings.join([folder, "/", DIRECTIONS[direction], "_"])
        return tuple(
            tf.map_fn(tf.io.read_file, tf.strings.join([prefix, f"{component}_", numbers, ".jpg"]))
            for component in "xy"
        )

    return fetch


class FlowShards(_FlowSource):
    """Stacks of flow fields read from flow shards (``kvz flow ... --shards DIR``, beside ``kvz prepare``'s shards).

    Args:
        shard_directory: a complete RGB shard folder whose flow shards are written.
        fields, mode, side, mean_subtraction, output, output_bound: as :class:`FlowFolders`.
    """

    def __init__(
        self,
        shard_directory: str | os.PathLike,
        *,
        fields: int = 10,
        mode: str = "forward",
        side: int | None = None,
        mean_subtraction: bool = False,
        output: str = "uint8",
        output_bound: float | None = None,
        report: VideoReport | None = None,
    ) -> None:
        directory = Path(shard_directory)
        plan = read_shard_plan(directory)
        markers, self.files = flow_shard_markers(directory)
        self.schema = next(iter(markers.values()))["format"]
        self.report = report or VideoReport()
        records, sizes = [], {}
        for shard in plan["shards"]:
            marker = markers[shard["name"]]
            for video_id in shard["meta"]["videos"]:
                count = marker["frame_counts"][video_id]
                if mode == "bidirectional" and not marker["backward"][video_id]:
                    raise ValueError(f"{video_id} has no backward flow in {directory}: `kvz flow --backward`.")
                if count - 1 < fields:
                    self.report.skipped(video_id, f"{count} frames: too short for a stack of {fields} flow fields")
                    continue
                self.report.used(video_id)
                records.append(
                    VideoRecord(f"{directory}#{video_id}", tuple(shard["meta"]["labels"][video_id]), video_id)
                )
                sizes[video_id] = tuple(marker.get("sizes", {}).get(video_id, shard["meta"]["frame_sizes"][video_id]))
        if not records:
            raise ValueError(f"no video in {directory} has flow for a stack of {fields} fields.")
        self.dataset = VideoDataset(records, plan["class_names"], name=f"flow shards:{directory}")
        bounds = {b for m in markers.values() for b in m["bounds"].values() if b is not None}
        stored = _common_side(sizes, str(directory)) if side is None else None
        self._setup(fields, mode, mean_subtraction, output, _output_bound(bounds, output_bound), side or stored)
        self._index = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant([r.video_id for r in records]), tf.range(len(records), dtype=tf.int64)
            ),
            default_value=-1,
        )

    def video_elements(self) -> tf.data.Dataset:
        def parsed_with_index(serialized):
            parsed = parse_flow_example(serialized, self.schema)
            return parsed, self._index.lookup(parsed["video_id"])

        records = tf.data.TFRecordDataset(self.files).map(parsed_with_index, num_parallel_calls=tf.data.AUTOTUNE)
        return records.filter(lambda parsed, index: index >= 0)  # too short for a stack: left out, reported

    def _fetch(self, parsed):
        return shard_jpegs(parsed)

    def training_clips(self, element, draw, sampler: TrainingClips) -> tf.Tensor:
        parsed, _ = element
        first = 0 if self.mode in ("forward", "trajectory") else self.fields // 2
        last = tf.cast(parsed["frame_count"], tf.int32) - 1 - self.fields + first
        taus = self._random_taus(tf.stack([first, last]), draw, sampler.clips_per_video)
        return self._stacks(self._fetch(parsed), taus, parsed["ranges"], parsed["backward_ranges"])

    def evaluation_clips(self, element, protocol: ClipProtocol) -> tf.Tensor:
        parsed, _ = element
        taus = tf.numpy_function(
            lambda n: evenly_spaced_taus(self.mode, self.fields, int(n) - 1, protocol.clips).astype(np.int32),
            [parsed["frame_count"]],
            tf.int32,
        )
        return self._stacks(
            self._fetch(parsed), tf.ensure_shape(taus, [None]), parsed["ranges"], parsed["backward_ranges"]
        )
