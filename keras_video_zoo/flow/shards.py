"""Flow in TFRecord shards, beside the RGB shards of :mod:`keras_video_zoo.data.shards`.

For each RGB shard ``shard-NNNNN-of-MMMMM.tfrecord`` of a shard folder, the flow of the
same videos, in the same order, goes to ``shard-NNNNN-of-MMMMM.flow.tfrecord``: one
``tf.train.SequenceExample`` per video with context ``video_id``, ``frame_count``,
``height``, ``width``, ``quantisation``, ``bound`` and per-field ``ranges`` (decode as
``low + q (high - low) / 255``; ``[-B, B]`` in bound mode), and feature lists
``flow_x``/``flow_y`` (and ``backward_flow_x``/``backward_flow_y``) holding the flow
folder's JPEG bytes unchanged (no second compression). ``<name>.flow.json``, written
last, marks a flow shard complete, so writing resumes like the RGB shards do.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import tensorflow as tf
from tqdm.auto import tqdm

from keras_video_zoo.data.shards import parse_video_example, read_shard_plan
from keras_video_zoo.flow.graph_decoding import decode_component_jpegs, dequantise_fields
from keras_video_zoo.flow.pipelines import OUTPUTS, SHORT_VIDEO_POLICIES, FlowStackReader, ShortFlowVideoWarning
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, check_bound
from keras_video_zoo.flow.stacking import STACKING_MODES, tau_range
from keras_video_zoo.flow.storage import DIRECTIONS, FlowFolder, field_file_name
from keras_video_zoo.layers.clip_augmentation import ClipAugmentation

FLOW_SUFFIX = ".flow"


def _bytes_list(values) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def flow_example(video_id: str, folder: FlowFolder) -> tf.train.SequenceExample:
    """One video's stored flow as a SequenceExample (the JPEG bytes as they are on disk).

    Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> path = Path(tempfile.mkdtemp()) / "v"
    >>> _ = write_flow_folder(path, np.ones((3, 8, 8, 2), np.float32), algorithm="dis")
    >>> parsed = parse_flow_example(flow_example("v", FlowFolder(path)).SerializeToString())
    >>> parsed["video_id"].numpy(), parsed["flow_x"].shape, float(parsed["ranges"][0, 1])
    (b'v', TensorShape([3]), 20.0)
    """
    manifest = folder.manifest
    directions = ["forward", "backward"] if manifest.backward else ["forward"]
    context = {
        "video_id": _bytes_list([video_id.encode()]),
        "quantisation": _bytes_list([manifest.quantisation.encode()]),
        "frame_count": tf.train.Feature(int64_list=tf.train.Int64List(value=[manifest.frame_count])),
        "height": tf.train.Feature(int64_list=tf.train.Int64List(value=[manifest.height])),
        "width": tf.train.Feature(int64_list=tf.train.Int64List(value=[manifest.width])),
        "bound": tf.train.Feature(float_list=tf.train.FloatList(value=[manifest.bound or 0.0])),
        "ranges": tf.train.Feature(float_list=tf.train.FloatList(value=folder.ranges("forward").ravel())),
    }
    if manifest.backward:
        context["backward_ranges"] = tf.train.Feature(
            float_list=tf.train.FloatList(value=folder.ranges("backward").ravel())
        )
    lists = {}
    for direction in directions:
        for component in "xy":
            files = [folder.path / field_file_name(direction, component, k) for k in range(folder.field_count)]
            lists[f"{DIRECTIONS[direction]}_{component}"] = tf.train.FeatureList(
                feature=[_bytes_list([file.read_bytes()]) for file in files]
            )
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=context), feature_lists=tf.train.FeatureLists(feature_list=lists)
    )


_CONTEXT = {
    "video_id": tf.io.FixedLenFeature([], tf.string),
    "quantisation": tf.io.FixedLenFeature([], tf.string),
    "frame_count": tf.io.FixedLenFeature([], tf.int64),
    "height": tf.io.FixedLenFeature([], tf.int64),
    "width": tf.io.FixedLenFeature([], tf.int64),
    "bound": tf.io.FixedLenFeature([], tf.float32),
    "ranges": tf.io.VarLenFeature(tf.float32),
    "backward_ranges": tf.io.VarLenFeature(tf.float32),
}
_SEQUENCE = {
    f"{prefix}_{component}": tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True)
    for prefix in DIRECTIONS.values()
    for component in "xy"
}


def parse_flow_example(serialized) -> dict[str, tf.Tensor]:
    """Context values, ``ranges``/``backward_ranges`` as ``(fields, 4)`` and the JPEG string lists."""
    context, sequence = tf.io.parse_single_sequence_example(serialized, _CONTEXT, _SEQUENCE)
    parsed = {**context, **sequence}
    for key in ("ranges", "backward_ranges"):
        parsed[key] = tf.reshape(tf.sparse.to_dense(context[key]), [-1, 4])
    return parsed


def decode_flow_fields(parsed: dict[str, tf.Tensor], indices, direction: str = "forward") -> tf.Tensor:
    """Float32 pixel fields ``(len(indices), H, W, 2)`` of a parsed example (dequantised in the graph).

    Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> path = Path(tempfile.mkdtemp()) / "v"
    >>> _ = write_flow_folder(path, np.full((3, 8, 8, 2), 2.0, np.float32), algorithm="dis")
    >>> parsed = parse_flow_example(flow_example("v", FlowFolder(path)).SerializeToString())
    >>> fields = decode_flow_fields(parsed, [2, 0])
    >>> tuple(fields.shape), round(float(tf.reduce_mean(fields)), 1)
    ((2, 8, 8, 2), 2.0)
    """
    indices = tf.convert_to_tensor(indices, tf.int32)
    quantized = decode_component_jpegs(*_shard_jpegs(parsed)(direction, indices))
    return dequantise_fields(quantized, tf.gather(parsed[_RANGES[direction]], indices))


_RANGES = {"forward": "ranges", "backward": "backward_ranges"}


def _shard_jpegs(parsed: dict[str, tf.Tensor]):
    """``fetch(direction, indices) -> (x_jpegs, y_jpegs)`` from a parsed flow example."""

    def fetch(direction: str, indices: tf.Tensor):
        prefix = DIRECTIONS[direction]
        return tf.gather(parsed[f"{prefix}_x"], indices), tf.gather(parsed[f"{prefix}_y"], indices)

    return fetch


def _complete(path: Path) -> bool:
    marker = path.with_suffix(".json")
    return marker.exists() and path.exists() and json.loads(marker.read_text()).get("bytes") == path.stat().st_size


def write_flow_shards(
    shard_directory: str | os.PathLike,
    flow_root: str | os.PathLike,
    *,
    bound: float | None = None,
    progress: bool = True,
) -> int:
    """Packs the flow of every video of a complete RGB shard folder beside its shards; resumable.

    Args:
        shard_directory: a folder made by :func:`keras_video_zoo.data.shards.write_shards`.
        flow_root: the flow folders (``kvz flow``), ``<video_id>/`` each.
        bound: the quantisation bound expected (checked against the manifests).
        progress: tqdm progress bar.

    Returns:
        The number of flow shards written by this call (complete ones are kept).

    Raises:
        ValueError: a video of the shards has no (valid) flow folder: the flow shards
            must pair one to one with the RGB records, so nothing is written for that shard.
    """
    directory = Path(shard_directory)
    plan = read_shard_plan(directory)
    missing = [
        video_id
        for shard in plan["shards"]
        for video_id in shard["meta"]["videos"]
        if not (Path(flow_root) / video_id).is_dir()
    ]
    if missing:
        raise ValueError(
            f"{len(missing)} videos of {directory} have no flow folder in {flow_root}: {missing[:5]}. "
            "Extract their flow with `kvz flow` first."
        )
    for leftover in directory.glob(f"*{FLOW_SUFFIX}.tfrecord.tmp"):
        leftover.unlink()
    written = 0
    for shard in tqdm(plan["shards"], desc="flow shards", unit="shard", disable=not progress):
        path = directory / f"{shard['name']}{FLOW_SUFFIX}.tfrecord"
        if _complete(path):
            continue
        temporary = path.with_name(path.name + ".tmp")
        summaries: dict[str, dict] = {"frame_counts": {}, "backward": {}, "bounds": {}}
        with tf.io.TFRecordWriter(str(temporary)) as writer:
            for video_id in shard["meta"]["videos"]:
                folder = FlowFolder(Path(flow_root) / video_id, bound=bound)
                writer.write(flow_example(video_id, folder).SerializeToString())
                summaries["frame_counts"][video_id] = folder.manifest.frame_count
                summaries["backward"][video_id] = folder.manifest.backward
                summaries["bounds"][video_id] = folder.manifest.bound
        os.replace(temporary, path)
        marker = {"videos": shard["meta"]["videos"], **summaries, "bytes": path.stat().st_size}
        path.with_suffix(".json").write_text(json.dumps(marker, indent=1))
        written += 1
    return written


def paired_shard_dataset(shard_directory: str | os.PathLike) -> tf.data.Dataset:
    """Parsed ``(rgb, flow)`` dicts per video from RGB shards and their flow shards, in shard order.

    Raises:
        ValueError: a flow shard is missing or incomplete (run :func:`write_flow_shards`).
    """
    directory = Path(shard_directory)
    plan = read_shard_plan(directory)
    pairs = []
    for shard in plan["shards"]:
        flow_path = directory / f"{shard['name']}{FLOW_SUFFIX}.tfrecord"
        if not _complete(flow_path):
            raise ValueError(f"{flow_path} is missing or incomplete; run write_flow_shards({str(directory)!r}, ...).")
        pairs.append((str(directory / f"{shard['name']}.tfrecord"), str(flow_path)))
    rgb = tf.data.TFRecordDataset([rgb for rgb, _ in pairs]).map(parse_video_example)
    flow = tf.data.TFRecordDataset([flow for _, flow in pairs]).map(parse_flow_example)

    def check(video, fields):
        same = tf.debugging.assert_equal(video["video_id"], fields["video_id"], message="RGB and flow shards differ")
        with tf.control_dependencies([same]):
            return video, fields

    return tf.data.Dataset.zip(rgb, flow).map(check)


def _flow_shard_markers(directory: Path) -> tuple[dict, list[str]]:
    plan = read_shard_plan(directory)
    markers, files = {}, []
    for shard in plan["shards"]:
        path = directory / f"{shard['name']}{FLOW_SUFFIX}.tfrecord"
        if not _complete(path):
            raise ValueError(f"{path} is missing or incomplete; run write_flow_shards({str(directory)!r}, ...).")
        markers[shard["name"]] = {
            **json.loads(path.with_suffix(".json").read_text()),
            "labels": shard["meta"]["labels"],
        }
        files.append(str(path))
    return markers, files


def shard_flow_training_dataset(
    shard_directory: str | os.PathLike,
    *,
    fields: int = 10,
    mode: str = "forward",
    batch_size: int = 8,
    crop_size: int | tuple[int, int] = 224,
    flip: bool = True,
    mean_subtraction: bool = False,
    output: str = "uint8",
    output_bound: float | None = None,
    short_videos: str = "error",
    shuffle: bool = True,
    seed: int = 0,
    parallel_reads: int = 2,
) -> tf.data.Dataset:
    """Like :func:`keras_video_zoo.flow.pipelines.flow_training_dataset`, from flow shards.

    Batches ``(flow (batch, L, crop, crop, 2), label)``: one random stack per video per epoch,
    decoding only the stack's JPEGs; labels come from the RGB shards' metadata.
    """
    if mode not in STACKING_MODES:
        raise ValueError(f"stacking mode must be one of {STACKING_MODES}; got {mode!r}.")
    if short_videos not in SHORT_VIDEO_POLICIES or output not in OUTPUTS:
        raise ValueError(f"short_videos must be one of {SHORT_VIDEO_POLICIES}, output one of {OUTPUTS}.")
    tau_range(mode, fields, fields)  # checks L for the mode
    markers, files = _flow_shard_markers(Path(shard_directory))
    counts = {video: count for m in markers.values() for video, count in m["frame_counts"].items()}
    short = sorted(video for video, count in counts.items() if count - 1 < fields)
    if short and short_videos == "error":
        raise ValueError(
            f"{len(short)} of {len(counts)} videos are shorter than the {fields + 1} frames that a stack of "
            f"L={fields} fields needs: {short[:5]}. Pass short_videos='skip' or a smaller L."
        )
    if short:
        warnings.warn(
            f"Left out {len(short)} videos shorter than {fields + 1} frames: {short[:5]}",
            ShortFlowVideoWarning,
            stacklevel=2,
        )
    if mode == "bidirectional" and not all(all(m["backward"].values()) for m in markers.values()):
        raise ValueError(
            "some flow shards hold no backward flow, needed for bidirectional stacks: `kvz flow --backward`."
        )
    bounds = {bound for m in markers.values() for bound in m["bounds"].values() if bound is not None}
    if output_bound is None and len(bounds) > 1:
        raise ValueError(f"the flow shards mix quantisation bounds {sorted(bounds)}; pass output_bound.")
    bound = check_bound(output_bound if output_bound is not None else (bounds.pop() if bounds else DEFAULT_BOUND))
    reader = FlowStackReader(mode, fields, mean_subtraction, output, bound)
    labels = {video: values[0] for m in markers.values() for video, values in m["labels"].items()}
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(list(labels), tf.constant(list(labels.values()), tf.int32)), -1
    )
    augment = ClipAugmentation(crop_size, resize=None, centre_square=False, flip=flip, flow=output, seed=seed)
    names = tf.data.Dataset.from_tensor_slices(files)
    if shuffle:
        names = names.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    records = names.interleave(tf.data.TFRecordDataset, cycle_length=parallel_reads)
    if shuffle:
        records = records.shuffle(256, seed=seed, reshuffle_each_iteration=True)
    first = 0 if mode in ("forward", "trajectory") else fields // 2

    def long_enough(serialized):
        return parse_flow_example(serialized)["frame_count"] - 1 >= fields

    def load(serialized, draw):
        parsed = parse_flow_example(serialized)
        last = tf.cast(parsed["frame_count"], tf.int32) - 1 - fields + first
        tau = tf.random.stateless_uniform([], tf.stack([tf.constant(seed, tf.int64), draw]), first, last + 1, tf.int32)
        stack = reader(_shard_jpegs(parsed), tau, parsed["ranges"], parsed["backward_ranges"])
        cropped = augment(stack[None], training=True)[0]
        return (tf.cast(cropped, tf.uint8) if output == "uint8" else cropped), table.lookup(parsed["video_id"])

    records = records.filter(long_enough) if short else records
    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    stacks = tf.data.Dataset.zip(records, draws).map(load, num_parallel_calls=parallel_reads)
    return stacks.batch(batch_size).prefetch(tf.data.AUTOTUNE)


__all__ = [
    "decode_flow_fields",
    "flow_example",
    "paired_shard_dataset",
    "parse_flow_example",
    "shard_flow_training_dataset",
    "write_flow_shards",
]
