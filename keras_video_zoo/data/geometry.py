"""Frame fitting, in one place: the rule that turns a decoded frame of any size into the pipeline's size.

Every video gets the same rule, decided from the model (or the command line), never from
another video, and applied to each frame as it is decoded, so a 4K video costs no more memory
than a small one. Aspect ratios are kept: frames are resized by their short side, then (for
pipelines that batch clips) cut to their centred square, the papers' "centre region"
(Karpathy et al. crop the centre and resize to 200x200; Simonyan & Zisserman take 224 crops of
frames whose short side is 256). Portrait and landscape videos are both served: a portrait
frame's square is its middle.

Example:
>>> import numpy as np
>>> FrameGeometry(short_side=64, square=True).fit(np.zeros((1080, 1920, 3), np.uint8)).shape
(64, 64, 3)
>>> FrameGeometry(short_side=128).output_shape(1920, 1080)  # portrait: the short side is the width
(228, 128)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_video_zoo.opencv import cv2


@dataclass(frozen=True)
class FrameGeometry:
    """How decoded frames are fitted: resize by the short side (aspect kept), optionally to the centred square.

    Attributes:
        short_side: the shorter side after resizing (``None``: keep the decoded size).
        square: then cut the centred ``short_side x short_side`` square (batched pipelines need one size).
        size: instead, an exact ``(height, width)``: resized to cover it, then centre-cropped.
        shrink_only: with ``short_side`` (and no square), leave frames whose short side is already
            at most ``short_side`` as they are (stored flow: enlarging adds nothing but bytes).
    """

    short_side: int | None = None
    square: bool = False
    size: tuple[int, int] | None = None
    shrink_only: bool = False

    def __post_init__(self) -> None:
        if self.size is not None:
            if self.short_side is not None or self.square:
                raise ValueError("give size=(H, W), or short_side (with square), not both.")
            if len(self.size) != 2 or min(self.size) < 1:
                raise ValueError(f"size must be (height, width) with positive sides; got {self.size!r}.")
            object.__setattr__(self, "size", (int(self.size[0]), int(self.size[1])))
        if self.short_side is not None and self.short_side < 1:
            raise ValueError(f"short_side must be positive; got {self.short_side!r}.")
        if self.square and self.short_side is None:
            raise ValueError("square=True cuts a short_side x short_side square: give short_side.")
        if self.shrink_only and (self.short_side is None or self.square):
            raise ValueError("shrink_only applies to short_side resizing without square.")

    @classmethod
    def square_of(cls, side: int) -> FrameGeometry:
        """The pipelines' rule: short side ``side``, centred square."""
        return cls(short_side=int(side), square=True)

    @property
    def fixed_size(self) -> tuple[int, int] | None:
        """The output ``(H, W)`` whatever the video's size, or ``None`` when it depends on the video."""
        if self.size is not None:
            return self.size
        return (self.short_side, self.short_side) if self.square else None

    def output_shape(self, height: int, width: int) -> tuple[int, int]:
        """``(H, W)`` of a fitted ``height x width`` frame."""
        if self.fixed_size is not None:
            return self.fixed_size
        if self.short_side is None or (self.shrink_only and min(height, width) <= self.short_side):
            return height, width
        scale = self.short_side / min(height, width)
        return max(1, round(height * scale)), max(1, round(width * scale))

    def fit(self, frame: np.ndarray) -> np.ndarray:
        """One frame ``(H, W, C)`` fitted (a no-op when it already has the output size)."""
        height, width = frame.shape[:2]
        if self.size is not None:
            target_height, target_width = self.size
            scale = max(target_height / height, target_width / width)
            cover = max(target_height, round(height * scale)), max(target_width, round(width * scale))
            resized = resize_frame(frame, cover)
            top, left = (cover[0] - target_height) // 2, (cover[1] - target_width) // 2
            return resized[top : top + target_height, left : left + target_width]
        if self.short_side is None:
            return frame
        if self.square:
            side = min(height, width)  # cut the square first: less to resize
            top, left = (height - side) // 2, (width - side) // 2
            return resize_frame(frame[top : top + side, left : left + side], (self.short_side, self.short_side))
        return resize_frame(frame, self.output_shape(height, width))

    def fit_all(self, frames: np.ndarray) -> np.ndarray:
        """Every frame of ``(N, H, W, C)``."""
        if self.fixed_size is None and self.short_side is None:
            return frames
        return np.stack([self.fit(frame) for frame in frames]) if len(frames) else frames

    def to_dict(self) -> dict[str, Any] | None:
        """For manifests and reports (``None`` when frames keep their decoded size)."""
        if self.size is not None:
            return {"size": list(self.size)}
        if self.short_side is None:
            return None
        flags = {"square": True} if self.square else ({"shrink_only": True} if self.shrink_only else {})
        return {"short_side": self.short_side} | flags


def resize_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    height, width = size
    if frame.shape[:2] == (height, width):
        return frame
    # INTER_AREA averages when shrinking (no aliasing); INTER_LINEAR is the usual choice when enlarging.
    shrinking = height * width < frame.shape[0] * frame.shape[1]
    resized = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return resized if resized.ndim == frame.ndim else resized[..., None]
