"""Fixtures of the hub tests: a tiny model with three classes and generated clips for it."""

import numpy as np
import pytest

from keras_video_zoo import create_model
from tests.helpers.models import LABELS


@pytest.fixture
def tiny_model():
    return create_model("slow_fusion_tiny", num_classes=len(LABELS))


@pytest.fixture
def clips():
    return np.random.default_rng(0).integers(0, 256, (2, 10, 64, 64, 3), dtype=np.uint8)
