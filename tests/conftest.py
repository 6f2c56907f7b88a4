"""Test set-up: quiet TensorFlow and the fixtures tests share; shared helpers live in tests/helpers/."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras_video_zoo  # noqa: F401  first, as users do: TensorFlow then loads with oneDNN on (runtime.py)

# isort: split
import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def hub():
    """A Hub-protocol server on 127.0.0.1; the real huggingface_hub client talks to it through endpoint=hub.url."""
    from tests.helpers.loopback_hub import LoopbackHub

    with LoopbackHub() as server:
        yield server


@pytest.fixture
def hub_options(hub, tmp_path):
    """from_pretrained/fetch_checkpoint arguments that use the loopback Hub and a cache in tmp_path."""
    return {"endpoint": hub.url, "token": hub.token, "cache_dir": tmp_path / "hf-cache"}
