import keras
import numpy as np
import pytest

from keras_video_zoo.layers import ContextResize, FoldTime, FoveaCrop, FramesToChannels, SelectFrames, UnfoldTime
from tests.helpers.test_case import as_numpy


def test_fold_then_unfold_is_identity(rng):
    clips = rng.normal(size=(3, 4, 5, 6, 2)).astype("float32")
    folded = FoldTime()(clips)
    assert tuple(folded.shape) == (12, 5, 6, 2)
    np.testing.assert_array_equal(as_numpy(folded)[5], clips[1, 1])
    np.testing.assert_array_equal(as_numpy(UnfoldTime(frames=4)(folded)), clips)


def test_frames_to_channels_is_frame_major(rng):
    clips = rng.normal(size=(2, 3, 4, 5, 2)).astype("float32")
    stacked = as_numpy(FramesToChannels()(clips))
    assert stacked.shape == (2, 4, 5, 6)
    for t in range(3):
        np.testing.assert_array_equal(stacked[..., 2 * t : 2 * t + 2], clips[:, t])


def test_select_frames_takes_indices_in_order(rng):
    clips = rng.normal(size=(2, 16, 3, 3, 1)).astype("float32")
    picked = as_numpy(SelectFrames([0, 15])(clips))
    np.testing.assert_array_equal(picked[:, 0], clips[:, 0])
    np.testing.assert_array_equal(picked[:, 1], clips[:, 15])
    np.testing.assert_array_equal(as_numpy(SelectFrames([-1])(clips))[:, 0], clips[:, 15])


def test_select_frames_rejects_indices_outside_the_clip():
    with pytest.raises(ValueError, match=r"indices \[16\] are outside a clip of 16 frames"):
        SelectFrames([0, 16])(keras.Input((16, 8, 8, 3)))


@pytest.mark.parametrize("shape", [(2, 178, 178, 3), (2, 3, 178, 178, 3)])
def test_fovea_crop_is_the_centre(rng, shape):
    frames = rng.integers(0, 256, shape).astype("float32")
    crop = as_numpy(FoveaCrop((89, 89))(frames))
    np.testing.assert_array_equal(crop, frames[..., 44:133, 44:133, :])


def test_fovea_crop_rejects_a_crop_larger_than_the_frame():
    with pytest.raises(ValueError, match="does not fit"):
        FoveaCrop((100, 100))(keras.Input((1, 64, 64, 3)))


@pytest.mark.parametrize("shape", [(2, 178, 178, 3), (2, 3, 178, 178, 3)])
def test_context_resize_halves_by_averaging_2x2_blocks(rng, shape):
    frames = rng.integers(0, 256, shape).astype("float32")
    context = as_numpy(ContextResize((89, 89))(frames))
    blocks = frames.reshape(*shape[:-3], 89, 2, 89, 2, 3).mean(axis=(-4, -2))
    np.testing.assert_allclose(context, blocks, rtol=1e-5, atol=1e-3)
