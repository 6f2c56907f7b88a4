"""Stacking modes against direct computations."""

import numpy as np
import pytest

from keras_video_zoo.flow.stacking import (
    evenly_spaced_taus,
    flip_flow,
    stack_indices,
    subtract_mean_flow,
    tau_range,
    trajectory_stack,
)


def bilinear(field, x, y):
    """One bilinear sample of ``field (H, W, 2)`` at (x, y), clamped to the frame: written out by hand."""
    height, width = field.shape[:2]
    x, y = min(max(x, 0.0), width - 1.0), min(max(y, 0.0), height - 1.0)
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
    ax, ay = x - x0, y - y0
    return (
        field[y0, x0] * (1 - ax) * (1 - ay)
        + field[y0, x1] * ax * (1 - ay)
        + field[y1, x0] * (1 - ax) * ay
        + field[y1, x1] * ax * ay
    )


def test_trajectory_stack_equals_the_recurrence_computed_pixel_by_pixel(rng):
    fields = rng.uniform(-2.5, 2.5, (4, 6, 7, 2)).astype(np.float32)
    expected = np.zeros_like(fields)
    for row in range(6):
        for column in range(7):
            p = np.array([column, row], np.float64)  # p_1 = the pixel
            for k in range(4):  # stack field k = d_{tau+k}(p_k); p_{k+1} = p_k + d_{tau+k}(p_k)
                expected[k, row, column] = bilinear(fields[k].astype(np.float64), *p)
                p = p + expected[k, row, column]
    np.testing.assert_allclose(trajectory_stack(fields).numpy(), expected, atol=1e-4)
    # the first field is read where the pixel starts: unchanged
    np.testing.assert_allclose(trajectory_stack(fields).numpy()[0], fields[0], atol=1e-6)


def test_indices_of_each_mode():
    assert stack_indices("forward", 3, 4, 20) == {"forward": [3, 4, 5, 6], "backward": []}
    assert stack_indices("trajectory", 3, 4, 20) == {"forward": [3, 4, 5, 6], "backward": []}
    assert stack_indices("centred", 3, 4, 20) == {"forward": [1, 2, 3, 4], "backward": []}
    # bidirectional: L/2 forward fields from tau, L/2 backward fields from tau walking back
    assert stack_indices("bidirectional", 3, 6, 20) == {"forward": [3, 4, 5], "backward": [2, 1, 0]}


def test_bidirectional_stack_equals_direct_selection(rng):
    """Forward fields tau..tau+L/2-1 then backward fields moving frame tau-k to tau-k-1, k = 0..L/2-1."""
    forward, backward = rng.normal(size=(2, 12, 4, 4, 2))
    tau, fields = 5, 4
    numbers = stack_indices("bidirectional", tau, fields, 12)
    stack = np.concatenate([forward[numbers["forward"]], backward[numbers["backward"]]])
    expected = np.stack([forward[5], forward[6], backward[4], backward[3]])  # frames 5->6, 6->7, 5->4, 4->3
    np.testing.assert_array_equal(stack, expected)


def test_tau_ranges_cover_every_full_stack():
    for mode in ("forward", "centred", "bidirectional", "trajectory"):
        first, last = tau_range(mode, 4, 9)
        for tau in range(first, last + 1):
            numbers = stack_indices(mode, tau, 4, 9)
            assert all(0 <= n < 9 for n in numbers["forward"] + numbers["backward"])
        with pytest.raises(ValueError, match="need tau in"):
            stack_indices(mode, last + 1, 4, 9)
    assert evenly_spaced_taus("forward", 10, 34, 25).tolist()[::12] == [0, 12, 24]


def test_video_shorter_than_l_plus_one_frames_is_refused():
    assert tau_range("forward", 10, 10) == (0, 0)  # 11 frames: exactly one stack
    with pytest.raises(ValueError, match="at least 11 frames, but this one has 10 .9 fields."):
        tau_range("forward", 10, 9)
    with pytest.raises(ValueError, match="needs an even L"):
        tau_range("bidirectional", 5, 20)


def test_mean_subtraction_removes_each_fields_own_mean(rng):
    stack = rng.normal(size=(2, 3, 5, 6, 2)).astype(np.float32) + np.float32([3.0, -1.0])
    expected = stack.copy()
    for b in range(2):
        for k in range(3):
            for c in range(2):
                expected[b, k, :, :, c] -= stack[b, k, :, :, c].mean()
    np.testing.assert_allclose(subtract_mean_flow(stack).numpy(), expected, atol=1e-5)


def test_flip_negates_x_and_keeps_y(rng):
    stack = rng.normal(size=(3, 4, 5, 2)).astype(np.float32)
    flipped = flip_flow(stack).numpy()
    np.testing.assert_array_equal(flipped[..., 0], -stack[:, :, ::-1, 0])
    np.testing.assert_array_equal(flipped[..., 1], stack[:, :, ::-1, 1])
    codes = rng.integers(0, 256, (3, 4, 5, 2), dtype=np.uint8)
    flipped = flip_flow(codes).numpy()
    np.testing.assert_array_equal(flipped[..., 0], 255 - codes[:, :, ::-1, 0])
    np.testing.assert_array_equal(flipped[..., 1], codes[:, :, ::-1, 1])
