"""Peak memory does not grow with a video's length: long 1080p videos through flow, prepare and predict.

Each command runs in a fresh process that reports its own peak resident memory
(``benchmarks/real_world.py`` measures the same, with a 10x longer video, for the README).
Ten seconds more of 1080p decoded whole would be 250 frames x 6 MB = 1.5 GB more; streaming keeps it flat.
"""

import pytest
from real_world import run_command, write_hd_video

pytestmark = pytest.mark.slow

SHORT, LONG = 25, 275
ALLOWED_GROWTH_MB = 200  # allocator noise and one more JPEG list; a whole decoded video would be 1,500


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("hd")
    return {
        label: write_hd_video(root / label / "clips" / f"{label}.mp4", frames)
        for label, frames in (("short", SHORT), ("long", LONG))
    }


@pytest.mark.parametrize("command", ["flow", "prepare", "predict"])
def test_peak_memory_is_flat_in_the_video_length(videos, tmp_path, command):
    peaks = {}
    for label, video in videos.items():
        folder = video.parent.parent
        argv = {
            "flow": ["flow", str(folder), str(tmp_path / label / "flow"), "--no-progress"],
            "prepare": [
                "prepare",
                str(folder),
                str(tmp_path / label / "shards"),
                "--layout",
                "folder_per_class",
                "--no-progress",
            ],
            "predict": ["predict", str(video), "--model", "slow_fusion_tiny.synthetic", "--clips", "5"],
        }[command]
        result = run_command(argv)
        assert result["exit"] == 0 and result["peak_mb"], result
        peaks[label] = result["peak_mb"]
    assert peaks["long"] - peaks["short"] < ALLOWED_GROWTH_MB, peaks


def test_a_five_minute_timeline_needs_the_memory_of_a_four_second_one(tmp_path):
    from keras_video_zoo.data.synthetic_real_world import moving_texture
    from keras_video_zoo.data.video_writer import encode_video

    loop = moving_texture(240, 320, 100, "left")  # 4 s, repeated for 5 minutes
    peaks = {}
    for label, frames in (("short", 100), ("long", 7500)):
        video = tmp_path / f"{label}.mp4"
        encode_video(video, (loop[t % 100] for t in range(frames)), "libx264")
        argv = ["predict", str(video), "--model", "slow_fusion_tiny.synthetic", "--timeline", str(tmp_path / label)]
        result = run_command(argv)
        assert result["exit"] == 0 and result["peak_mb"], result
        peaks[label] = result["peak_mb"]
    assert peaks["long"] - peaks["short"] < ALLOWED_GROWTH_MB, peaks
