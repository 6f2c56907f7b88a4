"""Flow clip sources through the one pair of pipelines: stacks, modes, sizes, short and missing videos."""

import json

import numpy as np
import pytest

from keras_video_zoo.data.pipelines import evaluation_dataset, training_dataset
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sampling import TrainingClips, TwoStreamProtocol, UniformClipsProtocol
from keras_video_zoo.flow.quantisation import quantize_flow
from keras_video_zoo.flow.sources import FlowFolders
from keras_video_zoo.flow.stacking import evenly_spaced_taus, trajectory_stack
from keras_video_zoo.flow.storage import FlowFolder, write_flow_folder


def constant_fields(count, size=(20, 24), sign=1.0):
    """Field k moves everything by (sign * (k/2 - 3), 2 - k/4): each field is identifiable by its value."""
    values = np.stack([sign * (np.arange(count) / 2 - 3), 2 - np.arange(count) / 4], -1)
    return np.broadcast_to(values[:, None, None, :], (count, *size, 2)).astype(np.float32)


def smooth_fields(count, size=(20, 24), seed=0):
    slopes = np.random.default_rng(seed).uniform(-1, 1, (count, 1, 1, 2, 2))
    ys, xs = np.mgrid[0 : size[0], 0 : size[1]] / max(size) * 4
    return (slopes[..., 0] * xs[None, ..., None] + slopes[..., 1] * ys[None, ..., None]).astype(np.float32)


def dataset(ids):
    return VideoDataset([VideoRecord(f"{i}.avi", (n % 2,), i) for n, i in enumerate(ids)], ["a", "b"])


def stacks(source, clips: int = 1):
    """Every evaluation stack of a source (its centred squares), with video indices."""
    pairs = [(c.numpy(), v.numpy()) for c, v in evaluation_dataset(source, UniformClipsProtocol(clips, frames=1))]
    return np.concatenate([c for c, _ in pairs]), np.concatenate([v for _, v in pairs])


def test_training_stacks_are_consecutive_fields_at_random_positions_with_labels(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(9), algorithm="dis")
    codes = quantize_flow(constant_fields(9)[:, 0, 0], 20)  # (9, 2): each field's code
    source = FlowFolders(dataset(["v0"]), tmp_path, fields=4)
    assert source.clip_shape(4) == (4, 20, 20, 2)  # the centred square of the stored 20 x 24 flow
    starts = set()
    for seed in range(12):
        flow, label = next(iter(training_dataset(source, TrainingClips(frames=4), batch_size=1, seed=seed)))
        stack = flow.numpy()[0]
        assert stack.shape == (4, 20, 20, 2) and flow.dtype.name == "uint8" and label.numpy().tolist() == [0]
        assert (stack == stack[:, :1, :1]).all()  # one value per field and component
        tau = int(np.flatnonzero(codes[:, 1] == stack[0, 0, 0, 1])[0])
        np.testing.assert_array_equal(stack[:, 0, 0], codes[tau : tau + 4])  # no flip here: the device's job
        starts.add(tau)
    assert len(starts) > 2 and max(starts) <= 5


def test_evaluation_stacks_are_evenly_spaced_centred_squares_of_each_video(tmp_path):
    fields = smooth_fields(12)
    write_flow_folder(tmp_path / "v0", fields, algorithm="dis")
    write_flow_folder(tmp_path / "v1", fields[:6], algorithm="dis")
    source = FlowFolders(dataset(["v0", "v1"]), tmp_path, fields=5)
    clips, videos = stacks(source, clips=3)
    assert clips.shape == (6, 5, 20, 20, 2) and videos.tolist() == [0, 0, 0, 1, 1, 1]
    assert evenly_spaced_taus("forward", 5, 12, 3).tolist() == [0, 4, 7]
    expected = FlowFolder(tmp_path / "v0").read(list(range(4, 9)))[:, :, 2:22]  # the second stack, centred
    assert np.abs(clips[1].astype(int) - expected).max() <= 1  # OpenCV vs TF JPEG decoders


def test_bidirectional_reads_forward_then_backward_fields(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(8), constant_fields(8, sign=-1.0), algorithm="dis")
    source = FlowFolders(dataset(["v0"]), tmp_path, fields=4, mode="bidirectional", output="float")
    clips, _ = stacks(source, clips=2)  # taus 2 and 6
    forward, backward = constant_fields(8)[:, 0, 0], constant_fields(8, sign=-1.0)[:, 0, 0]
    expected = np.stack([forward[2], forward[3], backward[1], backward[0]])
    np.testing.assert_allclose(clips[0, :, 0, 0], expected, atol=20 / 255 + 1e-5)


def test_trajectory_mode_samples_along_the_paths(tmp_path):
    fields = smooth_fields(6, seed=3)
    write_flow_folder(tmp_path / "v0", fields, algorithm="dis", jpeg_quality=100)
    clips, _ = stacks(FlowFolders(dataset(["v0"]), tmp_path, fields=3, mode="trajectory", output="float"))
    expected = trajectory_stack(FlowFolder(tmp_path / "v0").read_pixels([0, 1, 2])).numpy()[:, :, 2:22]
    np.testing.assert_allclose(clips[0], expected, atol=0.2)


def test_mean_subtraction_and_float_output(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6), algorithm="dis")
    source = FlowFolders(dataset(["v0"]), tmp_path, fields=3, mean_subtraction=True, output="float")
    clips, _ = stacks(source)
    assert clips.dtype == np.float32 and np.abs(clips).max() < 1e-4


