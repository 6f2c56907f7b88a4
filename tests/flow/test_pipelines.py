"""tf.data flow pipelines: stacks, crops, flips, modes, short videos."""

import numpy as np
import pytest

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.flow.pipelines import ShortFlowVideoWarning, flow_test_dataset, flow_training_dataset
from keras_video_zoo.flow.quantisation import quantize_flow
from keras_video_zoo.flow.stacking import evenly_spaced_taus, trajectory_stack
from keras_video_zoo.flow.storage import FlowFolder, write_flow_folder
from keras_video_zoo.views import TEN_CROPS


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


def test_training_stacks_are_consecutive_fields_cropped_alike_and_flipped_with_x_negated(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(9), algorithm="dis")
    codes = quantize_flow(constant_fields(9)[:, 0, 0], 20)  # (9, 2): each field's code
    data = flow_training_dataset(dataset(["v0"]), tmp_path, fields=4, crop_size=16, batch_size=1, seed=1)
    flips = set()
    for _ in range(12):
        flow, label = next(iter(data))
        stack = flow.numpy()[0]
        assert stack.shape == (4, 16, 16, 2) and flow.dtype.name == "uint8" and label.numpy().tolist() == [0]
        assert (stack == stack[:, :1, :1]).all()  # one value per field and component: the same crop everywhere
        y_codes = stack[:, 0, 0, 1]
        tau = int(np.flatnonzero(codes[:, 1] == y_codes[0])[0])
        np.testing.assert_array_equal(y_codes, codes[tau : tau + 4, 1])  # y never changes
        flipped = bool(stack[0, 0, 0, 0] != codes[tau, 0])
        expected_x = 255 - codes[tau : tau + 4, 0] if flipped else codes[tau : tau + 4, 0]
        np.testing.assert_array_equal(stack[:, 0, 0, 0], expected_x)  # every x negated, or none
        flips.add(flipped)
    assert flips == {True, False}


def test_test_protocol_crops_every_field_alike_and_flipped_views_negate_x(tmp_path):
    fields = smooth_fields(12)
    write_flow_folder(tmp_path / "v0", fields, algorithm="dis")
    write_flow_folder(tmp_path / "v1", fields[:6], algorithm="dis")
    data = flow_test_dataset(dataset(["v0", "v1"]), tmp_path, fields=5, samples=3, crop_size=16)
    rows = list(data)
    assert [int(index) for _, _, index in rows] == [0, 0, 0, 1, 1, 1]
    views, label, _ = rows[1]
    assert views.shape == (10, 5, 16, 16, 2) and int(label) == 0
    assert evenly_spaced_taus("forward", 5, 12, 3).tolist() == [0, 4, 7]
    expected = FlowFolder(tmp_path / "v0").read(list(range(4, 9)))  # the second stack: fields 4..8
    for number, view in enumerate(TEN_CROPS[:5]):
        top, left = round(view.y * 4), round(view.x * 8)
        crop = expected[:, top : top + 16, left : left + 16]
        assert np.abs(views[number].numpy().astype(int) - crop).max() <= 1  # OpenCV vs TF JPEG decoders
        mirrored = views[number + 5].numpy()  # the same crop, mirrored: x -> 255 - x, y kept
        np.testing.assert_array_equal(mirrored[..., ::-1, 0], 255 - views[number].numpy()[..., 0])
        np.testing.assert_array_equal(mirrored[..., ::-1, 1], views[number].numpy()[..., 1])


def test_bidirectional_reads_forward_then_backward_fields(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(8), constant_fields(8, sign=-1.0), algorithm="dis")
    data = flow_test_dataset(
        dataset(["v0"]),
        tmp_path,
        fields=4,
        mode="bidirectional",
        samples=2,
        crop_size=8,
        views=TEN_CROPS[:1],
        output="float",
    )
    stacks = [views.numpy()[0, :, 0, 0] for views, _, _ in data]  # taus 2 and 6
    forward, backward = constant_fields(8)[:, 0, 0], constant_fields(8, sign=-1.0)[:, 0, 0]
    expected = np.stack([forward[2], forward[3], backward[1], backward[0]])
    np.testing.assert_allclose(stacks[0], expected, atol=20 / 255 + 1e-5)


