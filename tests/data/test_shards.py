"""Sharded TFRecords: contents, resuming an interrupted run, clear errors, and training from shards."""

import json
import os
import threading

import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo import cli
from keras_video_zoo.data import shards
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.data.shards import parse_video_example, read_shard_plan, shard_files, verify_shards, write_shards
from keras_video_zoo.data.sources import RGBShards
from keras_video_zoo.data.synthetic_dataset import generate_dataset
from tests.helpers.frame_coded_videos import frame_numbers, video_numbers, write_video


@pytest.fixture
def videos(tmp_path) -> VideoDataset:
    folder = tmp_path / "videos"
    folder.mkdir()
    records = [
        VideoRecord(write_video(folder / f"v{i}.avi", frames=12 + i, video=i), (i % 2,), f"v{i}") for i in range(7)
    ]
    broken = folder / "broken.avi"
    broken.write_bytes(b"RIFF not really a video")
    records.insert(3, VideoRecord(str(broken), (0,), "broken"))
    return VideoDataset(records, ["a", "b"], name="toy")


def shard_training_dataset(directory, sampler=None, *, side: int = 32, **options):
    return training_dataset(RGBShards(directory, FrameGeometry.square_of(side)), sampler, **options)


def stored_ids(directory) -> list[str]:
    ids = []
    for path in shard_files(directory):
        for serialized in tf.data.TFRecordDataset(path):
            ids.append(parse_video_example(serialized)["video_id"].numpy().decode())
    return ids


def test_shards_hold_every_readable_video_once_as_jpeg_frames(videos, tmp_path):
    out = tmp_path / "shards"
    report = write_shards(videos, out, short_side=16, videos_per_shard=3, progress=False)
    assert (report.shards, report.videos.used_count, report.written, report.kept) == (3, 7, 3, 0)
    broken = videos[3].path
    assert report.unreadable == {
        broken: "truncated or damaged: a RIFF (AVI) container that FFmpeg cannot open "
        "(Invalid data found when processing input); was the download cut short?"
    }
    assert json.loads((out / "report.json").read_text())["skipped"] == report.unreadable
    assert report.summary().startswith("stored 7 of 8 videos; 1 skipped (")
    assert sorted(stored_ids(out)) == sorted(f"v{i}" for i in range(7))
    assert report.frames == sum(12 + i for i in range(7)) and verify_shards(out) == 7
    serialized = next(iter(tf.data.TFRecordDataset(shard_files(out)[0])))
    video = parse_video_example(serialized)
    frames = tf.map_fn(lambda jpeg: tf.io.decode_jpeg(jpeg, channels=3), video["frames"], fn_output_signature=tf.uint8)
    assert video["labels"].numpy().tolist() == [0] and tuple(frames.shape) == (12, 16, 20, 3)  # short side 16
    assert not list(out.glob("*.tmp"))


def test_an_interrupted_prepare_resumes_without_losing_or_duplicating_videos(videos, tmp_path, monkeypatch):
    out = tmp_path / "shards"
    real_write = shards._write_one_shard
    calls = []

    def interrupted_after_one_shard(directory, name, *args, **storing):
        calls.append(name)
        if len(calls) == 2:  # the run "dies" half-way through the second shard, leaving a partial file
            (directory / f"{name}.tfrecord.tmp").write_bytes(b"partial")
            raise KeyboardInterrupt
        return real_write(directory, name, *args, **storing)

    monkeypatch.setattr(shards, "_write_one_shard", interrupted_after_one_shard)
    with pytest.raises(KeyboardInterrupt):
        write_shards(videos, out, short_side=16, videos_per_shard=3, workers=1, progress=False)
    monkeypatch.setattr(shards, "_write_one_shard", real_write)
    first_shard = out / "shard-00000-of-00003.tfrecord"
    finished_at = first_shard.stat().st_mtime_ns
    assert (out / "shard-00001-of-00003.tfrecord.tmp").exists()
    with pytest.raises(ValueError, match="missing, incomplete or truncated"):
        shard_files(out)

    report = write_shards(videos, out, short_side=16, videos_per_shard=3, workers=2, progress=False)
    assert (report.kept, report.written, report.videos.used_count) == (1, 2, 7)
    assert first_shard.stat().st_mtime_ns == finished_at  # the finished shard was kept, not rewritten
    ids = stored_ids(out)
    assert sorted(ids) == sorted(f"v{i}" for i in range(7)) and len(ids) == len(set(ids))
    assert not list(out.glob("*.tmp"))


def test_a_shard_renamed_but_not_yet_marked_complete_is_rewritten(videos, tmp_path):
    out = tmp_path / "shards"
    write_shards(videos, out, short_side=16, videos_per_shard=3, progress=False)
    (out / "shard-00002-of-00003.json").unlink()  # killed between the shard's rename and its marker
    report = write_shards(videos, out, short_side=16, videos_per_shard=3, progress=False)
    assert (report.kept, report.written) == (2, 1) and sorted(stored_ids(out)) == sorted(f"v{i}" for i in range(7))


