"""encode_video: frame rates as cameras record them, an index first for browsers, no video from no frames."""

import numpy as np
import pytest

from keras_video_zoo.data.decoders import probe_video
from keras_video_zoo.data.video_writer import encode_video


def test_an_ntsc_rate_and_an_index_first(tmp_path):
    path = tmp_path / "ntsc.mp4"
    encode_video(path, np.full((6, 32, 48, 3), 90, np.uint8), "libx264", fps=30000 / 1001, faststart=True)
    assert probe_video(path).fps == pytest.approx(30000 / 1001, rel=1e-4)
    head = path.read_bytes()[:4096]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")  # the index before the data: playable while downloading


def test_no_frames_is_no_video(tmp_path):
    with pytest.raises(ValueError, match="no frames to encode"):
        encode_video(tmp_path / "empty.mp4", [], "libx264")
