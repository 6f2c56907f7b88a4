"""tf.data pipelines from encoded videos: clips, labels, determinism, skipped videos, evaluation protocols."""

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.pipelines import evaluation_dataset, training_dataset
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import KarpathyProtocol, TrainingClips, UniformClipsProtocol
from keras_video_zoo.data.sources import VideoFiles
from keras_video_zoo.data.video_io import count_frames, read_clips
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_augmentation
from tests.helpers.frame_coded_videos import frame_numbers, video_numbers, write_video


@pytest.fixture
def videos(tmp_path) -> VideoDataset:
    records = [
        VideoRecord(write_video(tmp_path / f"v{i}.avi", frames=20 + 3 * i, video=i), (i % 3,), f"v{i}")
        for i in range(6)
    ]
    return VideoDataset(records, ["a", "b", "c"], name="toy")


SIDE = 32  # the test videos are 32 x 40: their centred square needs no resizing


def files(dataset: VideoDataset, side: int = SIDE) -> VideoFiles:
    return VideoFiles(dataset, FrameGeometry.square_of(side))


def collect(dataset):
    clips, labels = zip(*[(c.numpy(), y.numpy()) for c, y in dataset], strict=True)
    return np.concatenate(clips), np.concatenate(labels)


def test_training_batches_are_uint8_clips_of_consecutive_strided_frames_with_labels(videos):
    sampler = TrainingClips(frames=4, stride=2, clips_per_video=3)
    batches = list(training_dataset(files(videos), sampler, batch_size=5, seed=0))
    assert [tuple(c.shape) for c, _ in batches[:1]] == [(5, 4, 32, 32, 3)] and batches[0][0].dtype == "uint8"
    clips, labels = collect(batches)
    assert len(clips) == 18  # every video once per epoch, 3 clips each
    which = video_numbers(clips)
    assert np.bincount(which).tolist() == [3] * 6
    np.testing.assert_array_equal(labels, [videos[v].label for v in which])
    frames = frame_numbers(clips)
    assert (np.diff(frames, axis=1) == 2).all()
    assert (frames[:, -1] < np.array([20 + 3 * v for v in which])).all()
    assert labels.dtype == np.int32


def test_several_clips_of_a_video_are_interleaved_with_other_videos(videos):
    sampler = TrainingClips(frames=2, clips_per_video=3)
    clips, _ = collect(
        training_dataset(files(videos), sampler, batch_size=6, seed=0, shuffle=False, deterministic=True)
    )
    first_batch = video_numbers(clips[:6])
    assert len(set(first_batch.tolist())) >= 2


def test_deterministic_mode_repeats_exactly_and_epochs_differ(videos):
    def run(seed):
        dataset = training_dataset(files(videos), TrainingClips(frames=3), batch_size=4, seed=seed, deterministic=True)
        return collect(dataset), collect(dataset)  # two epochs of one dataset

    (epoch1, epoch2), (again1, again2) = run(7), run(7)
    for ours, theirs in ((epoch1, again1), (epoch2, again2)):
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])
    assert not np.array_equal(epoch1[0], epoch2[0])
    assert not np.array_equal(epoch1[0], run(8)[0][0])


def test_unreadable_videos_are_skipped_counted_and_named_with_their_own_reason(videos, tmp_path):
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    empty = tmp_path / "empty.avi"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    bad = [VideoRecord(str(path), (0,), path.stem) for path in (corrupt, empty, text, tmp_path / "missing.avi")]
    source = files(VideoDataset([*bad[:2], *videos.records, *bad[2:]], videos.class_names))
    clips, _ = collect(training_dataset(source, TrainingClips(frames=2), batch_size=4, seed=0))
    assert len(clips) == 6 and sorted(video_numbers(clips)) == list(range(6))
    reasons = source.report.skip_reasons()
    assert set(reasons) == {record.path for record in bad}
    assert reasons[str(empty)] == "empty file (0 bytes)."
    assert reasons[str(text)].startswith("not a video: a text file")
    assert reasons[str(tmp_path / "missing.avi")] == "no such file."
    assert "unknown" in reasons[str(corrupt)] or "not a video" in reasons[str(corrupt)]
    summary = source.report.summary("trained on")
    assert summary.startswith("trained on 6 of 10 videos; 4 skipped (") and "and 1 more" in summary


