import numpy as np
import pytest

from keras_video_zoo.data import moving_square_clip


def test_square_moves_by_its_velocity_and_stays_in_frame():
    clip = moving_square_clip(6, 40, 40, seed=3, velocity=(0, 2))
    assert clip.shape == (6, 40, 40, 3) and clip.dtype == np.uint8
    bright = clip.max(axis=-1) >= 150  # the square is >= 150 in every channel; background < 90
    columns = [np.flatnonzero(frame.any(axis=0)) for frame in bright]
    assert all(len(c) == 10 for c in columns)  # side = 40 // 4, never clipped by the border
    steps = [b[0] - a[0] for a, b in zip(columns, columns[1:], strict=False)]
    assert all(abs(step) == 2 for step in steps)


def test_same_seed_same_clip():
    np.testing.assert_array_equal(moving_square_clip(3, 16, 16, seed=7), moving_square_clip(3, 16, 16, seed=7))


def test_rejects_empty_clips():
    with pytest.raises(ValueError, match="clip dimensions must be positive"):
        moving_square_clip(0, 16, 16)
