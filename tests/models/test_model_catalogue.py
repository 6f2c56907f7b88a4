"""The catalogue kvz models prints without building anything agrees with the models the registry builds."""

import pytest

from keras_video_zoo import list_models
from keras_video_zoo.commands.models import describe_registered, read_catalogue

REFRESH = "refresh it: python -m keras_video_zoo.commands.models --write-catalogue"
TINY = [name for name in list_models() if name.endswith("_tiny")]
PAPER_SIZE = [name for name in list_models() if not name.endswith("_tiny")]


def test_the_catalogue_lists_every_registered_model():
    assert sorted(read_catalogue()) == list_models(), REFRESH


@pytest.mark.parametrize("name", TINY)
def test_a_tiny_models_entry_matches_the_model(name):
    assert read_catalogue()[name] == describe_registered(name), REFRESH


@pytest.mark.slow
@pytest.mark.parametrize("name", PAPER_SIZE)
def test_a_paper_size_models_entry_matches_the_model(name):
    assert read_catalogue()[name] == describe_registered(name), REFRESH
