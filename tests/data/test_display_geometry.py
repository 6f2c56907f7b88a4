"""Frames as a player shows them, from both decoders: display rotation, non-square pixels, interlacing."""

from fractions import Fraction

import numpy as np
import pytest

from keras_video_zoo.data.decoders import DEINTERLACE_ENV, DisplayGeometry, probe_video
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.live_sources import live_frames, open_live
from keras_video_zoo.data.synthetic_real_world import moving_texture, woven_fields
from keras_video_zoo.data.video_io import iter_frames, read_frames
from keras_video_zoo.data.video_writer import encode_video
from keras_video_zoo.opencv import cv2

BACKENDS = ("opencv", "pyav")


def shown(height=48, width=64, frames=6, direction="left"):
    """What the player should show: a texture with a bright mark in its top-left corner (so a turn is visible)."""
    clip = np.array(moving_texture(height, width, frames, direction))
    clip[:, : height // 4, : width // 4] = 255
    return clip


def test_show_turns_counterclockwise_then_squares_pixels():
    frame = np.zeros((4, 6, 3), np.uint8)
    frame[0, 0] = 255  # top-left
    turned = DisplayGeometry(rotation=90).show(frame)
    assert turned.shape == (6, 4, 3) and turned[5, 0, 0] == 255  # counterclockwise: top-left goes bottom-left
    assert DisplayGeometry(rotation=-90).rotation == 270 and DisplayGeometry().applied() == ()
    assert DisplayGeometry(pixel_aspect=Fraction(3, 2)).show(frame).shape == (4, 9, 3)
    assert DisplayGeometry(rotation=90, pixel_aspect=Fraction(3, 2)).display_size(4, 6) == (9, 4)
    with pytest.raises(ValueError, match="multiple of 90"):
        DisplayGeometry(rotation=45)


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_phone_video_with_a_display_matrix_decodes_upright(tmp_path, degrees, backend):
    clip = shown()
    path = tmp_path / f"turned_{degrees}.mp4"
    encode_video(path, np.rot90(clip, -degrees // 90, axes=(1, 2)), "libx264", rotation=degrees)
    frames = read_frames(path, backend=backend)
    assert frames.shape == clip.shape
    assert np.abs(frames.astype(np.int16) - clip).mean() < 4  # the picture, not a turned one (codec tolerance)
    assert probe_video(path, backend=backend).display == (
        f"turned {degrees} degrees counterclockwise (display matrix)",
    )
    streamed = np.stack(list(iter_frames(path, backend=backend)))
    np.testing.assert_array_equal(streamed, frames)  # the timeline's reader shows the same frames
    if backend == "pyav":  # read as a live source: turned as its first frame says, not read ahead
        errors: list[str] = []
        live = np.stack(list(live_frames(open_live(str(path)), FrameGeometry(), errors)))
        np.testing.assert_array_equal(live, frames)
        assert not errors


@pytest.mark.parametrize("backend", BACKENDS)
def test_wide_pixels_are_resampled_to_the_display_aspect(tmp_path, backend):
    clip = shown(height=72, width=128)  # 16:9, which MPEG-2 stores as an aspect code
    squeezed = np.stack([cv2.resize(frame, (96, 72), interpolation=cv2.INTER_AREA) for frame in clip])
    path = tmp_path / "anamorphic.mpg"
    encode_video(path, squeezed, "mpeg2video", container_format="mpeg", pixel_aspect=Fraction(4, 3))
    frames = read_frames(path, backend=backend)
    assert frames.shape == clip.shape  # 96 stored pixels 4/3 wide are 128 square ones
    assert np.abs(frames.astype(np.int16) - clip).mean() < 8
    assert probe_video(path, backend=backend).display == ("pixels 4:3 resampled to square",)


def _combing(frames: np.ndarray) -> float:
    """How much neighbouring rows disagree beyond what their neighbours do: high for woven fields in motion."""
    frames = frames.astype(np.float32)
    middle = (frames[:, :-2] + frames[:, 2:]) / 2
    return float(np.abs(frames[:, 1:-1] - middle).mean())


@pytest.mark.parametrize("backend", BACKENDS)
def test_interlaced_video_is_deinterlaced_unless_turned_off(tmp_path, backend, monkeypatch):
    stripes = np.where(np.arange(128) // 8 % 2, 230, 20).astype(np.uint8)  # sharp edges, 4 px a field to the left
    fields = np.stack([np.broadcast_to(np.roll(stripes, -4 * i)[None, :, None], (96, 128, 3)) for i in range(16)])
    path = tmp_path / "broadcast.ts"
    encode_video(path, woven_fields(fields), "mpeg2video", container_format="mpegts", interlaced=True)

    deinterlaced = read_frames(path, backend=backend)
    assert deinterlaced.shape == (8, 96, 128, 3)  # a frame per frame: indices keep their meaning
    assert probe_video(path).display == ("deinterlaced (yadif, a frame per frame)",)

    monkeypatch.setenv(DEINTERLACE_ENV, "0")
    woven = read_frames(path, backend=backend)
    assert woven.shape == deinterlaced.shape and probe_video(path).display == ()
    assert _combing(deinterlaced) < 0.5 * _combing(woven)


def test_no_deinterlace_holds_while_a_command_runs_and_is_undone_after(monkeypatch):
    from keras_video_zoo.cli import main
    from keras_video_zoo.commands import predict
    from keras_video_zoo.data.decoders import deinterlacing

    seen = []
    monkeypatch.setattr(predict, "run", lambda args: seen.append(deinterlacing()) or 0)
    assert main(["predict", "any.mp4", "--model", "m", "--no-deinterlace"]) == 0
    assert main(["predict", "any.mp4", "--model", "m"]) == 0
    assert seen == [False, True] and deinterlacing()
