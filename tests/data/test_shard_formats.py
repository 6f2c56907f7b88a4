"""Shard formats: Model Garden's video keys (format 2), kvz's first keys (format 1) still read, others refused."""

import json

import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.shard_records import IMAGE_KEY, LABEL_KEY, parse_video_example, shard_marker
from keras_video_zoo.data.shards import read_shard_plan, shard_files, verify_shards, write_shards
from keras_video_zoo.data.sources import RGBShards
from keras_video_zoo.flow.dataset_extraction import extract_dataset_flow
from keras_video_zoo.flow.shards import FLOW_SUFFIX, parse_flow_example, write_flow_shards
from keras_video_zoo.flow.sources import FlowShards
from tests.helpers.moving_texture import write_video

# What TF Model Garden's video decoder (official/vision/dataloaders/video_input.py) parses.
MODEL_GARDEN_CONTEXT = {LABEL_KEY: tf.io.VarLenFeature(tf.int64)}
MODEL_GARDEN_SEQUENCE = {IMAGE_KEY: tf.io.FixedLenSequenceFeature((), tf.string)}


@pytest.fixture
def shards(tmp_path):
    paths = [tmp_path / "videos" / f"v{i}.avi" for i in range(3)]
    for i, path in enumerate(paths):
        write_video(path, frames=6 + i)
    data = VideoDataset([VideoRecord(str(p), (i % 2,), f"v{i}") for i, p in enumerate(paths)], ["a", "b"])
    write_shards(data, tmp_path / "shards", short_side=32, videos_per_shard=2, progress=False)
    extract_dataset_flow(data, tmp_path / "flow", progress=False)
    write_flow_shards(tmp_path / "shards", tmp_path / "flow", progress=False)
    return data, tmp_path / "shards"


def test_records_read_in_model_garden_pipelines_and_theirs_read_here(shards):
    _, directory = shards
    serialized = next(iter(tf.data.TFRecordDataset(shard_files(directory))))
    context, sequence = tf.io.parse_single_sequence_example(serialized, MODEL_GARDEN_CONTEXT, MODEL_GARDEN_SEQUENCE)
    frames = tf.map_fn(tf.io.decode_jpeg, sequence[IMAGE_KEY], fn_output_signature=tf.uint8)
    assert tf.sparse.to_dense(context[LABEL_KEY]).numpy().tolist() == [0] and tuple(frames.shape) == (6, 32, 40, 3)

    theirs = tf.train.SequenceExample()  # written the way Model Garden's own test utilities write one
    theirs.context.feature[LABEL_KEY].int64_list.value[:] = [3]
    for frame in frames.numpy()[:2]:
        theirs.feature_lists.feature_list[IMAGE_KEY].feature.add().bytes_list.value[:] = [
            tf.io.encode_jpeg(frame).numpy()
        ]
    parsed = parse_video_example(theirs.SerializeToString())
    assert parsed["labels"].numpy().tolist() == [3] and int(parsed["num_frames"]) == 2

    flow = parse_flow_example(
        next(iter(tf.data.TFRecordDataset(str(directory / f"shard-00000-of-00002{FLOW_SUFFIX}.tfrecord"))))
    )
    assert flow["labels"].numpy().tolist() == [0] and float(flow["bound"]) == 20.0


def rewrite(path, records):
    marker = json.loads(path.with_suffix(".json").read_text())
    with tf.io.TFRecordWriter(str(path)) as writer:
        for record in records:
            writer.write(record.SerializeToString())
    marker["bytes"] = path.stat().st_size
    marker.pop("format", None)
    path.with_suffix(".json").write_text(json.dumps(marker))


def as_format_1(directory):
    """The folder as kvz wrote it before Model Garden's keys: frames/video_id/labels and flow_x/flow_y."""
    for path in map(type(directory), shard_files(directory)):
        old = []
        for serialized in tf.data.TFRecordDataset(str(path)):
            video = parse_video_example(serialized)
            example = tf.train.SequenceExample()
            example.context.feature["video_id"].bytes_list.value[:] = [video["video_id"].numpy()]
            example.context.feature["labels"].int64_list.value[:] = video["labels"].numpy().tolist()
            for key in ("num_frames", "height", "width"):
                example.context.feature[key].int64_list.value[:] = [int(video[key])]
            for jpeg in video["frames"].numpy():
                example.feature_lists.feature_list["frames"].feature.add().bytes_list.value[:] = [jpeg]
            old.append(example)
        rewrite(path, old)
        flow_path = path.with_name(path.stem + f"{FLOW_SUFFIX}.tfrecord")
        old = []
        for serialized in tf.data.TFRecordDataset(str(flow_path)):
            flow = parse_flow_example(serialized)
            example = tf.train.SequenceExample()
            for key in ("video_id", "quantisation"):
                example.context.feature[key].bytes_list.value[:] = [flow[key].numpy()]
            for key in ("frame_count", "height", "width"):
                example.context.feature[key].int64_list.value[:] = [int(flow[key])]
            example.context.feature["bound"].float_list.value[:] = [float(flow["bound"])]
            example.context.feature["ranges"].float_list.value[:] = flow["ranges"].numpy().ravel().tolist()
            for key in ("flow_x", "flow_y"):
                for jpeg in flow[key].numpy():
                    example.feature_lists.feature_list[key].feature.add().bytes_list.value[:] = [jpeg]
            old.append(example)
        rewrite(flow_path, old)
    plan_path = directory / "plan.json"
    plan_path.write_text(json.dumps({**json.loads(plan_path.read_text()), "format": 1}))


def elements(source):
    return [tf.nest.map_structure(lambda t: t.numpy(), element) for element in source.video_elements()]


def test_format_1_shards_still_read_the_same_and_cannot_be_added_to(shards):
    data, directory = shards
    geometry = FrameGeometry.square_of(32)
    rgb, flow = elements(RGBShards(directory, geometry)), elements(FlowShards(directory, fields=4))
    as_format_1(directory)
    assert read_shard_plan(directory)["format"] == 1 and verify_shards(directory) == 3
    old_rgb, old_flow = elements(RGBShards(directory, geometry)), elements(FlowShards(directory, fields=4))
    for (frames, index), (old_frames, old_index) in zip(rgb, old_rgb, strict=True):
        assert index == old_index and list(frames) == list(old_frames)
    for (parsed, _), (old, _) in zip(flow, old_flow, strict=True):
        assert list(parsed["flow_x"]) == list(old["flow_x"]) and np.array_equal(parsed["ranges"], old["ranges"])
    with pytest.raises(
        ValueError, match="holds shards of format 1 .* still read for training, but more cannot be added"
    ):
        write_shards(data, directory, short_side=32, videos_per_shard=2, progress=False)


def test_unknown_formats_and_mixed_flow_shards_are_refused(shards):
    _, directory = shards
    marker = directory / f"shard-00000-of-00002{FLOW_SUFFIX}.json"
    meta = json.loads(marker.read_text())
    marker.write_text(json.dumps({**meta, "format": 1}))
    assert shard_marker(directory / f"shard-00000-of-00002{FLOW_SUFFIX}.tfrecord") is not None
    with pytest.raises(ValueError, match="mixes flow shards of formats \\[1, 2\\]; delete"):
        FlowShards(directory, fields=4)
    plan_path = directory / "plan.json"
    plan_path.write_text(json.dumps({**json.loads(plan_path.read_text()), "format": 9}))
    with pytest.raises(ValueError, match="shard format 9; this version of kvz reads formats \\(1, 2\\)"):
        RGBShards(directory, FrameGeometry.square_of(32))
