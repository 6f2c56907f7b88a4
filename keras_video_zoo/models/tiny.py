"""Tiny variants: the papers' topologies at a size that trains on a CPU in seconds.

They keep the temporal structure (frames, temporal kernels, fusion points) and
shrink space (64x64 frames), width (1/8 of the filters) and the fc layers.
"""

from __future__ import annotations

TINY_SIZE = 64
TINY = {"width": 0.125, "fc_units": 64, "num_classes": 10}


def tiny_clip(frames: int, channels: int = 3) -> tuple[int, int, int, int]:
    """Clip shape of a tiny variant."""
    return (frames, TINY_SIZE, TINY_SIZE, channels)
