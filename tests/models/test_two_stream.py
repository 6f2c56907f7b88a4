"""Simonyan & Zisserman 2014 two-stream models: sizes, flow input, multi-task, fusion."""

import keras
import numpy as np
import pytest
from sklearn.preprocessing import normalize

from keras_video_zoo import create_model, spatial_stream, temporal_stream, two_stream
from keras_video_zoo.evaluation import fit_svm_fusion, stream_scores
from keras_video_zoo.models.cross_modality import cross_modality_init
from keras_video_zoo.training import IGNORE_LABEL, multitask_labels, multitask_losses
from tests.helpers.models import random_clips
from tests.helpers.test_case import as_numpy

TINY = {"width": 0.125, "fc_units": (32, 16), "num_classes": 4}
TINY_FLOW = (10, 64, 64, 2)


def test_paper_parameter_counts():
    assert spatial_stream().count_params() == 90_627_813
    assert temporal_stream().count_params() == 90_707_781
    assert temporal_stream(num_classes={"ucf101": 101, "hmdb51": 51}).count_params() == 90_812_280
    assert spatial_stream(num_classes=1000).count_params() == 92_469_864
    keras.backend.clear_session()


def test_very_deep_parameter_counts():  # MODELS.md, "Very deep two-stream: the VGG-16 trunk"
    assert spatial_stream(trunk="vgg16").count_params() == 134_674_341
    assert temporal_stream(trunk="vgg16").count_params() == 134_684_133
    assert spatial_stream(trunk="vgg16", num_classes=1000, dropout=0.5).count_params() == 138_357_544
    model = temporal_stream(trunk="vgg16", input_shape=(10, 64, 64, 2), width=0.125, fc_units=16, num_classes=3)
    assert [model.get_layer(f"pool{i}").output.shape[1] for i in range(1, 6)] == [32, 16, 8, 4, 2]
    keras.backend.clear_session()


def test_flow_mean_subtracts_from_the_stored_values_without_rescaling(rng):
    model = temporal_stream(input_shape=(2, 64, 64, 2), mean_flow_subtraction=False, flow_mean=[1.0, 2.0, 3.0, 4.0],
                            **TINY)  # fmt: skip
    flow = rng.integers(0, 256, (1, 2, 64, 64, 2), dtype=np.uint8)
    stacked = as_numpy(_up_to(model, "subtract_flow_mean")(flow))
    expected = flow.astype("float32").transpose(0, 2, 3, 1, 4).reshape(1, 64, 64, 4) - np.array([1, 2, 3, 4])
    np.testing.assert_allclose(stacked, expected)
    assert "dequantize" not in [layer.name for layer in model.layers]
    with pytest.raises(ValueError, match="one per stacked channel"):
        temporal_stream(input_shape=(2, 64, 64, 2), flow_mean=[1.0, 2.0], **TINY)


@pytest.mark.parametrize("factory", [spatial_stream, temporal_stream])
def test_trunk_shapes(factory):
    model = factory(num_classes=101)
    sizes = [model.get_layer(name).output.shape[1] for name in ("conv1", "pool1", "conv2", "pool2", "pool5")]
    assert sizes == [109, 54, 26, 13, 6]
    assert model.get_layer("pool5").output.shape[1:] == (6, 6, 512)
    assert model.get_layer("fc7").output.shape[1:] == (2048,)


def test_only_the_spatial_stream_has_norm2():
    assert "norm2" in [layer.name for layer in spatial_stream(input_shape=(1, 64, 64, 3), **TINY).layers]
    assert "norm2" not in [layer.name for layer in temporal_stream(input_shape=TINY_FLOW, **TINY).layers]


def test_paper_dropout_defaults():
    assert spatial_stream(input_shape=(1, 64, 64, 3), **TINY).get_layer("fc6_dropout").rate == 0.5
    assert temporal_stream(input_shape=TINY_FLOW, **TINY).get_layer("fc6_dropout").rate == 0.9


def _up_to(model, layer_name):
    return keras.Model(model.input, model.get_layer(layer_name).output)


