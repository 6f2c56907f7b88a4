"""Karpathy et al. 2014 fusion models: the paper's sizes, shapes, equivalences, errors."""

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model, early_fusion, late_fusion, single_frame, slow_fusion
from tests.helpers.models import random_clips
from tests.helpers.test_case import as_numpy

# MODELS.md: total parameters for 487 (Sports-1M) and 101 (UCF-101) classes.
PAPER_PARAMS = {
    "single_frame": (73_908_071, 72_326_629),
    "early_fusion": (74_221_703, 72_640_261),
    "late_fusion": (125_288_295, 123_706_853),
    "slow_fusion": (75_511_751, 73_930_309),
    "single_frame_multires": (129_035_495, 127_454_053),
    # Not in the paper: two slow-fusion streams (2 x 5,350,880 conv) + fc6 on 7x7x512 + fc7 + classifier.
    "slow_fusion_multires": (132_242_855, 130_661_413),
}
TINY = {"width": 0.125, "fc_units": 16, "num_classes": 4}


@pytest.mark.parametrize("name", sorted(PAPER_PARAMS))
@pytest.mark.parametrize("column,num_classes", [(0, 487), (1, 101)])
def test_paper_parameter_counts(name, column, num_classes):
    model = create_model(name, num_classes=num_classes)
    assert model.count_params() == PAPER_PARAMS[name][column]
    keras.backend.clear_session()


def test_multires_with_shared_streams_has_late_fusion_size():
    model = single_frame(resolution="multires", shared_streams=True)
    assert model.count_params() == 125_288_295
    assert not any(layer.name.startswith(("fovea_conv", "context_conv")) for layer in model.layers)


def test_paper_conv1_sizes():
    assert early_fusion().get_layer("conv1").count_params() == 348_576
    slow = slow_fusion()
    sizes = [slow.get_layer(f"conv{i}").count_params() for i in (1, 2, 3, 4, 5)]
    assert sizes == [139_488, 1_229_056, 1_769_856, 1_327_488, 884_992]


def test_slow_fusion_trunk_shapes():
    model = slow_fusion()
    shapes = {name: model.get_layer(name).output.shape[1:] for name in ("conv1", "pool1", "conv2", "pool2", "conv3")}
    assert shapes == {
        "conv1": (4, 57, 57, 96),
        "pool1": (4, 28, 28, 96),
        "conv2": (2, 28, 28, 256),
        "pool2": (2, 14, 14, 256),
        "conv3": (1, 14, 14, 384),
    }
    assert model.get_layer("pool5").output.shape[1:] == (7, 7, 256)


@pytest.mark.parametrize("factory", [single_frame, early_fusion, slow_fusion])
def test_full_resolution_trunk_ends_at_7x7x256(factory):
    model = factory()
    assert model.get_layer("pool5").output.shape[1:] == (7, 7, 256)
    assert model.get_layer("flatten").output.shape[1:] == (7 * 7 * 256,)


def test_late_fusion_concatenates_two_pool5_maps():
    model = late_fusion()
    assert model.input_shape == (None, 16, 170, 170, 3)
    assert model.get_layer("pool5").output.shape[1:] == (7, 7, 256)
    assert model.get_layer("late_fusion").output.shape[1:] == (7, 7, 512)


@pytest.mark.parametrize("factory", [single_frame, slow_fusion])
def test_multires_streams_end_at_7x7x256_each(factory):
    model = factory(resolution="multires")
    assert model.input_shape[2:] == (178, 178, 3)
    assert model.get_layer("fovea_crop").output.shape[-3:-1] == (89, 89)
    assert model.get_layer("context_resize").output.shape[-3:-1] == (89, 89)
    assert model.get_layer("fovea_conv5").output.shape[1:] == (7, 7, 256)
    assert model.get_layer("context_conv5").output.shape[1:] == (7, 7, 256)
    assert model.get_layer("fovea_context").output.shape[1:] == (7, 7, 512)


