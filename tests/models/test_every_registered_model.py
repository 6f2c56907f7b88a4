"""The checks every registered model passes (keras-hub's shared test-case idea)."""

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model, list_models
from tests.helpers.models import random_clips

TINY_MODELS = list_models("*_tiny")
PAPER_MODELS = [name for name in list_models() if name not in TINY_MODELS]


def test_every_paper_model_has_a_tiny_variant():
    assert sorted(f"{name}_tiny" for name in PAPER_MODELS) == TINY_MODELS


def assert_close(actual, expected) -> None:
    """Equal up to float noise, for an array or a dict of arrays (multi-task heads)."""
    keras.tree.map_structure(lambda a, e: np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-7), actual, expected)


def check_model(name: str, tmp_path, batch: int) -> None:
    model = create_model(name)
    assert model.name == name
    clips = random_clips(model, batch=batch)
    scores = model.predict(clips, verbose=0)
    for head, head_scores in (scores if isinstance(scores, dict) else {"": scores}).items():
        assert head_scores.shape == (batch, (model.output[head] if head else model.output).shape[-1])
        np.testing.assert_allclose(head_scores.sum(axis=-1), 1.0, rtol=1e-5)

    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_close(clone.predict(clips, verbose=0), scores)

    path = tmp_path / f"{name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    for saved, loaded in zip(model.get_weights(), reloaded.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, saved)
    # Same weights; oneDNN may still pick another summation order for a new model instance.
    assert_close(reloaded.predict(clips, verbose=0), scores)
    assert [layer.name for layer in reloaded.layers] == [layer.name for layer in model.layers]


@pytest.mark.parametrize("name", TINY_MODELS)
def test_tiny_model_builds_runs_and_round_trips(name, tmp_path):
    check_model(name, tmp_path, batch=2)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAPER_MODELS)
def test_paper_model_builds_runs_and_round_trips(name, tmp_path):
    check_model(name, tmp_path, batch=1)
    keras.backend.clear_session()


@pytest.mark.parametrize("name", TINY_MODELS)
def test_tiny_model_trains(name):
    keras.utils.set_random_seed(0)  # one step on 4 random clips: an unlucky init can leave a whole layer's ReLUs off
    model = create_model(name)
    labels = keras.tree.map_structure(lambda output: np.arange(4) % output.shape[-1], model.output)
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    clips = random_clips(model, batch=4)
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(clips, labels, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