def test_a_video_shorter_than_its_reported_length_is_resampled(tmp_path):
    path = tmp_path / "truncated.avi"
    write_video(path, 30, noise=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    decoded = count_frames(path)
    assert decoded < 30
    counts = {}
    clips, video = read_clips(
        str(path),
        lambda n: TrainingClips(frames=3, clips_per_video=20).sample(n, np.random.default_rng(0)),
        frame_counts=counts,
    )
    assert clips.shape[:2] == (20, 3)
    assert frame_numbers(clips).max() < decoded
    assert counts == {str(path): decoded}  # later epochs sample within what decodes straight away


def test_a_video_shorter_than_a_clip_repeats_its_last_frame(tmp_path):
    dataset = VideoDataset([VideoRecord(write_video(tmp_path / "short.avi", 3), (0,), "short")], ["a"])
    source = files(dataset)
    clips, _ = collect(training_dataset(source, TrainingClips(frames=5), batch_size=1, seed=0))
    assert frame_numbers(clips).tolist() == [[0, 1, 2, 2, 2]]
    assert source.report.summary() == "used 1 of 1 videos; 1 shorter than a clip (used as the protocol allows)"


def test_multi_label_videos_get_multi_hot_labels(tmp_path):
    records = [
        VideoRecord(write_video(tmp_path / "x.avi", 10), (0, 2), "x"),
        VideoRecord(write_video(tmp_path / "y.avi", 10, video=1), (1,), "y"),
    ]
    dataset = VideoDataset(records, ["a", "b", "c"])
    clips, labels = collect(training_dataset(files(dataset), TrainingClips(frames=2), batch_size=2, shuffle=False))
    expected = {0: [1, 0, 1], 1: [0, 1, 0]}
    assert labels.dtype == np.float32
    assert [labels[i].tolist() for i in range(2)] == [expected[v] for v in video_numbers(clips)]
    with pytest.raises(ValueError, match="multi-label videos; use multi_hot=True"):
        training_dataset(files(dataset), multi_hot=False)


def test_videos_of_every_size_and_orientation_ship_as_one_square(tmp_path):
    records = [
        VideoRecord(write_video(tmp_path / "small.avi", 8, size=(32, 48)), (0,), "small"),
        VideoRecord(write_video(tmp_path / "wide.avi", 8, video=1, size=(48, 96)), (0,), "wide"),
        VideoRecord(write_video(tmp_path / "portrait.avi", 8, video=2, size=(96, 48)), (0,), "portrait"),
    ]
    clips, _ = collect(
        training_dataset(VideoDataset(records, ["a"]), TrainingClips(frames=2), batch_size=3, frame_size=24)
    )
    assert clips.shape == (3, 2, 24, 24, 3)


def test_a_dataset_without_a_frame_size_or_a_non_square_size_is_a_clear_error(videos):
    with pytest.raises(ValueError, match="needs frame_size"):
        training_dataset(videos)
    with pytest.raises(ValueError, match="frame_size is one side"):
        training_dataset(videos, frame_size=(24, 32))
    with pytest.raises(ValueError, match="give a fixed geometry"):
        VideoFiles(videos, FrameGeometry(short_side=32))


def test_an_empty_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="has no videos"):
        training_dataset(VideoDataset([], ["a"], name="empty"), frame_size=SIDE)


def test_evaluation_yields_each_videos_protocol_clips_with_its_index(videos, tmp_path):
    protocol = UniformClipsProtocol(3, frames=4)
    broken = VideoRecord(str(tmp_path / "missing.avi"), (0,), "missing")
    source = files(VideoDataset([videos[0], broken, *videos.records[1:]], videos.class_names))
    pairs = [(c.numpy(), v.numpy()) for c, v in evaluation_dataset(source, protocol, batch_size=4)]
    clips = np.concatenate([c for c, _ in pairs])
    indices = np.concatenate([v for _, v in pairs])
    assert indices.tolist() == [i for i in (0, 2, 3, 4, 5, 6) for _ in range(3)]  # video 1 is unreadable
    for index, original in ((0, 0), (2, 1), (6, 5)):  # original video i has 20 + 3 i frames
        ours = frame_numbers(clips[indices == index])
        np.testing.assert_array_equal(ours, protocol.sample(20 + 3 * original, index))
    assert source.report.skip_reasons() == {broken.path: "no such file."}


def test_karpathy_evaluation_is_the_same_on_every_run(videos):
    protocol = KarpathyProtocol(clips=4, frames=3)

    def run():
        return np.concatenate([c.numpy() for c, _ in evaluation_dataset(files(videos), protocol, batch_size=8)])

    np.testing.assert_array_equal(run(), run())


def test_pipeline_feeds_an_augmented_model_for_training(videos):
    model = create_model("slow_fusion_tiny", num_classes=3)
    wrapped = with_augmentation(model, seed=0)
    wrapped.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    history = wrapped.fit(
        training_dataset(videos, TrainingClips(frames=10), batch_size=3, frame_size=pipeline_size(model), seed=0),
        shuffle=False,
        verbose=0,
    )
    assert np.isfinite(history.history["loss"][0])