@pytest.mark.parametrize("resolution,stream", [("fovea", "fovea_"), ("context", "context_")])
def test_single_stream_models(resolution, stream):
    model = single_frame(resolution=resolution)
    assert model.get_layer(f"{stream}conv5").output.shape[1:] == (7, 7, 256)
    assert model.count_params() == PAPER_PARAMS["single_frame"][0]


def test_uint8_and_float_clips_give_the_same_scores():
    model = slow_fusion(input_shape=(10, 32, 32, 3), **TINY)
    clips = random_clips(model)
    np.testing.assert_allclose(as_numpy(model(clips)), as_numpy(model(clips.astype("float32"))), rtol=1e-6)


def test_mean_is_subtracted_inside_the_model():
    model = single_frame(input_shape=(1, 32, 32, 3), mean=117.0, **TINY)
    grey = np.full((1, 1, 32, 32, 3), 117, "uint8")
    preprocessed = keras.Model(model.input, model.get_layer("preprocess").output)(grey)
    np.testing.assert_array_equal(as_numpy(preprocessed), 0.0)


def _copy_weights(source: keras.Model, target: keras.Model, reshape=None):
    for target_layer in target.layers:
        if not target_layer.weights:
            continue
        weights = source.get_layer(target_layer.name).get_weights()
        target_layer.set_weights([reshape(target_layer.name, w) if reshape else w for w in weights])


def test_slow_fusion_with_one_frame_kernels_equals_single_frame():
    # Explicit padding + valid Conv3D must equal Conv2D 'same', including stride 3's uneven padding.
    frame = single_frame(input_shape=(1, 64, 64, 3), **TINY)
    slow = slow_fusion(input_shape=(1, 64, 64, 3), temporal_kernels=(1,), temporal_strides=(1,), **TINY)
    _copy_weights(frame, slow, reshape=lambda name, w: w.reshape(1, *w.shape) if name == "conv1" and w.ndim == 4 else w)
    clips = random_clips(frame)
    np.testing.assert_allclose(as_numpy(slow(clips)), as_numpy(frame(clips)), rtol=1e-5, atol=1e-6)


def test_early_fusion_equals_slow_fusion_with_one_clip_long_kernel():
    slow = slow_fusion(input_shape=(4, 64, 64, 3), temporal_kernels=(4,), temporal_strides=(1,), **TINY)
    early = early_fusion(input_shape=(4, 64, 64, 3), **TINY)

    def conv3d_to_stacked_conv2d(name, w):  # (t, h, w, c, f) -> (h, w, t * c, f), frame-major
        if name != "conv1" or w.ndim != 5:
            return w
        return w.transpose(1, 2, 0, 3, 4).reshape(w.shape[1], w.shape[2], -1, w.shape[-1])

    _copy_weights(slow, early, reshape=conv3d_to_stacked_conv2d)
    clips = random_clips(slow)
    np.testing.assert_allclose(as_numpy(early(clips)), as_numpy(slow(clips)), rtol=1e-4, atol=1e-5)


def test_late_fusion_runs_one_shared_tower_on_first_and_last_frame():
    late = late_fusion(input_shape=(6, 64, 64, 3), frame_distance=5, include_top=False, **TINY)
    frame = single_frame(input_shape=(1, 64, 64, 3), include_top=False, **TINY)
    frame.set_weights(late.get_weights())
    clips = random_clips(late)
    expected = np.concatenate([as_numpy(frame(clips[:, :1])), as_numpy(frame(clips[:, 5:6]))], axis=-1)
    np.testing.assert_allclose(as_numpy(late(clips)), expected, rtol=1e-5, atol=1e-5)


def test_multires_streams_see_fovea_and_context():
    model = single_frame(resolution="fovea", input_shape=(1, 64, 64, 3), **TINY)
    crop = keras.Model(model.input, model.get_layer("fovea_crop").output)
    clips = random_clips(model)
    np.testing.assert_array_equal(as_numpy(crop(clips)), clips[:, :, 16:48, 16:48].astype("float32") - 117.0)


