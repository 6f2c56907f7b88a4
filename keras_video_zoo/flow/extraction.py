"""Dense optical flow between consecutive frames with OpenCV: TV-L1, DIS and Farneback.

Every algorithm returns float32 displacement fields ``(H, W, 2)`` in pixels,
``[..., 0]`` the x (column) and ``[..., 1]`` the y (row) displacement of the pixel
of the first frame: ``first[y, x]`` is seen at ``second[y + dy, x + dx]``.
N frames give N - 1 forward fields; backward field ``k`` maps frame ``k + 1`` back
to frame ``k``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from keras_video_zoo.opencv import cv2, require_contrib

# DIS ("medium" preset) is the default, from benchmarks/flow.py on generated pairs at 320x240
# (2 threads): sub-pixel everywhere (EPE 0.05 px on 1.5 and 11 px translations, 0.3-0.45 px
# on smooth warps) at 70-130 pairs/s. TV-L1 is more accurate (0.01 / 0.09-0.13 px) but runs
# 1-4 pairs/s: UCF-101's ~2.5M pairs would take 1-3 weeks on 2 cores instead of ~6-10 hours.
# Farneback matches DIS's accuracy here at its slower speed and is known to fail on flat regions.
from keras_video_zoo.vocabulary import DEFAULT_FLOW_ALGORITHM as DEFAULT_ALGORITHM


def _tvl1() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    require_contrib("TV-L1 optical flow (--algorithm tvl1)")
    # scaleStep 0.5 (default 0.8 with 5 scales) so the pyramid's coarsest level sees
    # motion above ~8 px as small; with the default, large motion is not recovered.
    solver = cv2.optflow.DualTVL1OpticalFlow_create(scaleStep=0.5, nscales=5, warps=5)
    return lambda first, second: solver.calc(first, second, None)


def _dis(preset: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def factory() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        solver = cv2.DISOpticalFlow_create(preset)
        return lambda first, second: solver.calc(first, second, None)

    return factory


def _farneback() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    # OpenCV's documented example parameters (pyramid 0.5 x 5 levels, window 15).
    return lambda first, second: cv2.calcOpticalFlowFarneback(first, second, None, 0.5, 5, 15, 3, 5, 1.2, 0)


ALGORITHMS: dict[str, Callable[[], Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "tvl1": _tvl1,
    "dis": _dis(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM),
    "dis_fast": _dis(cv2.DISOPTICAL_FLOW_PRESET_FAST),
    "dis_ultrafast": _dis(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST),
    "farneback": _farneback,
}


def to_gray(frame: np.ndarray) -> np.ndarray:
    """A uint8 grayscale image from an RGB ``(H, W, 3)`` or gray ``(H, W)``/``(H, W, 1)`` frame."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8:
        raise ValueError(f"flow is computed on uint8 frames (0-255); got dtype {frame.dtype}.")
    if frame.ndim == 3 and frame.shape[-1] == 3:
        return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if frame.ndim == 3 and frame.shape[-1] == 1:
        return frame[..., 0]
    if frame.ndim == 2:
        return frame
    raise ValueError(f"a frame must be (H, W), (H, W, 1) or (H, W, 3); got shape {frame.shape}.")


class FlowExtractor:
    """Computes flow with one algorithm, reusing its OpenCV solver across pairs.

    Args:
        algorithm: one of :data:`ALGORITHMS` (``"tvl1"``, ``"dis"``, ``"dis_fast"``,
            ``"dis_ultrafast"``, ``"farneback"``).

    Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> first = cv2.GaussianBlur(rng.integers(0, 256, (64, 64), dtype=np.uint8), (0, 0), 2)
    >>> second = np.roll(first, 2, axis=1)  # everything moves 2 px right
    >>> flow = FlowExtractor("dis")(first, second)
    >>> flow.shape, flow.dtype.name, bool(abs(np.median(flow[..., 0]) - 2) < 0.2)
    ((64, 64, 2), 'float32', True)
    """

    def __init__(self, algorithm: str = DEFAULT_ALGORITHM) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"Unknown flow algorithm {algorithm!r}; choose one of {sorted(ALGORITHMS)}.")
        self.algorithm = algorithm
        self._solver = ALGORITHMS[algorithm]()

    def __call__(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The flow ``(H, W, 2)`` float32 from ``first`` to ``second``."""
        first, second = to_gray(first), to_gray(second)
        if first.shape != second.shape:
            raise ValueError(f"the two frames differ in size: {first.shape} vs {second.shape}.")
        return np.asarray(self._solver(first, second), np.float32)

    def video(self, frames: np.ndarray, *, backward: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Flow between consecutive frames of a video.

        Args:
            frames: ``(N, H, W, 3)`` RGB or ``(N, H, W)`` gray uint8 frames, N >= 2.
            backward: also compute the backward fields (frame k + 1 to frame k).

        Returns:
            Forward fields ``(N - 1, H, W, 2)`` float32, or ``(forward, backward)``.
        """
        if len(frames) < 2:
            raise ValueError(f"flow needs at least 2 frames; got {len(frames)}.")
        gray = [to_gray(frame) for frame in frames]
        forward = np.stack([self(a, b) for a, b in zip(gray[:-1], gray[1:], strict=True)])
        if not backward:
            return forward
        return forward, np.stack([self(b, a) for a, b in zip(gray[:-1], gray[1:], strict=True)])


def compute_flow(frames: np.ndarray, algorithm: str = DEFAULT_ALGORITHM, *, backward: bool = False):
    """Forward (and optionally backward) flow of a frame sequence; see :meth:`FlowExtractor.video`.

    Example:
    >>> import numpy as np
    >>> compute_flow(np.zeros((3, 32, 32, 3), np.uint8), "farneback").shape
    (2, 32, 32, 2)
    """
    return FlowExtractor(algorithm).video(frames, backward=backward)


def end_point_error(flow: np.ndarray, truth: np.ndarray, margin: int = 0) -> float:
    """Mean Euclidean distance between two flow fields, ignoring ``margin`` pixels at each border.

    Example:
    >>> import numpy as np
    >>> end_point_error(np.zeros((4, 4, 2)), np.full((4, 4, 2), [3.0, 4.0]))
    5.0
    """
    flow, truth = np.asarray(flow, np.float64), np.asarray(truth, np.float64)
    if flow.shape != truth.shape:
        raise ValueError(f"flow and truth shapes differ: {flow.shape} vs {truth.shape}.")
    if margin:
        flow, truth = flow[..., margin:-margin, margin:-margin, :], truth[..., margin:-margin, margin:-margin, :]
    return float(np.mean(np.linalg.norm(flow - truth, axis=-1)))
