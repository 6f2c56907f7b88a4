"""One video as one shard record, and the one resumable shard-file writer.

The record follows TF Model Garden's video input convention (``official/vision/dataloaders/
video_input.py``): a ``tf.train.SequenceExample`` whose feature list ``image/encoded`` holds one
JPEG per frame and whose context holds ``clip/label/index`` (int64 list), with MediaSequence's
``clip/media_id``, ``clip/label/string``, ``image/height``, ``image/width`` and
``image/format`` beside them. A Model Garden pipeline reads these shards as they are, and
:func:`parse_video_example` reads theirs (a record with only ``image/encoded`` and
``clip/label/index``). Shards written before this schema (format 1: ``frames``, ``video_id``,
``labels``) are read too; :func:`parse_video_example` takes the format from the shard plan.

:func:`store_video` decodes, fits and JPEG-encodes one video; :func:`shard_records` turns the
outcomes of a shard's videos, in order, into its records and its marker. The local writer
(:func:`keras_video_zoo.data.shards.write_shards`) and the Beam pipeline
(:mod:`keras_video_zoo.beam.shards`) both go through these two functions, so they write the same
bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_video_zoo.data.decoders import stored_frame_count
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoRecord
from keras_video_zoo.data.video_errors import DamagedVideoError, VideoReadError, describe_damage
from keras_video_zoo.data.video_io import iter_frames
from keras_video_zoo.opencv import cv2

FORMAT_VERSION = 2  # 1: kvz's own keys (frames, video_id, labels); 2: Model Garden's (image/encoded, clip/...)
READABLE_FORMATS = (1, 2)
IMAGE_KEY = "image/encoded"
LABEL_KEY = "clip/label/index"
LABEL_NAME_KEY = "clip/label/string"
MEDIA_ID_KEY = "clip/media_id"

__all__ = [
    "FORMAT_VERSION",
    "IMAGE_KEY",
    "LABEL_KEY",
    "StoredVideo",
    "encode_jpeg",
    "parse_video_example",
    "shard_marker",
    "shard_records",
    "store_video",
    "video_example",
    "write_shard_file",
]


def encode_jpeg(frame: np.ndarray, jpeg_quality: int = 90) -> bytes:
    """One RGB frame as JPEG bytes."""
    ok, encoded = cv2.imencode(
        ".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    )
    if not ok:
        raise ValueError("JPEG encoding failed.")
    return encoded.tobytes()


def _int64s(values) -> tf.train.Feature:
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def _bytes(values) -> tf.train.Feature:
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def video_example(
    record: VideoRecord, jpegs: Sequence[bytes], height: int, width: int, class_names: Sequence[str] = ()
) -> tf.train.SequenceExample:
    """One video as a SequenceExample of JPEG frames (Model Garden's keys).

    Example:
    >>> record = VideoRecord("v.avi", (1,), "v")
    >>> jpegs = [encode_jpeg(frame) for frame in np.zeros((3, 8, 10, 3), np.uint8)]
    >>> example = video_example(record, jpegs, 8, 10, ["run", "walk"])
    >>> frames = example.feature_lists.feature_list["image/encoded"].feature
    >>> example.context.feature["clip/label/string"].bytes_list.value, len(frames)
    ([b'walk'], 3)
    >>> parsed = parse_video_example(example.SerializeToString())
    >>> parsed["video_id"].numpy(), parsed["labels"].numpy().tolist(), int(parsed["num_frames"])
    (b'v', [1], 3)
    """
    context = {
        MEDIA_ID_KEY: _bytes([record.video_id.encode()]),
        LABEL_KEY: _int64s(record.labels),
        "image/height": _int64s([height]),
        "image/width": _int64s([width]),
        "image/format": _bytes([b"jpeg"]),
    }
    if class_names:
        context[LABEL_NAME_KEY] = _bytes([class_names[label].encode() for label in record.labels])
    frames = tf.train.FeatureList(feature=[_bytes([jpeg]) for jpeg in jpegs])
    return tf.train.SequenceExample(
        context=tf.train.Features(feature=context),
        feature_lists=tf.train.FeatureLists(feature_list={IMAGE_KEY: frames}),
    )


_SPECS = {
    # format: (context spec, sequence spec, {our name: its key})
    1: (
        {
            "video_id": tf.io.FixedLenFeature([], tf.string),
            "labels": tf.io.VarLenFeature(tf.int64),
            "height": tf.io.FixedLenFeature([], tf.int64),
            "width": tf.io.FixedLenFeature([], tf.int64),
        },
        {"frames": tf.io.FixedLenSequenceFeature([], tf.string)},
        {"video_id": "video_id", "labels": "labels", "height": "height", "width": "width", "frames": "frames"},
    ),
    2: (
        {  # defaults: a record from another Model Garden-style writer may carry only the frames and labels
            MEDIA_ID_KEY: tf.io.FixedLenFeature([], tf.string, default_value=""),
            LABEL_KEY: tf.io.VarLenFeature(tf.int64),
            "image/height": tf.io.FixedLenFeature([], tf.int64, default_value=0),
            "image/width": tf.io.FixedLenFeature([], tf.int64, default_value=0),
        },
        {IMAGE_KEY: tf.io.FixedLenSequenceFeature([], tf.string)},
        {
            "video_id": MEDIA_ID_KEY,
            "labels": LABEL_KEY,
            "height": "image/height",
            "width": "image/width",
            "frames": IMAGE_KEY,
        },
    ),
}


def parse_video_example(serialized, schema: int = FORMAT_VERSION) -> dict[str, tf.Tensor]:
    """``video_id``, ``labels`` (int64 vector), ``frames`` (JPEG strings), ``num_frames``, ``height``, ``width``.

    Args:
        serialized: one record.
        schema: the shard format (the plan's ``format``): 2, Model Garden's keys; 1, kvz's first keys.

    Example (a record as Model Garden's own test utilities write it):
    >>> example = tf.train.SequenceExample()
    >>> example.context.feature[LABEL_KEY].int64_list.value[:] = [4]
    >>> for _ in range(2):
    ...     example.feature_lists.feature_list[IMAGE_KEY].feature.add().bytes_list.value[:] = [b"jpeg"]
    >>> parsed = parse_video_example(example.SerializeToString())
    >>> parsed["labels"].numpy().tolist(), int(parsed["num_frames"])
    ([4], 2)
    """
    if schema not in _SPECS:
        raise ValueError(f"shard format {schema!r}; this version reads formats {READABLE_FORMATS}.")
    context_spec, sequence_spec, keys = _SPECS[schema]
    context, sequence = tf.io.parse_single_sequence_example(serialized, context_spec, sequence_spec)
    values = {**context, **sequence}
    parsed = {name: values[key] for name, key in keys.items()}
    parsed["labels"] = tf.sparse.to_dense(parsed["labels"])
    parsed["num_frames"] = tf.shape(parsed["frames"], out_type=tf.int64)[0]
    return parsed


@dataclass(frozen=True)
class StoredVideo:
    """What storing one video gave: its serialized record, or why it was left out (and any damage).

    Attributes:
        video_id, labels: the video's.
        serialized: the record (``None`` when skipped).
        size: (height, width) of the stored frames; ``frames``: how many.
        skipped: the reason the video is not in the shard, or ``None``.
        damage: what the decoder reported for a damaged video, or ``None``.
    """

    video_id: str
    labels: tuple[int, ...]
    serialized: bytes | None = None
    size: tuple[int, int] | None = None
    frames: int = 0
    skipped: str | None = None
    damage: str | None = None


def store_video(
    record: VideoRecord,
    geometry: FrameGeometry,
    *,
    jpeg_quality: int = 90,
    backend: str = "opencv",
    damaged: str = "use",
    class_names: Sequence[str] = (),
) -> StoredVideo:
    """Decodes one video as a stream, fits and JPEG-encodes each frame, and serializes its record.

    One frame is decoded at a time; only its JPEG is kept. Unreadable videos (and damaged ones
    with ``damaged="skip"``) come back with the reason instead of a record.

    Example:
    >>> stored = store_video(VideoRecord("gone.avi", (0,), "gone"), FrameGeometry(short_side=64))
    >>> stored.serialized, stored.skipped
    (None, 'no such file.')
    """
    damage = None
    try:
        jpegs, errors, size = [], [], None
        for frame in iter_frames(record.path, geometry=geometry, backend=backend, decoder_errors=errors):
            jpegs.append(encode_jpeg(frame, jpeg_quality))
            size = frame.shape[:2]
        if not jpegs:
            raise VideoReadError(record.path, "no frame decodes (a damaged or truncated video).")
        reported = stored_frame_count(record.path) if Path(record.path).is_file() else len(jpegs)
        damage = describe_damage(len(jpegs), reported, errors)
        if damage and damaged == "skip":
            raise DamagedVideoError(record.path, damage)
    except (VideoReadError, cv2.error) as error:
        return StoredVideo(
            record.video_id, tuple(record.labels), skipped=getattr(error, "reason", str(error)), damage=damage
        )
    example = video_example(record, jpegs, *size, class_names)
    return StoredVideo(
        record.video_id,
        tuple(record.labels),
        example.SerializeToString(deterministic=True),
        (int(size[0]), int(size[1])),
        len(jpegs),
        damage=damage,
    )


def shard_records(outcomes: Iterable[StoredVideo], meta: dict) -> Iterator[bytes]:
    """The records of a shard's videos, in order, filling ``meta`` (the shard's marker) as they pass.

    ``meta`` gets ``videos``, ``frame_sizes``, ``labels``, ``frames``, ``unreadable`` and
    ``damaged``: what the shard holds and what it left out, with the reasons.
    """
    meta.update({"videos": [], "frame_sizes": {}, "labels": {}, "frames": 0, "unreadable": {}, "damaged": {}})
    for stored in outcomes:
        if stored.damage:
            meta["damaged"][stored.video_id] = stored.damage
        if stored.serialized is None:
            meta["unreadable"][stored.video_id] = stored.skipped
            continue
        yield stored.serialized
        meta["videos"].append(stored.video_id)
        meta["frame_sizes"][stored.video_id] = list(stored.size)
        meta["labels"][stored.video_id] = list(stored.labels)
        meta["frames"] += stored.frames


def write_json_atomically(path: Path, data) -> None:
    """Writes ``data`` as JSON to ``path`` under a temporary name, then renames it."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(temporary, path)


def shard_marker(shard: Path) -> dict | None:
    """A shard file's marker (``<shard>.json``, written last) when the shard is complete, else ``None``."""
    marker = shard.with_suffix(".json")
    if not marker.exists() or not shard.exists():
        return None
    meta = json.loads(marker.read_text())
    return meta if shard.stat().st_size == meta.get("bytes") else None


def write_shard_file(shard: Path, records: Iterable[bytes], meta: dict) -> dict:
    """Writes serialized ``records`` to ``shard`` atomically, then its marker: the one resumable shard writer.

    The records go to ``<shard>.tmp``, renamed when complete; the marker (``meta`` as it is once the
    records are written, plus the file's size) is written last, so a shard with a marker is complete
    and a rerun keeps it. The RGB shards (local and Beam) and the flow shards beside them
    (:func:`keras_video_zoo.flow.shards.write_flow_shards`) are all written this way.
    """
    temporary = shard.with_name(shard.name + ".tmp")
    with tf.io.TFRecordWriter(str(temporary)) as writer:
        for record in records:
            writer.write(record)
    os.replace(temporary, shard)
    meta = {**meta, "bytes": shard.stat().st_size}
    write_json_atomically(shard.with_suffix(".json"), meta)
    return meta