@pytest.mark.parametrize("pooling,shape", [(None, (2, 2, 32)), ("avg", (32,)), ("max", (32,))])
def test_include_top_false_and_pooling(pooling, shape):
    model = slow_fusion(input_shape=(10, 64, 64, 3), include_top=False, pooling=pooling, **TINY)
    assert model.output_shape[1:] == shape
    assert "fc6" not in [layer.name for layer in model.layers]


def test_layer_names_follow_the_contract():
    names = {layer.name for layer in slow_fusion(input_shape=(10, 64, 64, 3), **TINY).layers}
    expected = {f"conv{i}" for i in range(1, 6)} | {"norm1", "norm2", "pool1", "pool2", "pool5"}
    assert expected | {"fc6", "fc7", "predictions", "preprocess"} <= names


def test_classifier_activation_none_gives_logits():
    model = single_frame(input_shape=(1, 64, 64, 3), classifier_activation=None, **TINY)
    scores = as_numpy(model(random_clips(model)))
    assert not np.allclose(scores.sum(axis=-1), 1.0)


def test_weights_path_loads_saved_weights(tmp_path):
    model = slow_fusion(input_shape=(10, 64, 64, 3), **TINY)
    path = tmp_path / "slow.weights.h5"
    model.save_weights(path)
    reloaded = slow_fusion(input_shape=(10, 64, 64, 3), weights=str(path), **TINY)
    clips = random_clips(model)
    np.testing.assert_array_equal(as_numpy(reloaded(clips)), as_numpy(model(clips)))


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"input_shape": (64, 64, 3)}, r"input_shape must be \(frames, height, width, channels\)"),
        ({"input_shape": (10, 0, 64, 3)}, "positive integers"),
        ({"input_shape": (10, 64, -1, 3)}, "positive integers"),
        ({"input_shape": (6, 64, 64, 3)}, "which 6 frames do not. Use 10 frames"),
        ({"input_shape": (11, 64, 64, 3)}, "which 11 frames do not"),  # frame 11 would be ignored
        ({"input_shape": (18, 64, 64, 3)}, "which 18 frames do not"),  # two steps left after conv3
        ({"input_shape": (10, 16, 16, 3)}, "too small.*at least 22x22"),
        ({"resolution": "multires", "input_shape": (10, 18, 18, 3)}, "views .* too small.*at least 10x10"),
        ({"resolution": "high"}, "resolution must be one of"),
        ({"shared_streams": True}, "shared_streams=True needs resolution='multires'"),
        ({"temporal_kernels": (4, 2), "temporal_strides": (2, 2, 2)}, "one entry per temporal conv"),
        ({"temporal_kernels": (0, 2, 2)}, "positive integers"),
        ({"width": 0}, "width is a positive multiplier"),
        ({"num_classes": 0}, "num_classes must be a positive integer"),
        ({"dropout": 1.0}, r"dropout is a drop rate in \[0, 1\)"),
        ({"pooling": "mean", "include_top": False}, "pooling must be None, 'avg' or 'max'"),
        ({"pooling": "avg"}, "pooling applies only with include_top=False"),
        ({"classifier_activation": "softmaxx"}, "softmaxx"),
        ({"fc_units": (64, 64, 64)}, "fc_units must be"),
        ({"weights": "sports1m"}, "No checkpoint is registered as 'slow_fusion.sports1m'"),
        ({"weights": "missing.weights.h5"}, "does not exist"),
    ],
)
def test_slow_fusion_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        slow_fusion(**{"input_shape": (10, 64, 64, 3), **TINY, **kwargs})


