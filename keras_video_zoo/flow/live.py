"""Flow stacks computed on the fly from a video, for prediction without a ``kvz flow`` run first.

Only the frames the stacks need are decoded (fitted to the pipeline's square as they are
decoded), their flow is computed with the same algorithm and quantisation ``kvz flow`` uses,
and the stacks come out as the temporal stream's uint8 input.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from keras_video_zoo.data.decoders import probe_video
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.video_errors import DecodedVideo, VideoReadError
from keras_video_zoo.data.video_io import read_video
from keras_video_zoo.flow.extraction import DEFAULT_ALGORITHM, FlowExtractor, to_gray
from keras_video_zoo.flow.quantisation import DEFAULT_BOUND, quantize_flow
from keras_video_zoo.flow.stacking import evenly_spaced_taus, stack_indices, trajectory_stack


def video_flow_stacks(
    path: str | Path,
    *,
    fields: int,
    stacks: int,
    geometry: FrameGeometry,
    mode: str = "forward",
    algorithm: str = DEFAULT_ALGORITHM,
    bound: float = DEFAULT_BOUND,
    backend: str = "opencv",
) -> tuple[np.ndarray, np.ndarray, DecodedVideo]:
    """``stacks`` evenly spaced flow stacks of a video, and the frames they start at.

    Args:
        path: the video (any container) or frame folder.
        fields: ``L``, fields per stack.
        stacks: how many stacks, evenly spaced (the two-stream protocol's 25).
        geometry: how frames are fitted before their flow is computed.
        mode: ``forward``, ``centred``, ``bidirectional`` or ``trajectory`` stacking.
        algorithm, bound: as ``kvz flow`` (DIS, 20 px).
        backend: the decoder.

    Returns:
        ``(stacks (n, L, H, W, 2) uint8, frames (n, H, W, 3) uint8 at each stack's position, decoded)``.

    Raises:
        VideoReadError: the video cannot be read, or has fewer than ``L + 1`` frames.
    """
    count = probe_video(path, backend=backend).frame_count or read_video(path, [0], backend=backend).decoded
    if count < fields + 1:
        raise VideoReadError(path, f"{count} frames: too short for a stack of {fields} flow fields.")
    taus = [int(tau) for tau in evenly_spaced_taus(mode, fields, count - 1, stacks)]
    numbers = [stack_indices(mode, tau, fields, count - 1) for tau in taus]
    needed = sorted({frame for n in numbers for k in n["forward"] + n["backward"] for frame in (k, k + 1)} | set(taus))
    video = read_video(path, needed, geometry=geometry, backend=backend, on_short="clamp")
    frames = dict(zip(needed, video.frames, strict=True))
    gray = {index: to_gray(frame) for index, frame in frames.items()}
    extractor, cache = FlowExtractor(algorithm), {}

    def field(direction: str, k: int) -> np.ndarray:
        if (direction, k) not in cache:
            first, second = (gray[k], gray[k + 1]) if direction == "forward" else (gray[k + 1], gray[k])
            cache[direction, k] = extractor(first, second)
        return cache[direction, k]

    stacks = [quantized_stack(field, n, mode, bound) for n in numbers]
    return np.stack(stacks), np.stack([frames[tau] for tau in taus]), video


def quantized_stack(field: Callable[[str, int], np.ndarray], numbers: dict, mode: str, bound: float) -> np.ndarray:
    """One stack as the temporal stream takes it: the fields ``numbers`` names, trajectory-sampled if asked, uint8.

    Args:
        field: ``field(direction, k)``, the flow field from frame ``k`` (``"forward"``) or to it (``"backward"``).
        numbers: ``stack_indices(...)`` of the stack.
        mode: the stacking mode.
        bound: the quantisation bound in pixels.
    """
    stack = np.stack(
        [field("forward", k) for k in numbers["forward"]] + [field("backward", k) for k in numbers["backward"]]
    )
    if mode == "trajectory":
        stack = np.asarray(trajectory_stack(stack))
    return quantize_flow(stack, bound)
