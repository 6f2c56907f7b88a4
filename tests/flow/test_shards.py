"""Flow packed into TFRecord shards beside the RGB frames."""

import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo.cli import main
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.data.shards import parse_video_example, shard_files, write_shards
from keras_video_zoo.flow.dataset_extraction import extract_dataset_flow
from keras_video_zoo.flow.shards import decode_flow_fields, flow_shard_markers, parse_flow_example, write_flow_shards
from keras_video_zoo.flow.sources import FlowShards
from keras_video_zoo.flow.storage import FlowFolder
from tests.helpers.moving_texture import write_video


def test_flow_shards_pair_with_rgb_shards_and_decode_like_the_folders(tmp_path):
    paths = {f"v{i}": tmp_path / "videos" / f"v{i}.avi" for i in range(3)}
    for i, path in enumerate(paths.values()):
        write_video(path, frames=5 + i)
    data = VideoDataset([VideoRecord(str(p), (i % 2,), name) for i, (name, p) in enumerate(paths.items())], ["a", "b"])
    write_shards(data, tmp_path / "shards", short_side=32, videos_per_shard=2, progress=False)
    with pytest.raises(ValueError, match="missing or incomplete; run write_flow_shards"):
        FlowShards(tmp_path / "shards", fields=4)

    flow_command = ["flow", str(tmp_path / "videos"), str(tmp_path / "flow"), "--backward", "--no-progress"]
    assert main([*flow_command, "--shards", str(tmp_path / "shards")]) == 0  # extracts, then packs 2 flow shards
    assert write_flow_shards(tmp_path / "shards", tmp_path / "flow", progress=False) == 0  # resumed: all complete

    _, flow_files = flow_shard_markers(tmp_path / "shards")
    rgb = {}
    for serialized in tf.data.TFRecordDataset(shard_files(tmp_path / "shards")):
        video = parse_video_example(serialized)
        rgb[video["video_id"].numpy().decode()] = len(video["frames"])
    seen = []
    for serialized in tf.data.TFRecordDataset(flow_files):
        flow = parse_flow_example(serialized)
        video_id = flow["video_id"].numpy().decode()
        seen.append(video_id)
        folder = FlowFolder(tmp_path / "flow" / video_id)
        assert int(flow["frame_count"]) == rgb[video_id] == folder.manifest.frame_count
        for direction in ("forward", "backward"):
            decoded = decode_flow_fields(flow, list(range(folder.field_count)), direction).numpy()
            # the same JPEG bytes; TF's and OpenCV's decoders may differ by one level (0.16 px at B=20)
            assert np.abs(decoded - folder.read_pixels(direction=direction)).max() <= 40 / 255 + 1e-5
    assert seen == ["v0", "v1", "v2"]


def test_videos_without_flow_are_refused(tmp_path):
    path = tmp_path / "v0.avi"
    write_video(path)
    data = VideoDataset([VideoRecord(str(path), (0,), "v0")], ["a"])
    write_shards(data, tmp_path / "shards", short_side=32, progress=False)
    with pytest.raises(ValueError, match="1 videos of .* have no flow folder .* \\['v0'\\]. Extract their flow"):
        write_flow_shards(tmp_path / "shards", tmp_path / "flow", progress=False)


def test_training_stacks_from_flow_shards(tmp_path):
    paths = {f"v{i}": tmp_path / "videos" / f"v{i}.avi" for i in range(3)}
    for i, path in enumerate(paths.values()):
        write_video(path, frames=5 + i)  # 4, 5 and 6 fields
    data = VideoDataset([VideoRecord(str(p), (i % 2,), name) for i, (name, p) in enumerate(paths.items())], ["a", "b"])
    extract_dataset_flow(data, tmp_path / "flow", progress=False)
    write_shards(data, tmp_path / "shards", short_side=32, videos_per_shard=2, progress=False)
    write_flow_shards(tmp_path / "shards", tmp_path / "flow", progress=False)

    source = FlowShards(tmp_path / "shards", fields=4)
    flow, labels = next(iter(training_dataset(source, TrainingClips(frames=4), batch_size=3)))
    assert flow.shape == (3, 4, 64, 64, 2) and flow.dtype.name == "uint8"  # the centred square of 64 x 80
    by_label = {}
    for stack, label in zip(flow.numpy(), labels.numpy(), strict=True):
        by_label.setdefault(int(label), []).append(stack)
    assert sorted(len(v) for v in by_label.values()) == [1, 2]  # v0, v2 are class 0; v1 class 1
    v0 = FlowFolder(tmp_path / "flow" / "v0").read()[:, :, 8:72]  # 4 fields: its only stack of 4
    assert min(np.abs(s.astype(int) - v0).max() for s in by_label[0]) <= 1

    longer = FlowShards(tmp_path / "shards", fields=5)
    assert longer.report.skip_reasons() == {"v0": "5 frames: too short for a stack of 5 flow fields"}
    assert sum(len(labels) for _, labels in training_dataset(longer, TrainingClips(frames=5))) == 2
