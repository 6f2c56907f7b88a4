"""Transfer modes: trainable/frozen layers for every family, new heads, dropout, scratch, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.models.heads import head_classes
from keras_video_zoo.training import fit, prepare_transfer, trainable_report
from tests.helpers.models import random_clips
from tests.helpers.test_case import as_numpy

FAMILIES = [
    "single_frame_tiny",
    "early_fusion_tiny",
    "late_fusion_tiny",
    "slow_fusion_tiny",
    "slow_fusion_multires_tiny",
    "spatial_stream_tiny",
    "temporal_stream_tiny",
]
TRAINED = {"top": {"predictions"}, "top3": {"fc6", "fc7", "predictions"}}


def weighted_layers(model):
    return [layer for layer in model.layers if layer.weights]


def trainable_names(model):
    return {layer.name for layer in weighted_layers(model) if layer.trainable}


@pytest.fixture(scope="module")
def models():
    return {name: create_model(name) for name in FAMILIES}


@pytest.mark.parametrize("name", FAMILIES)
@pytest.mark.parametrize("mode", ["top", "top3", "all", "scratch"])
def test_modes_train_the_expected_layers(models, name, mode):
    model = models[name]
    transferred = prepare_transfer(model, mode, num_classes=4, seed=0)
    every = {layer.name for layer in weighted_layers(transferred)}
    expected = TRAINED.get(mode, every)
    assert trainable_names(transferred) == expected
    assert transferred.output_shape == (None, 4)
    frozen_params = sum(int(np.prod(w.shape)) for w in transferred.non_trainable_weights)
    trainable_params = sum(int(np.prod(w.shape)) for w in transferred.trainable_weights)
    assert frozen_params + trainable_params == transferred.count_params()
    if mode in TRAINED:
        assert frozen_params > 0
        # every conv of every stream (fovea_/context_ in multires) is frozen
        assert all(not layer.trainable for layer in weighted_layers(transferred) if "conv" in layer.name)
    # the input model is untouched
    assert all(layer.trainable for layer in model.layers)
    assert head_classes(model) == 10


@pytest.mark.parametrize("mode", ["top", "top3", "all"])
def test_trunk_weights_are_kept_and_the_new_head_is_new(models, mode):
    model = models["slow_fusion_multires_tiny"]
    transferred = prepare_transfer(model, mode, num_classes=3, seed=0)
    for layer in weighted_layers(model):
        if layer.name == "predictions":
            assert transferred.get_layer("predictions").kernel.shape == (layer.kernel.shape[0], 3)
            continue
        for old, new in zip(layer.get_weights(), transferred.get_layer(layer.name).get_weights(), strict=True):
            np.testing.assert_array_equal(old, new)
    clips = random_clips(model)
    np.testing.assert_allclose(
        keras.Model(model.inputs, model.get_layer("fc7").output).predict(clips, verbose=0),
        keras.Model(transferred.inputs, transferred.get_layer("fc7").output).predict(clips, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )


def test_same_classes_keep_the_head_unless_asked(models):
    model = models["single_frame_tiny"]
    kept = prepare_transfer(model, "top")
    np.testing.assert_array_equal(kept.get_layer("predictions").kernel, model.get_layer("predictions").kernel)
    fresh = prepare_transfer(model, "top", num_classes=10, new_head=True, seed=3)
    assert not np.allclose(fresh.get_layer("predictions").kernel, model.get_layer("predictions").kernel)


def test_dropout_before_trained_layers(models):
    model = models["slow_fusion_tiny"]  # built with dropout 0.5
    top = prepare_transfer(model, "top", num_classes=4)
    assert top.get_layer("predictions_dropout").rate == 0.9
    assert top.get_layer("fc6_dropout").rate == 0.5  # frozen part: untouched
    top3 = prepare_transfer(model, "top3", num_classes=4, dropout=0.7)
    assert [top3.get_layer(n).rate for n in ("fc6_dropout", "fc7_dropout", "predictions_dropout")] == [0.7] * 3
    assert prepare_transfer(model, "all").get_layer("fc6_dropout").rate == 0.5
    assert prepare_transfer(model, "all", dropout=0.2).get_layer("fc7_dropout").rate == 0.2


def test_scratch_reinitialises_every_weight_reproducibly(models):
    model = models["late_fusion_tiny"]
    first = prepare_transfer(model, "scratch", seed=7)
    second = prepare_transfer(model, "scratch", seed=7)
    for old, new, again in zip(model.weights, first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(as_numpy(new), as_numpy(again))
        if np.any(as_numpy(old)):  # biases start at zero in both
            assert not np.allclose(as_numpy(old), as_numpy(new)), old.path


def test_multitask_heads():
    model = create_model("temporal_stream_multitask_tiny")
    single = prepare_transfer(model, "top", num_classes=6)
    assert single.output_shape == (None, 6)
    assert trainable_names(single) == {"predictions"}
    heads = prepare_transfer(model, "top3", num_classes={"source": 10, "other": 3})
    assert head_classes(heads) == {"source": 10, "other": 3}
    assert trainable_names(heads) == {"fc6", "fc7", "predictions_source", "predictions_other"}
    np.testing.assert_array_equal(  # an unchanged head keeps what it learnt
        heads.get_layer("predictions_source").kernel, model.get_layer("predictions_source").kernel
    )


def test_two_stream_transfers_both_streams():
    model = create_model("two_stream_tiny")
    transferred = prepare_transfer(model, "top", num_classes=4)
    assert transferred.output_shape == (None, 4)
    streams = [layer for layer in transferred.layers if isinstance(layer, keras.Model)]
    assert len(streams) == 2
    for stream in streams:
        assert trainable_names(stream) == {"predictions"}
    report = trainable_report(transferred)
    assert "spatial_stream_tiny/conv1" in report and "temporal_stream_tiny/predictions" in report


def test_trainable_report_totals(models):
    model = prepare_transfer(models["slow_fusion_multires_tiny"], "top3", num_classes=4)
    last = trainable_report(model).splitlines()[-1]
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert last == f"| total | {trainable:,} | {frozen:,} |"
    assert "fovea_conv1" in trainable_report(model)


@pytest.mark.parametrize(
    ("name", "mode"),
    [("slow_fusion_multires_tiny", "top"), ("temporal_stream_tiny", "top3"), ("early_fusion_tiny", "all")],
)
def test_short_training_changes_exactly_the_trainable_weights(models, tmp_path, name, mode):
    model = prepare_transfer(models[name], mode, num_classes=3, seed=0)
    before = {w.path: as_numpy(w).copy() for w in model.weights}
    trainable = {w.path for w in model.trainable_weights}
    clips = random_clips(model, batch=8)
    data = tf.data.Dataset.from_tensor_slices((clips, np.arange(8) % 3)).batch(4)
    recipe = "karpathy"
    fit(model, data, run_dir=tmp_path, recipe=recipe, epochs=1, classes=3, tensorboard=False, verbose=0)
    assert int(as_numpy(model.optimizer.iterations)) == 2
    for weight in model.weights:
        changed = not np.array_equal(before[weight.path], as_numpy(weight))
        assert changed == (weight.path in trainable), weight.path


def test_bad_modes_and_models(models):
    model = models["single_frame_tiny"]
    with pytest.raises(ValueError, match=r"Unknown transfer mode 'top2'.*scratch"):
        prepare_transfer(model, "top2")
    headless = create_model("single_frame_tiny", include_top=False, pooling="avg")
    with pytest.raises(ValueError, match=r"'top3' needs the layers \['fc6_dropout', 'fc6', 'fc7_dropout', 'fc7'"):
        prepare_transfer(headless, "top3", num_classes=4)
    with pytest.raises(ValueError, match=r"'top' needs the layers \['fc7', 'predictions_dropout', 'predictions'\]"):
        prepare_transfer(headless, "top")
    with pytest.raises(ValueError, match=r"new classifier needs the layers .*predictions"):
        prepare_transfer(headless, "all", num_classes=4)
    assert len(prepare_transfer(headless, "all").trainable_weights) == len(headless.weights)
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        prepare_transfer(model, "top", num_classes=0)
    with pytest.raises(ValueError, match="dropout is a drop rate"):
        prepare_transfer(model, "top", dropout=1.0)