def test_resizing_to_a_side_scales_the_displacements(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6, size=(40, 48)), algorithm="dis")
    full, _ = stacks(FlowFolders(dataset(["v0"]), tmp_path, fields=3, output="float"))
    half, _ = stacks(FlowFolders(dataset(["v0"]), tmp_path, fields=3, output="float", side=20))
    assert half.shape == (1, 3, 20, 20, 2)
    np.testing.assert_allclose(half.mean(axis=(2, 3)), full.mean(axis=(2, 3)) / 2, atol=1e-4)


def test_flow_of_several_sizes_needs_a_side(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6), algorithm="dis")
    write_flow_folder(tmp_path / "v1", constant_fields(6, size=(30, 40)), algorithm="dis")
    with pytest.raises(ValueError, match="comes in 2 sizes .* pass side=S"):
        FlowFolders(dataset(["v0", "v1"]), tmp_path, fields=3)
    assert FlowFolders(dataset(["v0", "v1"]), tmp_path, fields=3, side=16).clip_shape(3) == (3, 16, 16, 2)


def test_short_and_missing_videos_are_skipped_and_reported_with_their_reasons(tmp_path):
    write_flow_folder(tmp_path / "long", constant_fields(10), algorithm="dis")
    write_flow_folder(tmp_path / "short", constant_fields(4), algorithm="dis")
    (tmp_path / "flow_report.json").write_text(json.dumps({"skipped": {"broken.avi": "empty file (0 bytes)."}}))
    source = FlowFolders(dataset(["long", "short", "gone", "broken"]), tmp_path, fields=10)
    assert [record.video_id for record in source.dataset] == ["long"]
    assert source.report.skip_reasons() == {
        "short.avi": "5 frames: too short for a stack of 10 flow fields",
        "gone.avi": f"no flow: no flow folder {tmp_path / 'gone'} (run kvz flow)",
        "broken.avi": "no flow: empty file (0 bytes).",
    }
    assert next(iter(training_dataset(source, TrainingClips(frames=10))))[0].shape == (1, 10, 20, 20, 2)
    with pytest.raises(ValueError, match="no video of .* has flow for a stack of 12 fields"):
        FlowFolders(dataset(["long", "short"]), tmp_path, fields=12)


def test_a_damaged_videos_flow_is_reported_as_damaged(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6), algorithm="dis")
    manifest = json.loads((tmp_path / "v0" / "manifest.json").read_text())
    manifest["extra"] = {"damage": "5 of the 9 frames its container reports decode"}
    (tmp_path / "v0" / "manifest.json").write_text(json.dumps(manifest))
    source = FlowFolders(dataset(["v0"]), tmp_path, fields=3)
    assert source.report.to_dict()["damaged"] == {"v0.avi": "5 of the 9 frames its container reports decode"}


def test_sources_check_bound_and_backward_flow(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(10), algorithm="dis", bound=15)
    with pytest.raises(ValueError, match="B=15 .manifest. but B=20"):
        FlowFolders(dataset(["v0"]), tmp_path, fields=4, bound=20)
    with pytest.raises(ValueError, match="no backward flow.*kvz flow --backward"):
        FlowFolders(dataset(["v0"]), tmp_path, fields=4, mode="bidirectional")


def test_flow_sources_feed_the_temporal_stream_for_training_and_the_25_by_10_test(tmp_path):
    from keras_video_zoo import create_model
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow
    from keras_video_zoo.models.clip_wrappers import with_augmentation

    for n in range(2):
        write_flow_folder(tmp_path / f"v{n}", smooth_fields(12, size=(72, 80), seed=n), algorithm="dis")
    model = create_model("temporal_stream_tiny", num_classes=2)  # (10, 64, 64, 2) uint8 fields, B = 20
    trainer = with_augmentation(model, flow="uint8", resize=None, seed=0)
    trainer.compile("sgd", "sparse_categorical_crossentropy")
    train = training_dataset(FlowFolders(dataset(["v0", "v1"]), tmp_path, fields=10), batch_size=2)
    history = trainer.fit(train, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])
    results = evaluate_on_flow(model, dataset(["v0", "v1"]), tmp_path, TwoStreamProtocol(2), progress=False)
    assert results["num_videos"] == 2 and results["num_views"] == 2 * 2  # 2 stacks a video, 10 crops averaged each
    np.testing.assert_allclose(np.sum(results["video_scores"], axis=1), 1.0, atol=1e-5)


def test_evaluation_defaults_to_the_stacking_and_protocol_the_model_records(tmp_path, monkeypatch):
    from keras_video_zoo import create_model
    from keras_video_zoo.evaluation import video_evaluation

    for n in range(2):
        write_flow_folder(tmp_path / f"v{n}", smooth_fields(16, size=(72, 80), seed=n), algorithm="dis")
    model = create_model("temporal_stream_tiny", num_classes=2, stacking="trajectory")
    modes = []

    def recording(*args, **kwargs):  # the source the evaluation reads, and the stacking it asks for
        modes.append(kwargs["mode"])
        return FlowFolders(*args, **kwargs)

    monkeypatch.setattr(video_evaluation, "FlowFolders", recording)
    protocol = TwoStreamProtocol(frames=10, clips=2)
    results = video_evaluation.evaluate_on_flow(model, dataset(["v0", "v1"]), tmp_path, protocol, progress=False)
    video_evaluation.evaluate_on_flow(model, dataset(["v0"]), tmp_path, protocol, mode="forward", progress=False)
    assert modes == ["trajectory", "forward"] and results["num_videos"] == 2

    source = FlowFolders(dataset(["v0", "v1"]), tmp_path, fields=10, mode="trajectory")
    default = video_evaluation.evaluate_on_source(model, source, progress=False)
    assert default["protocol"]["name"] == TwoStreamProtocol(frames=10).to_dict()["name"]  # 25 stacks x 10 crops
