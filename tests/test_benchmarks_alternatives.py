"""The naive Keras and PyTorch builds of benchmarks/alternatives.py compute the zoo models' functions."""

from __future__ import annotations

import alternatives  # a benchmark script: benchmarks/ is on the tests' path (setup.cfg)
import cv2
import numpy as np
import pytest

from keras_video_zoo import create_model

MODELS = {
    "single_frame_tiny": "single_frame",
    "early_fusion_tiny": "early_fusion",
    "late_fusion_tiny": "late_fusion",
    "slow_fusion_tiny": "slow_fusion",
    "single_frame_multires_tiny": "single_frame",
}


def _zoo_with_peaked_scores(name: str):
    """A zoo model whose softmax is far from uniform, so that equal outputs mean equal logits."""
    zoo = create_model(name)
    predictions = zoo.get_layer("predictions")
    kernel, bias = predictions.get_weights()
    predictions.set_weights([kernel * 300.0, bias])  # tiny models start near unit scale (pixel_scale 1/64)
    clips = np.random.default_rng(1).integers(0, 256, (2, *zoo.input.shape[1:]), dtype=np.uint8)
    return zoo, clips, zoo.predict_on_batch(clips)


@pytest.mark.parametrize("name", list(MODELS))
def test_naive_keras_build_matches_zoo_parameters_and_outputs(name):
    zoo, clips, expected = _zoo_with_peaked_scores(name)
    spec = alternatives.spec_of(zoo)
    assert spec.family == MODELS[name]
    assert spec.multires == name.endswith("multires_tiny")

    naive = alternatives.build_naive_keras(spec)
    alternatives.copy_weights_to_naive(zoo, naive)

    assert naive.count_params() == zoo.count_params()
    assert expected.max() > 0.5  # peaked: a permuted fc6 or conv kernel would change the winner
    np.testing.assert_allclose(naive.predict_on_batch(clips), expected, atol=2e-5)


@pytest.mark.parametrize("name", list(MODELS))
def test_torch_build_matches_zoo_parameters_and_outputs(name):
    torch = pytest.importorskip("torch")  # the bench extra

    zoo, clips, expected = _zoo_with_peaked_scores(name)
    module = alternatives.build_torch(alternatives.spec_of(zoo))
    alternatives.copy_weights_to_torch(zoo, module)

    assert alternatives.torch_params(module) == zoo.count_params()
    module.eval()
    with torch.inference_mode():
        scores = torch.softmax(module(torch.from_numpy(clips)), -1).numpy()
    np.testing.assert_allclose(scores, expected, atol=1e-4)


def test_opencv_generator_reads_clips_like_opencv_and_augments_to_crops(tmp_path):
    path = str(tmp_path / "ramp.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 25, (48, 32))
    for value in range(0, 240, 20):  # 12 frames, frame i is grey 20 i
        writer.write(np.full((32, 48, 3), value, np.uint8))
    writer.release()

    (clip, label), *_ = alternatives.opencv_generator([path], [7], 4, 20, 24, augment=False, seed=0)
    assert clip.shape == (4, 32, 48, 3) and clip.dtype == np.uint8 and label == 7
    steps = np.round(clip[:, 0, 0, 0] / 20)
    np.testing.assert_array_equal(np.diff(steps), [1, 1, 1])  # consecutive frames

    (augmented, _), *_ = alternatives.opencv_generator([path], [7], 4, 20, 24, augment=True, seed=0)
    assert augmented.shape == (4, 20, 20, 3)
