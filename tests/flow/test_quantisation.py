"""uint8 quantisation and JPEG storage round trips."""

import cv2
import numpy as np
import pytest

from keras_video_zoo.data.synthetic_flow import smooth_warp_pair
from keras_video_zoo.flow.quantisation import dequantize_flow, dequantize_minmax, quantize_flow, quantize_minmax
from keras_video_zoo.flow.storage import FlowFolder, write_flow_folder


@pytest.mark.parametrize("bound", [15.0, 20.0, 32.0])
def test_round_trip_error_is_at_most_half_a_step(rng, bound):
    values = rng.uniform(-bound, bound, 100_000)
    error = np.abs(dequantize_flow(quantize_flow(values, bound), bound) - values)
    assert error.max() <= bound / 255 + 1e-5
    assert error.max() > 0.9 * bound / 255  # the bound is tight, not loose


def test_values_beyond_the_bound_clip_to_it():
    values = np.array([-100.0, -20.0001, 20.0001, 55.0])
    assert quantize_flow(values, 20).tolist() == [0, 0, 255, 255]
    assert dequantize_flow(quantize_flow(values, 20), 20).tolist() == [-20.0, -20.0, 20.0, 20.0]


def test_zero_motion_is_128_and_255_minus_q_negates_exactly():
    assert int(quantize_flow(0.0, 20)) == 128
    codes = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(dequantize_flow(255 - codes, 20), -dequantize_flow(codes, 20), atol=1e-5)


def jpeg_code_error(codes: np.ndarray, quality: int) -> int:
    """Largest change of a uint8 code through JPEG encoding at ``quality`` (measured directly with OpenCV)."""
    ok, encoded = cv2.imencode(".jpg", codes, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return int(np.abs(cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE).astype(int) - codes.astype(int)).max())


@pytest.mark.parametrize("quality", [95, 75])
def test_jpeg_round_trip_error_is_quantisation_plus_measured_jpeg_loss(tmp_path, quality):
    _, _, flow = smooth_warp_pair(64, 80, 3.0)
    flow = np.stack([flow, 2 * flow])  # two fields, up to 6 px
    write_flow_folder(tmp_path / "v", flow, algorithm="truth", bound=20, jpeg_quality=quality)
    decoded = FlowFolder(tmp_path / "v").read_pixels()
    codes = quantize_flow(flow, 20)
    jpeg_levels = max(jpeg_code_error(codes[k, ..., c], quality) for k in range(2) for c in range(2))
    assert np.abs(decoded - flow).max() <= 20 / 255 + jpeg_levels * 40 / 255 + 1e-5
    assert np.abs(decoded - flow).mean() < 0.1


def test_minmax_round_trip_keeps_large_values(tmp_path):
    _, _, flow = smooth_warp_pair(48, 48, 3.0)
    field = flow * 20  # up to 60 px: a bound of 20 would clip
    quantized, ranges = quantize_minmax(field)
    error = np.abs(dequantize_minmax(quantized, ranges) - field)
    assert error.max() <= max(ranges[1] - ranges[0], ranges[3] - ranges[2]) / 510 + 1e-4
    write_flow_folder(tmp_path / "v", field[None], algorithm="truth", quantisation="minmax")
    folder = FlowFolder(tmp_path / "v")
    assert folder.manifest.bound is None and np.allclose(folder.ranges()[0], ranges)
    assert np.abs(folder.read_pixels()[0] - field).max() < 2.0  # ~0.5 step + JPEG at a 120 px range
