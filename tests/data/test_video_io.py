from pathlib import Path

import cv2
import numpy as np
import pytest

from keras_video_zoo.data.decoders import VideoInfo, probe_video
from keras_video_zoo.data.video_errors import ShortVideoError, VideoReadError
from keras_video_zoo.data.video_io import count_frames, read_frame_folder, read_frames
from tests.helpers.indexed_videos import BLUE, RED, frame_level, indexed_frames, write_opencv_video, write_pyav_video

BACKENDS = ["opencv", "pyav"]
FRAMES = 20


def assert_indexed(frames: np.ndarray, indices, atol: float = 4.0) -> None:
    """Each decoded frame is the indexed frame it should be, in RGB order."""
    means = frames.reshape(len(frames), -1, 3).mean(axis=1)
    np.testing.assert_allclose(means[:, 0], RED, atol=atol)
    np.testing.assert_allclose(means[:, 1], [frame_level(i) for i in indices], atol=atol)
    np.testing.assert_allclose(means[:, 2], BLUE, atol=atol)


@pytest.fixture(scope="module")
def avi(tmp_path_factory) -> Path:
    return write_opencv_video(tmp_path_factory.mktemp("videos") / "indexed.avi", indexed_frames(FRAMES))


@pytest.fixture(scope="module")
def pan_avi(tmp_path_factory) -> Path:
    """A textured 4:3 video (resizing checks need detail that flat frames lack)."""
    rng = np.random.default_rng(0)
    texture = cv2.resize(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), (160, 120), interpolation=cv2.INTER_CUBIC)
    frames = np.stack([np.roll(texture, 2 * t, axis=1) for t in range(8)])
    return write_opencv_video(tmp_path_factory.mktemp("videos") / "pan.avi", frames)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reads_every_frame_in_order_as_rgb_uint8(avi, backend):
    frames = read_frames(avi, backend=backend)
    assert frames.shape == (FRAMES, 48, 64, 3) and frames.dtype == np.uint8
    assert_indexed(frames, range(FRAMES))
    assert count_frames(avi, backend=backend) == FRAMES
    info = probe_video(avi, backend=backend)
    assert (info.frame_count, info.fps, info.height, info.width) == (FRAMES, 25.0, 48, 64)


@pytest.mark.parametrize("backend", BACKENDS)
def test_indices_in_any_order_with_repeats_are_the_same_frames_as_a_full_read(avi, backend):
    every = read_frames(avi, backend=backend)
    indices = [7, 0, 7, 3, 19]
    np.testing.assert_array_equal(read_frames(avi, indices, backend=backend), every[indices])


def test_backends_agree_within_yuv_conversion_rounding(pan_avi):
    opencv, pyav = (read_frames(pan_avi, backend=backend).astype(int) for backend in BACKENDS)
    assert opencv.shape == pyav.shape
    assert np.abs(opencv - pyav).mean() < 2.0 and np.percentile(np.abs(opencv - pyav), 99) <= 6


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        ("xvid.mkv", lambda p, f: write_opencv_video(p, f, "XVID")),
        ("mpeg4.mp4", lambda p, f: write_opencv_video(p, f, "mp4v")),
        ("mpeg4.mov", lambda p, f: write_opencv_video(p, f, "mp4v")),
        ("h264.mp4", lambda p, f: write_pyav_video(p, f, "libx264")),
        ("vp9.webm", lambda p, f: write_pyav_video(p, f, "libvpx-vp9")),
        ("ffv1_odd_size.mkv", lambda p, f: write_pyav_video(p, f[:, :35, :51], "ffv1")),
    ],
)
@pytest.mark.parametrize("backend", BACKENDS)
def test_containers_and_codecs(tmp_path, name, writer, backend):
    path = writer(tmp_path / name, indexed_frames(FRAMES, 36, 82))  # an unusual aspect ratio
    frames = read_frames(path, [FRAMES - 1, 0, 5], backend=backend)
    assert frames.shape == ((3, 35, 51, 3) if "odd" in name else (3, 36, 82, 3))
    assert_indexed(frames, [FRAMES - 1, 0, 5])


@pytest.mark.parametrize("backend", BACKENDS)
def test_variable_frame_rate_reads_every_frame_once_though_the_container_reports_more(tmp_path, backend, no_hang):
    gaps = [40, 40, 100, 20, 60, 40, 10, 200, 40, 40, 40, 40, 33, 33, 33, 80, 40, 40, 40]
    path = write_pyav_video(tmp_path / "vfr.mkv", indexed_frames(FRAMES), pts_ms=np.cumsum([0, *gaps]))
    reported = probe_video(path, backend=backend).frame_count
    assert reported != FRAMES  # estimated from duration x average rate, so wrong for a variable rate
    assert count_frames(path, backend=backend) == FRAMES
    assert_indexed(read_frames(path, backend=backend), range(FRAMES))
    with pytest.raises(ShortVideoError, match="only 20 frames decode") as raised:
        read_frames(path, [0, FRAMES], backend=backend)
    assert raised.value.decoded_frames == FRAMES


