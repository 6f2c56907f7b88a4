"""Frame-coded test videos: every frame says its own index and its video's number.

The top half of frame i is grey level 20 + FRAME_STEP * i; the bottom half is 30 * video.
Halves of 16 rows are whole codec blocks, so neither half bleeds into the other.
"""

import tempfile
from pathlib import Path

import cv2
import numpy as np

from keras_video_zoo.data.video_io import read_frames

FRAME_STEP = 6


def write_video(path, frames: int, video: int = 0, size=(32, 40), noise: bool = False) -> str:
    """A grey test video; ``noise`` fills the bottom half with noise (a file big enough to truncate)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"XVID"), 25, (size[1], size[0]))
    rng = np.random.default_rng(video)
    for index in range(frames):
        frame = np.full((*size, 3), 20 + FRAME_STEP * index, np.uint8)  # 20: clear of the clipped darks
        half = size[0] // 2
        frame[half:] = rng.integers(0, 256, (size[0] - half, *size[1:], 3)) if noise else 30 * video
        writer.write(frame)
    writer.release()
    return str(path)


def _grey_levels(frames: int = 36) -> np.ndarray:
    """What the codec makes of each frame's grey level (it shifts them a little), measured once."""
    with tempfile.TemporaryDirectory() as folder:
        frames_read = read_frames(write_video(Path(folder) / "reference.avi", frames))
    return frames_read[:, : frames_read.shape[1] // 2].mean(axis=(1, 2, 3))


GREY_LEVELS = _grey_levels()


def frame_numbers(clips: np.ndarray) -> np.ndarray:
    """Frame index of every frame of ``(..., T, H, W, 3)`` clips: the nearest decoded grey level."""
    half = clips.shape[-3] // 2
    means = clips[..., :half, :, :].mean(axis=(-3, -2, -1))
    return np.abs(means[..., None] - GREY_LEVELS).argmin(axis=-1)


def video_numbers(clips: np.ndarray) -> np.ndarray:
    half = clips.shape[-3] // 2
    return np.round(clips[..., half + 2 :, :, :].mean(axis=(-4, -3, -2, -1)) / 30).astype(int)
