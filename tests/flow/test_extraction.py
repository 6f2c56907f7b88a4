"""Flow accuracy against known ground truth, per algorithm."""

import numpy as np
import pytest

from keras_video_zoo.data.synthetic_flow import smooth_warp_pair, translation_pair
from keras_video_zoo.flow.extraction import ALGORITHMS, DEFAULT_ALGORITHM, FlowExtractor, compute_flow, end_point_error
from keras_video_zoo.flow.video_extraction import FlowSettings, extract_video_flow
from tests.helpers.frame_coded_videos import write_video

SIZE = (96, 128)
MARGIN = 12  # texture enters and leaves at the borders: no ground truth there
# End-point error bounds (px) on 96x128 frames, about 2x what each algorithm measured (benchmarks/flow.py).
SMALL_SHIFT_BOUND = {"tvl1": 0.05, "dis": 0.15, "dis_fast": 0.3, "dis_ultrafast": 0.3, "farneback": 0.05}
WARP_BOUND = {"tvl1": 0.3, "dis": 0.8, "dis_fast": 2.5, "dis_ultrafast": 3.0, "farneback": 0.8}


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_end_point_error_on_a_small_translation(algorithm):
    first, second, truth = translation_pair(*SIZE, (1.5, -0.5), seed=1)
    assert end_point_error(FlowExtractor(algorithm)(first, second), truth, MARGIN) < SMALL_SHIFT_BOUND[algorithm]


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_end_point_error_on_a_smooth_non_rigid_warp(algorithm):
    first, second, truth = smooth_warp_pair(*SIZE, 3.0, seed=1)
    flow = FlowExtractor(algorithm)(first, second)
    assert end_point_error(flow, truth, MARGIN) < WARP_BOUND[algorithm]
    # The fast DIS presets' large patches smooth a 64 px period warp away: only "better than no flow" for them.
    factor = 1.2 if algorithm.startswith("dis_") else 3
    assert end_point_error(flow, truth, MARGIN) * factor < end_point_error(np.zeros_like(truth), truth, MARGIN)


@pytest.mark.parametrize("shift", [(0.5, 0.25), (4.0, -3.0), (10.0, 4.0), (-12.0, 6.0)])
def test_default_algorithm_recovers_translations_large_and_small(shift):
    first, second, truth = translation_pair(*SIZE, shift, seed=2)
    assert DEFAULT_ALGORITHM == "dis"
    assert end_point_error(FlowExtractor()(first, second), truth, 16) < 0.15


def test_backward_flow_points_back():
    first, second, truth = translation_pair(*SIZE, (2.0, 1.0), seed=3)
    frames = np.stack([first, second])
    forward, backward = compute_flow(frames, backward=True)
    assert forward.shape == backward.shape == (1, *SIZE, 2)
    assert end_point_error(backward[0], -truth, MARGIN) < 0.15


def test_rgb_and_gray_frames_give_the_same_flow():
    first, second, _ = translation_pair(*SIZE, (2.0, 1.0), seed=3)
    rgb = np.repeat(np.stack([first, second])[..., None], 3, axis=-1)
    np.testing.assert_allclose(compute_flow(rgb), compute_flow(np.stack([first, second])), atol=1e-5)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="Unknown flow algorithm 'brox'"):
        FlowExtractor("brox")
    with pytest.raises(ValueError, match="at least 2 frames"):
        compute_flow(np.zeros((1, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        compute_flow(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="differ in size"):
        FlowExtractor()(np.zeros((8, 8), np.uint8), np.zeros((8, 9), np.uint8))


def test_a_videos_flow_does_not_depend_on_what_its_worker_did_before(tmp_path):
    """OpenCV's DIS solver keeps state: reused after frames of another size it gives other flow
    (0.1-0.2 px measured), so extract_video_flow builds one per video; this pins that down."""
    small, large = tmp_path / "small.avi", tmp_path / "large.avi"
    write_video(small, frames=3, size=(32, 40), video=1, noise=True)
    write_video(large, frames=3, size=(144, 176), video=2, noise=True)
    settings = FlowSettings()
    extract_video_flow(large, tmp_path / "alone", settings)
    extract_video_flow(small, tmp_path / "small", settings)
    extract_video_flow(large, tmp_path / "after", settings)
    for name in ("flow_x_00001.jpg", "flow_y_00002.jpg"):
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "after" / name).read_bytes()
