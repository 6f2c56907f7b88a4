"""Paper-size conversions (slow): a CNN-M-2048 like VGG's ImageNet file and a VGG-16 like CUHK's UCF-101 file.

The look-alikes have the published files' exact shapes (370 MB and 539 MB); the converted models are checked
against the NumPy reference on the fixture's own arrays at 224x224, as the small ones are.
"""

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.convert import convert_checkpoint, lookalikes, reference_forward
from tests.convert.test_convert import TOLERANCE, _relative, _zoo_logits_and_features

pytestmark = pytest.mark.slow


def _check(model, layers, clip, source_input):
    logits, features = _zoo_logits_and_features(model, clip)
    expected = reference_forward(lookalikes.source_net(layers), source_input)
    assert _relative(features, expected["features"]) <= TOLERANCE
    assert _relative(logits, expected["logits"]) <= TOLERANCE


def test_paper_size_cnn_m_2048_from_imagenet(tmp_path):
    rng = np.random.default_rng(0)
    layers = lookalikes.cnn_m_2048(rng, width=1.0, fc=(4096, 2048), classes=1000, size=224)
    source = lookalikes.write_caffemodel(tmp_path / "VGG_CNN_M_2048.caffemodel", layers, v1=True,
                                         input_dims=[10, 3, 224, 224])  # fmt: skip
    converted = convert_checkpoint(source, tmp_path / "out")
    assert converted.record.num_params == 92_469_864 and converted.record.labels[0] == "tench"
    assert converted.max_difference <= TOLERANCE
    model = create_model(tmp_path / "out")
    clip = rng.integers(0, 256, (1, 1, 224, 224, 3), dtype=np.uint8)
    bgr_mean = np.asarray(model.record.model_kwargs["mean"][::-1], np.float32)
    _check(model, layers, clip, (clip[:, 0, ..., ::-1].astype(np.float32) - bgr_mean).transpose(0, 3, 1, 2))


def test_paper_size_very_deep_spatial_stream_from_ucf101(tmp_path):
    rng = np.random.default_rng(1)
    layers = lookalikes.vgg16(rng, width=1.0, fc=(4096, 4096), classes=101, size=224)
    source = lookalikes.write_caffemodel(tmp_path / "cuhk_action_spatial_vgg_16_split3.caffemodel", layers)
    prototxt = lookalikes.write_prototxt(tmp_path / "deploy.prototxt", layers, [1, 3, 224, 224])
    converted = convert_checkpoint(source, tmp_path / "out", prototxt=prototxt)
    assert converted.record.num_params == 134_674_341 and converted.record.dataset == {"name": "ucf101", "split": 3}
    model = create_model(tmp_path / "out")
    clip = rng.integers(0, 256, (1, 1, 224, 224, 3), dtype=np.uint8)
    bgr_mean = np.asarray(model.record.model_kwargs["mean"][::-1], np.float32)
    _check(model, layers, clip, (clip[:, 0, ..., ::-1].astype(np.float32) - bgr_mean).transpose(0, 3, 1, 2))
