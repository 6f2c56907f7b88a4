"""A model wrapped with its device-side preprocessing: shared weights, the paper's margin, averaged views."""

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.layers.clip_augmentation import AverageViews, ClipAugmentation, ClipViews
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_augmentation, with_views
from keras_video_zoo.views import KARPATHY_VIEWS
from tests.helpers.test_case import as_numpy


def test_pipeline_size_is_the_crop_plus_the_papers_200_over_170_margin():
    assert pipeline_size(create_model("slow_fusion_tiny")) == round(64 * 200 / 170) == 75
    assert pipeline_size(create_model("single_frame_multires_tiny")) == 75  # the full frame, before fovea/context


def test_a_two_stream_model_is_wrapped_stream_by_stream():
    with pytest.raises(ValueError, match="has 2 inputs; wrap each stream separately"):
        with_augmentation(create_model("two_stream_tiny"))


def test_with_augmentation_shares_weights_and_crops_the_centre_in_inference(rng):
    model = create_model("slow_fusion_tiny", num_classes=4)
    wrapped = with_augmentation(model, seed=0)
    assert wrapped.layers[1].name == "clip_augmentation" and wrapped.inputs[0].dtype == "uint8"
    assert {id(w) for w in wrapped.weights} == {id(w) for w in model.weights}
    clips = rng.integers(0, 256, (2, 10, 72, 96, 3), dtype=np.uint8)
    expected = model.predict(ClipAugmentation(64, 75)(clips), verbose=0)  # "auto" resize: round(64 * 200 / 170)
    np.testing.assert_allclose(wrapped.predict(clips, verbose=0), expected, rtol=1e-5, atol=1e-6)

    before = [as_numpy(w) for w in model.trainable_weights]
    wrapped.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    wrapped.fit(clips, np.array([0, 3]), epochs=1, verbose=0)
    assert any(not np.array_equal(b, as_numpy(w)) for b, w in zip(before, model.trainable_weights, strict=True))


def test_with_augmentation_feeds_multires_models_their_full_frame(rng):
    model = create_model("single_frame_multires_tiny")
    wrapped = with_augmentation(model)
    augment = wrapped.get_layer("clip_augmentation")
    assert augment.crop_size == (64, 64) and augment.resize == (75, 75)  # then fovea 32 + context 32 inside
    assert wrapped.predict(rng.integers(0, 256, (2, 1, 90, 120, 3), dtype=np.uint8), verbose=0).shape == (2, 10)


def test_with_views_averages_the_scores_of_the_views(rng):
    model = create_model("single_frame_tiny")
    views = with_views(model, KARPATHY_VIEWS)
    clips = rng.integers(0, 256, (2, 1, 72, 96, 3), dtype=np.uint8)
    crops = ClipViews(KARPATHY_VIEWS, 64, 75)(clips)
    expected = model.predict(crops, verbose=0).reshape(2, 4, -1).mean(axis=1)
    np.testing.assert_allclose(views.predict(clips, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert AverageViews(4).compute_output_shape((8, 10)) == (2, 10)
