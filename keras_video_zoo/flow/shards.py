"""Flow in TFRecord shards, beside the RGB shards of :mod:`keras_video_zoo.data.shards`.

For each RGB shard ``shard-NNNNN-of-MMMMM.tfrecord`` of a shard folder, the flow of the
same videos, in the same order, goes to ``shard-NNNNN-of-MMMMM.flow.tfrecord``: one
``tf.train.SequenceExample`` per video, keyed like the RGB records (TF Model Garden's video
convention, :mod:`keras_video_zoo.data.shard_records`): context ``clip/media_id``,
``clip/label/index``, ``image/height``/``image/width`` of the fields, and the flow's own
``flow/frame_count``, ``flow/quantisation``, ``flow/bound`` and per-field ``flow/ranges`` (decode
as ``low + q (high - low) / 255``; ``[-B, B]`` in bound mode; ``backward_flow/ranges`` too);
feature lists ``flow/x/encoded``/``flow/y/encoded`` (and ``backward_flow/x/encoded``/
``backward_flow/y/encoded``) hold the flow folder's JPEG bytes unchanged (no second
compression). ``<name>.flow.json``, written last, marks a flow shard complete (and records its
format), so writing resumes like the RGB shards do. Flow shards of format 1 (``video_id``,
``flow_x``, ...) still read.
"""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf
from tqdm.auto import tqdm

from keras_video_zoo.data.shard_records import FORMAT_VERSION, LABEL_KEY, MEDIA_ID_KEY, shard_marker, write_shard_file
from keras_video_zoo.data.shards import read_shard_plan
from keras_video_zoo.flow.graph_decoding import decode_component_jpegs, dequantise_fields
from keras_video_zoo.flow.storage import DIRECTIONS, FlowFolder, field_file_name

FLOW_SUFFIX = ".flow"


def _bytes_list(values) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def _int64s(values) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def _floats(values) -> tf.train.Feature:
    return tf.train.Feature(float_list=tf.train.FloatList(value=list(values)))


def flow_example(video_id: str, folder: FlowFolder, labels=()) -> tf.train.SequenceExample:
    """One video's stored flow as a SequenceExample (the JPEG bytes as they are on disk).

    Example:
    >>> import tempfile
    >>> import numpy as np
    >>> from keras_video_zoo.flow.storage import write_flow_folder
    >>> path = Path(tempfile.mkdtemp()) / "v"
    >>> _ = write_flow_folder(path, np.ones((3, 8, 8, 2), np.float32), algorithm="dis")
    >>> parsed = parse_flow_example(flow_example("v", FlowFolder(path), (2,)).SerializeToString())
    >>> parsed["video_id"].numpy(), parsed["flow_x"].shape, float(parsed["ranges"][0, 1]), parsed["labels"].numpy()
    (b'v', TensorShape([3]), 20.0, array([2]))
    """
    manifest = folder.manifest
    directions = ["forward", "backward"] if manifest.backward else ["forward"]
    context = {
        MEDIA_ID_KEY: _bytes_list([video_id.encode()]),
        LABEL_KEY: _int64s(labels),
        "image/height": _int64s([manifest.height]),
        "image/width": _int64s([manifest.width]),
        "image/format": _bytes_list([b"jpeg"]),
        "flow/frame_count": _int64s([manifest.frame_count]),
        "flow/quantisation": _bytes_list([manifest.quantisation.encode()]),
        "flow/bound": _floats([manifest.bound or 0.0]),
    }
    lists = {}
    for direction in directions:
        prefix = DIRECTIONS[direction]
        context[f"{prefix}/ranges"] = _floats(folder.ranges(direction).ravel())
        for component in "xy":
            files = [folder.path / field_file_name(direction, component, k) for k in range(folder.field_count)]
            lists[f"{prefix}/{component}/encoded"] = tf.train.FeatureList(
                feature=[_bytes_list([file.read_bytes()]) for file in files]
            )
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=context), feature_lists=tf.train.FeatureLists(feature_list=lists)
    )