def test_other_settings_in_the_same_folder_are_refused(videos, tmp_path):
    out = tmp_path / "shards"
    write_shards(videos, out, short_side=16, videos_per_shard=3, progress=False)
    with pytest.raises(ValueError, match="already holds shards of another dataset or other settings"):
        write_shards(videos, out, short_side=20, videos_per_shard=3, progress=False)


def test_unreadable_shards_give_clear_errors(videos, tmp_path):
    with pytest.raises(ValueError, match="is not a shard folder"):
        shard_training_dataset(tmp_path)
    out = tmp_path / "shards"
    write_shards(videos, out, short_side=16, videos_per_shard=3, progress=False)
    shard = out / "shard-00001-of-00003.tfrecord"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, corrupt content: the CRC check names it
    shard.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"shard .*shard-00001-of-00003.tfrecord is corrupt"):
        verify_shards(out)
    shard.write_bytes(bytes(data[:100]))  # truncated: caught before reading anything
    with pytest.raises(ValueError, match=r"\['shard-00001-of-00003'\] are missing, incomplete or truncated"):
        shard_training_dataset(out)


def test_training_from_shards_gives_strided_clips_with_labels_reproducibly(videos, tmp_path):
    out = tmp_path / "shards"
    write_shards(videos, out, short_side=32, videos_per_shard=3, progress=False)
    sampler = TrainingClips(frames=4, stride=2, clips_per_video=2)

    def epoch(dataset):
        pairs = [(c.numpy(), y.numpy()) for c, y in dataset]
        return np.concatenate([c for c, _ in pairs]), np.concatenate([y for _, y in pairs])

    dataset = shard_training_dataset(out, sampler, batch_size=4, seed=3, deterministic=True)
    clips, labels = epoch(dataset)
    assert clips.shape == (14, 4, 32, 32, 3) and clips.dtype == np.uint8  # the centred square of 32 x 40
    which = video_numbers(clips)
    assert np.bincount(which).tolist() == [2] * 7
    np.testing.assert_array_equal(labels, which % 2)
    frames = frame_numbers(clips)
    assert (np.diff(frames, axis=1) == 2).all() and (frames[:, -1] < 12 + which).all()
    again, _ = epoch(shard_training_dataset(out, sampler, batch_size=4, seed=3, deterministic=True))
    np.testing.assert_array_equal(clips, again)
    assert not np.array_equal(clips, epoch(dataset)[0])  # the next epoch draws new clips
    resized, _ = epoch(shard_training_dataset(out, TrainingClips(frames=2), batch_size=7, side=24))
    assert resized.shape == (7, 2, 24, 24, 3)


def test_short_videos_in_shards_repeat_their_last_frame(tmp_path):
    dataset = VideoDataset([VideoRecord(write_video(tmp_path / "s.avi", 3), (0,), "s")], ["a"])
    write_shards(dataset, tmp_path / "shards", short_side=32, progress=False)
    clips, _ = next(iter(shard_training_dataset(tmp_path / "shards", TrainingClips(frames=5), batch_size=1)))
    assert frame_numbers(clips.numpy()).tolist() == [[0, 1, 2, 2, 2]]


def test_kvz_prepare_writes_shards_of_a_ucf101_layout_and_resumes(tmp_path, capsys):
    root = generate_dataset(tmp_path / "data", kind="target", videos_per_class=4, size=(32, 32), frames=8)
    out = tmp_path / "shards"
    argv = ["prepare", str(root), str(out), "--short-side", "24", "--videos-per-shard", "4", "--no-progress"]
    assert cli.main([*argv, "--verify"]) == 0
    plan = read_shard_plan(out)
    assert "written" in capsys.readouterr().err and len(plan["class_names"]) == 5
    assert cli.main(argv) == 0 and "kept from an earlier run" in capsys.readouterr().err
    assert cli.main(["prepare", str(tmp_path / "nowhere"), str(out), "--no-progress"]) == 2


def test_parallel_workers_write_each_shard_once(videos, tmp_path, monkeypatch):
    threads = set()
    real_write = shards._write_one_shard

    def recording(*args, **storing):
        threads.add(threading.get_ident())
        return real_write(*args, **storing)

    monkeypatch.setattr(shards, "_write_one_shard", recording)
    report = write_shards(videos, tmp_path / "shards", short_side=16, videos_per_shard=1, workers=2, progress=False)
    assert (
        report.shards == 8
        and report.videos.total == 8
        and sorted(stored_ids(tmp_path / "shards")) == sorted(f"v{i}" for i in range(7))
    )
    assert len(os.listdir(tmp_path / "shards")) == 2 * 8 + 2  # shards, their markers, plan and report