def test_flow_is_dequantised_and_stacked_x1_y1_x2_y2(rng):
    model = temporal_stream(input_shape=(3, 64, 64, 2), mean_flow_subtraction=False, **TINY)
    flow = rng.integers(0, 256, (1, 3, 64, 64, 2), dtype=np.uint8)
    stacked = as_numpy(_up_to(model, "stack_flow")(flow))
    pixels = flow.astype("float32") * 40.0 / 255.0 - 20.0  # DATA.md: v = q * 2B / 255 - B, B = 20
    for t in range(3):
        np.testing.assert_allclose(stacked[..., 2 * t], pixels[:, t, ..., 0], atol=1e-5)  # x_t
        np.testing.assert_allclose(stacked[..., 2 * t + 1], pixels[:, t, ..., 1], atol=1e-5)  # y_t
    extremes = np.zeros((1, 3, 64, 64, 2), "uint8")
    extremes[:, :, :, 1] = 255
    dequantised = as_numpy(_up_to(model, "dequantize")(extremes))
    np.testing.assert_allclose(dequantised[0, 0, 0, :2, 0], [-20.0, 20.0], atol=1e-5)


def test_mean_flow_subtraction_removes_each_fields_mean(rng):
    model = temporal_stream(input_shape=(2, 64, 64, 2), flow_bound=None, **TINY)
    flow = rng.normal(size=(1, 2, 64, 64, 2)).astype("float32") + np.array([5.0, -3.0], "float32")  # camera pan
    out = as_numpy(_up_to(model, "mean_flow_subtraction")(flow))
    np.testing.assert_allclose(out, flow - flow.mean(axis=(2, 3), keepdims=True), atol=1e-5)
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0.0, atol=1e-5)


def test_bidirectional_needs_an_even_number_of_fields():
    model = temporal_stream(input_shape=(4, 64, 64, 2), bidirectional=True, **TINY)
    assert model.name == "temporal_stream_bidirectional"
    with pytest.raises(ValueError, match="even number of flow fields"):
        temporal_stream(input_shape=(5, 64, 64, 2), bidirectional=True, **TINY)


def test_flow_frames_sets_the_stack_depth():
    model = temporal_stream(flow_frames=5, num_classes=3, width=0.125, fc_units=8)
    assert model.input_shape == (None, 5, 224, 224, 2)
    assert model.get_layer("conv1").kernel.shape[2] == 10


# --- multi-task -------------------------------------------------------------------------


def test_multitask_loss_counts_each_head_on_its_own_samples():
    model = temporal_stream(input_shape=TINY_FLOW, **{**TINY, "num_classes": {"ucf101": 5, "hmdb51": 3}})
    model.compile(loss=multitask_losses(model))
    flow = random_clips(model, batch=5)
    labels = multitask_labels([4, 0, 2, 1, 3], ["ucf101", "hmdb51", "hmdb51", "ucf101", "ucf101"], ["ucf101", "hmdb51"])
    np.testing.assert_array_equal(labels["hmdb51"], [IGNORE_LABEL, 0, 2, IGNORE_LABEL, IGNORE_LABEL])

    scores = model.predict(flow, verbose=0)
    by_hand = -np.mean(np.log(scores["ucf101"][[0, 3, 4], [4, 1, 3]])) - np.mean(
        np.log(scores["hmdb51"][[1, 2], [0, 2]])
    )
    assert model.evaluate(flow, labels, verbose=0, return_dict=True)["loss"] == pytest.approx(by_hand, rel=1e-5)


def test_multitask_trains_on_a_mixed_batch_and_a_batch_without_one_dataset():
    model = temporal_stream(input_shape=TINY_FLOW, **{**TINY, "num_classes": {"ucf101": 5, "hmdb51": 3}})
    model.compile(optimizer="sgd", loss=multitask_losses(model))
    flow = random_clips(model, batch=4)
    mixed = multitask_labels([1, 2, 0, 4], ["ucf101", "hmdb51", "hmdb51", "ucf101"], ["ucf101", "hmdb51"])
    only_ucf = multitask_labels([1, 2, 0, 4], ["ucf101"] * 4, ["ucf101", "hmdb51"])
    for labels in (mixed, only_ucf):
        assert np.isfinite(model.fit(flow, labels, epochs=1, verbose=0).history["loss"][0])


def test_multitask_bad_input():
    with pytest.raises(ValueError, match=r"datasets \['kinetics'\] have no head"):
        multitask_labels([0], ["kinetics"], ["ucf101", "hmdb51"])
    with pytest.raises(ValueError, match="multi-task training needs num_classes as a dict"):
        multitask_losses(create_model("temporal_stream_tiny"))
    with pytest.raises(ValueError, match="head names must be lowercase"):
        temporal_stream(input_shape=TINY_FLOW, **{**TINY, "num_classes": {"UCF-101": 101}})


# --- fusion -----------------------------------------------------------------------------