def test_trajectory_mode_samples_along_the_paths(tmp_path):
    fields = smooth_fields(6, seed=3)
    write_flow_folder(tmp_path / "v0", fields, algorithm="dis", jpeg_quality=100)
    data = flow_test_dataset(
        dataset(["v0"]),
        tmp_path,
        fields=3,
        mode="trajectory",
        samples=1,
        crop_size=20,
        views=TEN_CROPS[:1],
        output="float",
    )
    views, _, _ = next(iter(data))
    expected = trajectory_stack(FlowFolder(tmp_path / "v0").read_pixels([0, 1, 2])).numpy()[:, :, :20]
    np.testing.assert_allclose(views.numpy()[0], expected, atol=0.2)


def test_mean_subtraction_and_float_output(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6), algorithm="dis")
    data = flow_test_dataset(
        dataset(["v0"]),
        tmp_path,
        fields=3,
        samples=1,
        crop_size=8,
        views=TEN_CROPS[:1],
        mean_subtraction=True,
        output="float",
    )
    views, _, _ = next(iter(data))
    assert views.dtype.name == "float32" and np.abs(views.numpy()).max() < 1e-4


def test_short_videos_raise_or_are_skipped_with_a_warning(tmp_path):
    write_flow_folder(tmp_path / "long", constant_fields(10), algorithm="dis")
    write_flow_folder(tmp_path / "short", constant_fields(4), algorithm="dis")
    with pytest.raises(ValueError, match="1 of 2 videos are shorter than the 11 frames .* short .5 frames."):
        flow_training_dataset(dataset(["long", "short"]), tmp_path, fields=10, crop_size=8)
    with pytest.warns(ShortFlowVideoWarning, match="Left out 1 videos shorter than 11 frames: short"):
        data = flow_training_dataset(dataset(["long", "short"]), tmp_path, fields=10, crop_size=8, short_videos="skip")
    assert next(iter(data))[0].shape == (1, 10, 8, 8, 2)


def test_pipeline_checks_bound_and_backward_flow(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(10), algorithm="dis", bound=15)
    with pytest.raises(ValueError, match="B=15 .manifest. but B=20"):
        flow_training_dataset(dataset(["v0"]), tmp_path, fields=4, crop_size=8, bound=20)
    with pytest.raises(ValueError, match="no backward flow.*kvz flow --backward"):
        flow_training_dataset(dataset(["v0"]), tmp_path, fields=4, crop_size=8, mode="bidirectional")


def test_pipelines_feed_the_temporal_stream(tmp_path):
    from keras_video_zoo import create_model
    from keras_video_zoo.flow.pipelines import flow_video_scores

    for n in range(2):
        write_flow_folder(tmp_path / f"v{n}", smooth_fields(12, size=(72, 80), seed=n), algorithm="dis")
    model = create_model("temporal_stream_tiny", num_classes=2)  # (10, 64, 64, 2) uint8 fields, B = 20
    model.compile("sgd", "sparse_categorical_crossentropy")
    train = flow_training_dataset(dataset(["v0", "v1"]), tmp_path, fields=10, crop_size=64, batch_size=2)
    history = model.fit(train, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["loss"][0])
    test = flow_test_dataset(dataset(["v0", "v1"]), tmp_path, fields=10, samples=2, crop_size=64)
    scores, labels, videos = flow_video_scores(model, test)
    assert scores.shape == (2, 2) and labels.tolist() == [0, 1] and videos.tolist() == [0, 1]
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)


def test_a_crop_larger_than_the_flow_is_refused(tmp_path):
    write_flow_folder(tmp_path / "v0", constant_fields(6), algorithm="dis")
    with pytest.raises(ValueError, match="a 32x32 crop does not fit the flow of 1 videos: \\['v0 20x24'\\]"):
        flow_test_dataset(dataset(["v0"]), tmp_path, fields=3, crop_size=32)
