"""The checks every registered model passes, through the shared harness (tests/helpers/test_case.py)."""

import keras
import pytest

from keras_video_zoo import create_model, list_models
from tests.helpers.models import random_clips
from tests.helpers.test_case import run_model_test

TINY_MODELS = list_models("*_tiny")
PAPER_MODELS = [name for name in list_models() if name not in TINY_MODELS]


def test_every_paper_model_has_a_tiny_variant():
    assert sorted(f"{name}_tiny" for name in PAPER_MODELS) == TINY_MODELS


@pytest.mark.parametrize("name", TINY_MODELS)
def test_tiny_model(name, tmp_path):
    keras.utils.set_random_seed(0)  # the initialisation too: an unlucky one can leave a stream's ReLUs nearly all off
    model = create_model(name)
    assert model.name == name
    run_model_test(model, random_clips(model, batch=4), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAPER_MODELS)
def test_paper_model_builds_runs_and_round_trips(name, tmp_path):
    model = create_model(name)
    run_model_test(model, random_clips(model, batch=1), tmp_path, train=False)
    keras.backend.clear_session()