@pytest.mark.parametrize("backend", BACKENDS)
def test_truncated_video_raises_short_video_error_with_the_true_count(tmp_path, backend, no_hang):
    frames = np.random.default_rng(0).integers(0, 256, (60, 96, 128, 3), dtype=np.uint8)  # big frames, spread evenly
    whole = write_opencv_video(tmp_path / "whole.avi", frames)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    assert probe_video(cut, backend=backend).frame_count == 60  # the header still says 60
    decoded = count_frames(cut, backend=backend)
    assert 0 < decoded < 60
    assert read_frames(cut, backend=backend).shape[0] == decoded
    with pytest.raises(
        ShortVideoError, match=f"cut.avi: asked for frame 59 but only {decoded} frames decode"
    ) as raised:
        read_frames(cut, [0, 59], backend=backend)
    assert raised.value.decoded_frames == decoded and raised.value.requested == 59
    clamped = read_frames(cut, [0, 59], backend=backend, on_short="clamp")
    np.testing.assert_array_equal(clamped[1], read_frames(cut, [decoded - 1], backend=backend)[0])


def _zero_frame(path: Path) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"XVID"), 25, (64, 48))
    writer.release()
    return path


BAD_FILES = {
    "text.avi": lambda path, good: path.write_text("this is not a video"),
    "empty.mp4": lambda path, good: path.write_bytes(b""),
    "header_only.avi": lambda path, good: path.write_bytes(good.read_bytes()[:200]),
    "zero_frames.avi": lambda path, good: _zero_frame(path),
    "noise.mkv": lambda path, good: path.write_bytes(np.random.default_rng(1).bytes(20_000)),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_unreadable_files_raise_video_read_error_naming_the_file(tmp_path, avi, name, backend, no_hang):
    path = tmp_path / name
    BAD_FILES[name](path, avi)
    with pytest.raises(VideoReadError, match=name):
        read_frames(path, [0], backend=backend)
    with pytest.raises(VideoReadError, match=name):
        count_frames(path, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_file(tmp_path, backend):
    with pytest.raises(VideoReadError, match="nothing.avi: no such file"):
        read_frames(tmp_path / "nothing.avi", backend=backend)
    with pytest.raises(VideoReadError, match="nothing.avi: no such file"):
        probe_video(tmp_path / "nothing.avi", backend=backend)


def test_resize_to_size_and_short_side_match_opencv_resize(pan_avi):
    full = read_frames(pan_avi, [2])[0]
    covering = cv2.resize(full, (80, 60), interpolation=cv2.INTER_AREA)  # 120 x 160 scaled to cover 60 x 50
    np.testing.assert_array_equal(read_frames(pan_avi, [2], size=(60, 50))[0], covering[:, 15:65])  # centre, no stretch
    short = read_frames(pan_avi, [2, 3], short_side=60)
    assert short.shape == (2, 60, 80, 3)  # 120x160 keeps its 4:3 aspect
    np.testing.assert_array_equal(short[0], cv2.resize(full, (80, 60), interpolation=cv2.INTER_AREA))
    assert read_frames(pan_avi, [0], short_side=240).shape == (1, 240, 320, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "ffmpeg"}, "backend must be one of"),
        ({"size": (10, 10), "short_side": 5}, "not both"),
        ({"indices": []}, "indices is empty"),
        ({"indices": [-1]}, "must be >= 0"),
        ({"short_side": 0}, "short_side must be positive"),
        ({"on_short": "pad"}, "on_short must be one of"),
    ],
)
def test_bad_arguments_are_value_errors_not_read_errors(avi, kwargs, message):
    with pytest.raises(ValueError, match=message) as raised:
        read_frames(avi, **kwargs)
    assert not isinstance(raised.value, VideoReadError)


@pytest.fixture
def frame_folder(tmp_path) -> Path:
    folder = tmp_path / "v_Run_g01_c01"
    folder.mkdir()
    for index, frame in enumerate(indexed_frames(12)):
        cv2.imwrite(str(folder / f"img_{index + 1:05d}.jpg"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(folder / "flow_x_00001.jpg"), np.zeros((48, 64), np.uint8))  # other prefixes are ignored
    return folder


def test_frame_folders_read_like_videos(frame_folder):
    assert count_frames(frame_folder) == 12
    assert probe_video(frame_folder) == VideoInfo(str(frame_folder), 12, 0.0, 48, 64)
    frames = read_frames(frame_folder, [11, 0, 0, 4])
    assert frames.shape == (4, 48, 64, 3)
    assert_indexed(frames, [11, 0, 0, 4])
    np.testing.assert_array_equal(read_frame_folder(frame_folder, [4]), read_frames(frame_folder, [4]))
    assert read_frames(frame_folder, short_side=24).shape == (12, 24, 32, 3)
    with pytest.raises(ShortVideoError, match="only 12 frames decode"):
        read_frames(frame_folder, [12])
    assert read_frames(frame_folder, [30], on_short="clamp").shape == (1, 48, 64, 3)


def test_frame_folder_errors(frame_folder, tmp_path):
    with pytest.raises(VideoReadError, match="no frame images named flow_y_"):
        read_frame_folder(frame_folder, prefix="flow_y_")
    (frame_folder / "img_00003.jpg").write_bytes(b"broken")
    with pytest.raises(VideoReadError, match="img_00003.jpg: is not a readable image"):
        read_frames(frame_folder, [2])