def test_slow_fusion_suggests_frames_for_custom_temporal_kernels():
    with pytest.raises(ValueError, match="which 5 frames do not. Use 4 frames"):
        slow_fusion(input_shape=(5, 64, 64, 3), temporal_kernels=(2, 2), temporal_strides=(2, 1), **TINY)
    model = slow_fusion(input_shape=(4, 64, 64, 3), temporal_kernels=(2, 2), temporal_strides=(2, 1), **TINY)
    assert model.get_layer("conv2").output.shape[1] == 1


def test_too_few_frames_for_early_and_late_fusion():
    with pytest.raises(ValueError, match="early_fusion needs at least 2 frames"):
        early_fusion(input_shape=(1, 64, 64, 3), **TINY)
    with pytest.raises(ValueError, match="input_shape\\[0\\] must be 16; got 10. Pass frame_distance=9"):
        late_fusion(input_shape=(10, 64, 64, 3), **TINY)
    with pytest.raises(ValueError, match="late_fusion needs two frames"):
        late_fusion(input_shape=(1, 64, 64, 3), **TINY)
    with pytest.raises(ValueError, match="single_frame classifies one frame"):
        single_frame(input_shape=(10, 64, 64, 3), **TINY)


def test_weights_that_do_not_fit_are_refused(tmp_path):
    path = tmp_path / "ten.weights.h5"
    slow_fusion(input_shape=(10, 64, 64, 3), **TINY).save_weights(path)
    with pytest.raises(ValueError, match="does not fit model"):
        slow_fusion(input_shape=(10, 64, 64, 3), weights=str(path), **{**TINY, "num_classes": 7})


def test_wrong_clip_shape_at_call_time_names_the_expected_shape():
    # The same words on every backend (make test-backends): ClipShapeCheck where JAX skips Keras' own check.
    model = slow_fusion(input_shape=(10, 64, 64, 3), **TINY)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 10, 64, 64, 3\), found shape=\(1, 8, 64, 64, 3\)"):
        model.predict(np.zeros((1, 8, 64, 64, 3), "uint8"), verbose=0)
    # A new model: after one failed predict, Keras 3.15's JAX trainer keeps a broken predict function.
    model = slow_fusion(input_shape=(10, 64, 64, 3), **TINY)
    with pytest.raises(ValueError, match=r"Expected shape \(None, 10, 64, 64, 3\), but input has incompatible shape"):
        model.predict(np.zeros((1, 10, 64, 64), "uint8"), verbose=0)  # a frame's channel axis missing


def test_pixel_scale_multiplies_the_mean_subtracted_pixels_and_tiny_variants_start_unsaturated():
    clip = np.random.default_rng(0).integers(0, 256, (4, 1, 64, 64, 3)).astype("float32")
    raw = single_frame(input_shape=(1, 64, 64, 3), width=0.125, fc_units=64, num_classes=10)
    scaled = single_frame(input_shape=(1, 64, 64, 3), width=0.125, fc_units=64, num_classes=10, pixel_scale=0.5)
    preprocess = [keras.Model(m.input, m.get_layer("preprocess").output) for m in (raw, scaled)]
    np.testing.assert_allclose(preprocess[1](clip), 0.5 * preprocess[0](clip), rtol=1e-6, atol=1e-4)
    # The tiny variants (pixel_scale 1/64) start with moderate logits: no class gets (nearly) all the probability.
    tiny = create_model("slow_fusion_tiny")
    assert tiny.get_layer("preprocess").get_config()["scale"] == pytest.approx(1 / 64)
    scores = tiny.predict_on_batch(np.random.default_rng(1).integers(0, 256, (4, 10, 64, 64, 3)).astype("uint8"))
    assert scores.max() < 0.3  # measured: ~0.12 at 1/64, 0.72-0.85 with raw pixels (pixel_scale=1)
    with pytest.raises(ValueError, match="pixel_scale multiplies the mean-subtracted pixels and must be > 0"):
        single_frame(input_shape=(1, 64, 64, 3), width=0.125, pixel_scale=0)
