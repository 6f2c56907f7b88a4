"""Evaluation views: where a crop sits in a frame and whether it is mirrored.

Views are plain records shared by the clip protocols (``keras_video_zoo.data.sampling``),
which say which views a video is scored with, and the on-device view layers
(``keras_video_zoo.layers.clip_augmentation``), which cut them; so neither imports the other.

Example:
>>> from keras_video_zoo.views import TEN_CROPS, CropView
>>> len(TEN_CROPS), TEN_CROPS[-1]
(10, CropView(y=0.5, x=0.5, flip=True))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CropView:
    """One evaluation view: where the crop sits and whether it is flipped.

    Attributes:
        y, x: the crop's position as a fraction of the free margin: 0 top/left,
            0.5 centre, 1 bottom/right.
        flip: mirror left-right.

    Example:
    >>> CropView.from_dict(CropView(0.0, 1.0, True).to_dict())
    CropView(y=0.0, x=1.0, flip=True)
    """

    y: float = 0.5
    x: float = 0.5
    flip: bool = False

    def __post_init__(self) -> None:
        if not (0.0 <= self.y <= 1.0 and 0.0 <= self.x <= 1.0):
            raise ValueError(f"crop position (y, x) must lie in [0, 1]; got ({self.y}, {self.x}).")

    def to_dict(self) -> dict[str, Any]:
        return {"y": float(self.y), "x": float(self.x), "flip": bool(self.flip)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CropView:
        return cls(float(data["y"]), float(data["x"]), bool(data["flip"]))


CENTRE = CropView(0.5, 0.5, False)
#: Four corners and the centre, the usual "5 crops".
FIVE_CROPS = (CropView(0.0, 0.0), CropView(0.0, 1.0), CropView(1.0, 0.0), CropView(1.0, 1.0), CENTRE)
#: The five crops and their mirror images (Simonyan & Zisserman's 10 crops).
TEN_CROPS = FIVE_CROPS + tuple(CropView(view.y, view.x, True) for view in FIVE_CROPS)
#: Karpathy et al. say only "4 passes with different crops and flips" (choice): the centre, plain and
#: mirrored, and two opposite corners, one of them mirrored; fixed so evaluations are reproducible.
KARPATHY_VIEWS = (CENTRE, CropView(0.5, 0.5, True), CropView(0.0, 0.0, False), CropView(1.0, 1.0, True))
