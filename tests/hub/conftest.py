"""Fixtures: a loopback Hub per test, a tiny model, generated clips and a private Hub cache."""

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.hub.testing import LoopbackHub

LABELS = ["archery", "bowling", "cycling"]


@pytest.fixture
def hub():
    """The real huggingface_hub client talks to this server through endpoint=hub.url."""
    with LoopbackHub() as server:
        yield server


@pytest.fixture
def tiny_model():
    return create_model("slow_fusion_tiny", num_classes=len(LABELS))


@pytest.fixture
def clips():
    return np.random.default_rng(0).integers(0, 256, (2, 10, 64, 64, 3), dtype=np.uint8)


@pytest.fixture
def hub_options(hub, tmp_path):
    """from_pretrained/fetch_checkpoint arguments that use the loopback Hub and a cache in tmp_path."""
    return {"endpoint": hub.url, "token": hub.token, "cache_dir": tmp_path / "hf-cache"}