def _specs(schema: int) -> tuple[dict, dict, dict]:
    """(context spec, sequence spec, {our name: the record's key}) of a flow shard format."""
    names = {"video_id": "video_id", "quantisation": "quantisation", "frame_count": "frame_count"}
    names |= {"height": "height", "width": "width", "bound": "bound"}
    names |= {"ranges": "ranges", "backward_ranges": "backward_ranges"}
    names |= {f"{p}_{c}": f"{p}_{c}" for p in DIRECTIONS.values() for c in "xy"}
    if schema == 2:
        names |= {"video_id": MEDIA_ID_KEY, "quantisation": "flow/quantisation", "frame_count": "flow/frame_count"}
        names |= {"height": "image/height", "width": "image/width", "bound": "flow/bound", "labels": LABEL_KEY}
        names |= {"ranges": "flow/ranges", "backward_ranges": "backward_flow/ranges"}
        names |= {f"{p}_{c}": f"{p}/{c}/encoded" for p in DIRECTIONS.values() for c in "xy"}
    elif schema != 1:
        raise ValueError(f"flow shard format {schema!r}; this version reads formats 1 and 2.")
    types = {"video_id": tf.string, "quantisation": tf.string, "frame_count": tf.int64, "height": tf.int64}
    types |= {"width": tf.int64, "bound": tf.float32}
    context = {names[name]: tf.io.FixedLenFeature([], dtype) for name, dtype in types.items()}
    context |= {
        names["ranges"]: tf.io.VarLenFeature(tf.float32),
        names["backward_ranges"]: tf.io.VarLenFeature(tf.float32),
    }
    if "labels" in names:
        context[names["labels"]] = tf.io.VarLenFeature(tf.int64)
    sequence = {
        names[f"{p}_{c}"]: tf.io.FixedLenSequenceFeature([], tf.string, allow_missing=True)
        for p in DIRECTIONS.values()
        for c in "xy"
    }
    return context, sequence, names


def parse_flow_example(serialized, schema: int = FORMAT_VERSION) -> dict[str, tf.Tensor]:
    """Context values, ``ranges``/``backward_ranges`` as ``(fields, 4)`` and the JPEG string lists.

    Args:
        serialized: one record.
        schema: the flow shard's format (its marker's ``format``; 1 when it has none).
    """
    context_spec, sequence_spec, names = _specs(schema)
    context, sequence = tf.io.parse_single_sequence_example(serialized, context_spec, sequence_spec)
    values = {**context, **sequence}
    parsed = {name: values[key] for name, key in names.items()}
    for key in ("ranges", "backward_ranges"):
        parsed[key] = tf.reshape(tf.sparse.to_dense(parsed[key]), [-1, 4])
    if "labels" in parsed:
        parsed["labels"] = tf.sparse.to_dense(parsed["labels"])
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
    quantized = decode_component_jpegs(*shard_jpegs(parsed)(direction, indices))
    return dequantise_fields(quantized, tf.gather(parsed[_RANGES[direction]], indices))


_RANGES = {"forward": "ranges", "backward": "backward_ranges"}


def shard_jpegs(parsed: dict[str, tf.Tensor]):
    """``fetch(direction, indices) -> (x_jpegs, y_jpegs)`` from a parsed flow example."""

    def fetch(direction: str, indices: tf.Tensor):
        prefix = DIRECTIONS[direction]
        return tf.gather(parsed[f"{prefix}_x"], indices), tf.gather(parsed[f"{prefix}_y"], indices)

    return fetch


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
        if shard_marker(path) is not None:
            continue
        meta: dict = {"format": FORMAT_VERSION, "videos": shard["meta"]["videos"]}
        meta |= {"frame_counts": {}, "backward": {}, "bounds": {}, "sizes": {}}

        def serialized(video_ids=shard["meta"]["videos"], labels=shard["meta"]["labels"], meta=meta):
            for video_id in video_ids:
                folder = FlowFolder(Path(flow_root) / video_id, bound=bound)
                yield flow_example(video_id, folder, labels[video_id]).SerializeToString(deterministic=True)
                meta["frame_counts"][video_id] = folder.manifest.frame_count
                meta["backward"][video_id] = folder.manifest.backward
                meta["bounds"][video_id] = folder.manifest.bound
                meta["sizes"][video_id] = [folder.manifest.height, folder.manifest.width]

        write_shard_file(path, serialized(), meta)
        written += 1
    return written


def flow_shard_markers(directory: Path) -> tuple[dict, list[str]]:
    """Each flow shard's marker (format, videos, frame counts, backward flow, bounds, sizes) and the shard files.

    Raises:
        ValueError: a flow shard is missing or incomplete (run :func:`write_flow_shards`), or the
            folder mixes flow shards of two formats.
    """
    plan = read_shard_plan(directory)
    markers, files = {}, []
    for shard in plan["shards"]:
        path = directory / f"{shard['name']}{FLOW_SUFFIX}.tfrecord"
        marker = shard_marker(path)
        if marker is None:
            raise ValueError(f"{path} is missing or incomplete; run write_flow_shards({str(directory)!r}, ...).")
        markers[shard["name"]] = {**marker, "format": marker.get("format", 1)}  # format 1 markers had none
        files.append(str(path))
    formats = sorted({marker["format"] for marker in markers.values()})
    if len(formats) > 1:
        raise ValueError(
            f"{directory} mixes flow shards of formats {formats}; delete its *{FLOW_SUFFIX}.tfrecord and "
            f"*{FLOW_SUFFIX}.json files and rerun `kvz flow ... --shards {directory}` to write them again."
        )
    return markers, files


__all__ = ["decode_flow_fields", "flow_example", "flow_shard_markers", "parse_flow_example", "write_flow_shards"]