def test_average_fusion_is_the_mean_of_the_stream_softmaxes():
    model = two_stream("spatial_stream_tiny", "temporal_stream_tiny")
    inputs = random_clips(model)
    spatial, temporal = model.get_layer("spatial_stream_tiny"), model.get_layer("temporal_stream_tiny")
    expected = (spatial.predict(inputs["clip"], verbose=0) + temporal.predict(inputs["flow"], verbose=0)) / 2
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected, rtol=1e-5, atol=1e-7)


def constructed_scores(n: int = 80, classes: int = 4, seed: int = 0):
    """Streams whose average is wrong but whose SVM fusion is right.

    Spatial scores mildly favour the true class of 0 and 1 and are flat for 2 and 3;
    temporal scores are right for 2 and 3 but confidently say 3 for 0 and 1.
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    onehot = np.eye(classes)[labels]
    spatial = np.where(labels[:, None] < 2, 0.2 + 0.4 * onehot, 0.25)
    temporal = np.where(labels[:, None] < 2, np.eye(classes)[3] * 0.8 + 0.05, onehot * 0.6 + 0.1)
    spatial, temporal = (s + rng.uniform(0, 0.02, s.shape) for s in (spatial, temporal))
    return [s / s.sum(1, keepdims=True) for s in (spatial, temporal)], labels


def test_svm_fusion_learns_which_stream_to_trust(tmp_path):
    (spatial, temporal), labels = constructed_scores()
    assert ((spatial + temporal).argmax(1) == labels).mean() == 0.5  # averaging fails on classes 0 and 1
    model = two_stream(
        spatial_stream(input_shape=(1, 64, 64, 3), **TINY), temporal_stream(input_shape=TINY_FLOW, **TINY), fusion="svm"
    )
    svm = fit_svm_fusion(model, [spatial, temporal], labels)
    layer = model.get_layer("svm_fusion")
    decision = as_numpy(layer([spatial.astype("float32"), temporal.astype("float32")]))
    features = np.hstack([normalize(spatial), normalize(temporal)])
    np.testing.assert_allclose(decision, svm.decision_function(features), rtol=1e-4, atol=1e-5)
    assert (decision.argmax(1) == labels).mean() == 1.0

    inputs = random_clips(model)
    predictions = model.predict(inputs, verbose=0)
    expected = svm.decision_function(np.hstack([normalize(s) for s in stream_scores(model, inputs)]))
    np.testing.assert_allclose(predictions, expected, rtol=1e-4, atol=1e-5)

    model.save(tmp_path / "fused.keras")
    reloaded = keras.saving.load_model(tmp_path / "fused.keras", safe_mode=True)
    assert reloaded.get_layer("svm_fusion").fitted
    np.testing.assert_allclose(reloaded.predict(inputs, verbose=0), predictions, rtol=1e-4, atol=1e-5)


def test_svm_fusion_of_two_classes_predicts_as_the_binary_svm():
    rng = np.random.default_rng(0)
    labels = np.arange(20) % 2
    spatial = np.eye(2)[labels] * 0.6 + rng.uniform(0.1, 0.3, (20, 2))
    temporal = rng.uniform(0.2, 0.8, (20, 2))
    spatial, temporal = (s / s.sum(1, keepdims=True) for s in (spatial, temporal))
    model = two_stream(
        spatial_stream(input_shape=(1, 64, 64, 3), **(TINY | {"num_classes": 2})),
        temporal_stream(input_shape=TINY_FLOW, **(TINY | {"num_classes": 2})),
        fusion="svm",
    )
    svm = fit_svm_fusion(model, [spatial, temporal], labels)  # scikit-learn keeps one row for two classes
    decision = as_numpy(model.get_layer("svm_fusion")([spatial.astype("float32"), temporal.astype("float32")]))
    features = np.hstack([normalize(spatial), normalize(temporal)])
    np.testing.assert_array_equal(decision.argmax(1), svm.predict(features))
    np.testing.assert_allclose(decision[:, 1], svm.decision_function(features), rtol=1e-4, atol=1e-5)


def test_a_fitted_svm_fusion_survives_the_zoo_loader(tmp_path):
    """create_model(file) rebuilds the model from its build arguments and copies the weights in."""
    from keras_video_zoo import create_model
    from keras_video_zoo.hub.publish import save_keras_file

    (spatial, temporal), labels = constructed_scores()
    model = create_model("two_stream_tiny", num_classes=4, fusion="svm")
    fit_svm_fusion(model, [spatial, temporal], labels)
    inputs = random_clips(model)
    save_keras_file(model, tmp_path / "fused.keras", labels=list("abcd"))
    loaded = create_model(str(tmp_path / "fused.keras"))
    assert loaded.get_layer("svm_fusion").fitted
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0), atol=1e-5)


def test_svm_fusion_used_before_fitting_says_what_to_do():
    model = two_stream("spatial_stream_tiny", "temporal_stream_tiny", fusion="svm")
    with pytest.raises(ValueError, match="holds no SVM yet: fit it on held-out stream scores"):
        model.predict(random_clips(model), verbose=0)


def test_svm_fit_needs_every_class_and_both_streams():
    model = two_stream("spatial_stream_tiny", "temporal_stream_tiny", fusion="svm")
    scores = np.full((3, 10), 0.1)
    with pytest.raises(ValueError, match="missing classes \\[3, 4, 5, 6, 7, 8, 9\\]"):
        fit_svm_fusion(model, [scores, scores], [0, 1, 2])
    with pytest.raises(ValueError, match="Need the scores of both streams"):
        fit_svm_fusion(model, [scores], [0, 1, 2])
    with pytest.raises(ValueError, match="has 0 LinearSVMFusion layers"):
        fit_svm_fusion(two_stream("spatial_stream_tiny", "temporal_stream_tiny"), [scores, scores], [0, 1, 2])


def test_two_stream_bad_input():
    with pytest.raises(ValueError, match=r"Mismatched stream class counts: \{'spatial': 10, 'temporal': 4\}"):
        two_stream("spatial_stream_tiny", temporal_stream(input_shape=TINY_FLOW, **TINY))
    with pytest.raises(ValueError, match="does not end in a softmax"):
        two_stream(
            spatial_stream(input_shape=(1, 64, 64, 3), classifier_activation=None, **TINY),
            temporal_stream(input_shape=TINY_FLOW, **TINY),
        )
    with pytest.raises(ValueError, match="has several heads"):
        two_stream("spatial_stream_tiny", "temporal_stream_multitask_tiny")
    with pytest.raises(ValueError, match="fusion must be one of"):
        two_stream("spatial_stream_tiny", "temporal_stream_tiny", fusion="max")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"input_shape": (1, 64, 64, 20)}, "flow fields with 2 channels .* got 20 channels"),
        ({"input_shape": (10, 64, 64, 2), "flow_frames": 5}, "flow_frames=5 disagrees with input_shape"),
        ({"input_shape": (10, 40, 40, 2)}, "too small for the CNN-M trunk; use at least 51x51"),
        ({"input_shape": TINY_FLOW, "flow_bound": 0}, "flow_bound is the quantisation bound"),
    ],
)
def test_temporal_stream_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        temporal_stream(**{**TINY, **kwargs})


def test_wrong_flow_stack_at_call_time_names_the_expected_shape():
    model = temporal_stream(input_shape=TINY_FLOW, **TINY)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 10, 64, 64, 2\), found shape=\(1, 10, 64, 64, 3\)"):
        model.predict(np.zeros((1, 10, 64, 64, 3), "uint8"), verbose=0)


# --- cross-modality initialisation ------------------------------------------------------


def test_cross_modality_init_averages_rgb_conv1_over_colours():
    rgb = spatial_stream(input_shape=(1, 64, 64, 3), **{**TINY, "num_classes": 7})
    flow = temporal_stream(input_shape=TINY_FLOW, cross_modality_from=rgb, **TINY)
    rgb_kernel = rgb.get_layer("conv1").get_weights()[0]
    flow_kernel = flow.get_layer("conv1").get_weights()[0]
    assert flow_kernel.shape[2] == 20
    for channel in range(20):
        np.testing.assert_allclose(flow_kernel[:, :, channel], rgb_kernel.mean(axis=2), rtol=1e-6)
    for name in ("conv2", "conv5", "fc6", "fc7"):
        for a, b in zip(flow.get_layer(name).get_weights(), rgb.get_layer(name).get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    # 7 RGB classes against 4 flow classes: the classifier keeps its own initialisation.
    assert flow.get_layer("predictions").kernel.shape != rgb.get_layer("predictions").kernel.shape


def test_cross_modality_init_refuses_another_trunk():
    rgb = spatial_stream(input_shape=(1, 64, 64, 3), **{**TINY, "width": 0.25})
    with pytest.raises(ValueError, match="conv1 kernels differ beyond their input channels"):
        cross_modality_init(temporal_stream(input_shape=TINY_FLOW, **TINY), rgb)
    with pytest.raises(ValueError, match="Give weights or cross_modality_from, not both"):
        temporal_stream(input_shape=TINY_FLOW, weights="x.weights.h5", cross_modality_from=rgb, **TINY)
