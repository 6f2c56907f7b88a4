"""Which frames of a video make a clip: samplers and evaluation protocols, as data.

Everything here is pure numpy and seeded, so a protocol recorded with a result
(:meth:`ClipProtocol.to_dict`) reproduces the exact frames it was evaluated on.

A *clip* is ``frames`` frame indices ``stride`` apart; its *span* is
``(frames - 1) * stride + 1`` frames of video. Crops and flips ("views") are data
too (:class:`keras_video_zoo.views.CropView`); they run on the device in
:mod:`keras_video_zoo.layers.clip_augmentation`.

Videos shorter than a clip's span follow a :data:`SHORT_VIDEO_POLICIES` policy:

- ``"clamp"`` (default): indices past the end repeat the last frame, so the clip
  keeps its temporal order and ends on a still; a one-frame video gives a still clip.
- ``"loop"``: indices wrap around to the start (``i % num_frames``), for periodic
  actions; the wrap is a jump in time that models may see as motion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from keras_video_zoo.views import CENTRE, KARPATHY_VIEWS, TEN_CROPS, CropView

SHORT_VIDEO_POLICIES = ("clamp", "loop")

__all__ = [
    "SHORT_VIDEO_POLICIES",
    "ClipProtocol",
    "KarpathyProtocol",
    "TrainingClips",
    "TwoStreamProtocol",
    "UniformClipsProtocol",
    "clip_indices",
    "clip_span",
    "frame_pair",
    "random_clips",
    "uniform_clips",
    "video_rng",
]


def clip_span(frames: int, stride: int = 1) -> int:
    """Frames of video one clip covers.

    Example:
    >>> clip_span(10), clip_span(2, stride=15)
    (10, 16)
    """
    if frames < 1 or stride < 1:
        raise ValueError(f"a clip needs frames >= 1 and stride >= 1; got frames={frames}, stride={stride}.")
    return (frames - 1) * stride + 1


def _check_policy(policy: str) -> None:
    if policy not in SHORT_VIDEO_POLICIES:
        raise ValueError(f"short-video policy must be one of {SHORT_VIDEO_POLICIES}; got {policy!r}.")


def clip_indices(
    starts: np.ndarray | int, num_frames: int, frames: int, stride: int = 1, policy: str = "clamp"
) -> np.ndarray:
    """Frame indices of clips starting at ``starts``, kept inside the video by ``policy``.

    Args:
        starts: one start or an array of starts.
        num_frames: frames the video really has.
        frames, stride: the clip length and the step between its frames.
        policy: what to do past the last frame, one of :data:`SHORT_VIDEO_POLICIES`.

    Returns:
        int64 ``(len(starts), frames)`` (or ``(frames,)`` for one start).

    Example:
    >>> clip_indices(0, num_frames=4, frames=6).tolist()
    [0, 1, 2, 3, 3, 3]
    >>> clip_indices(0, num_frames=4, frames=6, policy="loop").tolist()
    [0, 1, 2, 3, 0, 1]
    """
    _check_policy(policy)
    if num_frames < 1:
        raise ValueError(f"a video needs at least one frame to sample from; got num_frames={num_frames}.")
    clip_span(frames, stride)
    indices = np.asarray(starts, dtype=np.int64)[..., None] + stride * np.arange(frames, dtype=np.int64)
    return np.minimum(indices, num_frames - 1) if policy == "clamp" else indices % num_frames


def _last_start(num_frames: int, frames: int, stride: int) -> int:
    """The latest start whose clip fits (0 when the video is shorter than a clip)."""
    return max(num_frames - clip_span(frames, stride), 0)


def random_clips(
    num_frames: int, count: int, frames: int, stride: int = 1, *, rng: np.random.Generator, policy: str = "clamp"
) -> np.ndarray:
    """``count`` clips at independent uniformly random starts.

    Example:
    >>> clips = random_clips(100, 3, 10, rng=np.random.default_rng(0))
    >>> clips.shape, bool((np.diff(clips, axis=1) == 1).all())
    ((3, 10), True)
    """
    starts = rng.integers(0, _last_start(num_frames, frames, stride) + 1, size=count)
    return clip_indices(starts, num_frames, frames, stride, policy)


def uniform_clips(num_frames: int, count: int, frames: int, stride: int = 1, *, policy: str = "clamp") -> np.ndarray:
    """``count`` clips with evenly spaced starts from the first to the last that fits.

    Example:
    >>> uniform_clips(25, 3, 5)[:, 0].tolist()
    [0, 10, 20]
    >>> uniform_clips(25, 1, 5)[:, 0].tolist()  # one clip: the middle one
    [10]
    """
    last = _last_start(num_frames, frames, stride)
    starts = np.full(count, last / 2) if count == 1 else np.linspace(0, last, count)
    return clip_indices(np.round(starts).astype(np.int64), num_frames, frames, stride, policy)


def frame_pair(num_frames: int, distance: int = 15, *, rng: np.random.Generator, policy: str = "clamp") -> np.ndarray:
    """Late fusion's two frames ``distance`` apart, at a random start.

    Feed the pair to ``late_fusion(frame_distance=1)``, or sample a full
    ``distance + 1``-frame clip for the default model.

    Example:
    >>> pair = frame_pair(100, rng=np.random.default_rng(0))
    >>> int(pair[1] - pair[0])
    15
    """
    return random_clips(num_frames, 1, 2, distance, rng=rng, policy=policy)[0]


def video_rng(seed: int, *keys: int) -> np.random.Generator:
    """An independent generator for one video (and e.g. epoch), the same every run.

    Example:
    >>> int(video_rng(0, 7).integers(100)) == int(video_rng(0, 7).integers(100))
    True
    """
    return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, *(int(k) & 0xFFFFFFFFFFFFFFFF for k in keys)])


@dataclass(frozen=True)
class TrainingClips:
    """Training sampler: ``clips_per_video`` random clips from each video per epoch.

    Several clips from one video cost one decode (the pipeline decodes up to the
    last frame any of them needs). Crops and flips are random on the device.

    Example:
    >>> sampler = TrainingClips(frames=2, stride=15)  # late fusion's frame pair
    >>> sampler.sample(100, np.random.default_rng(0)).shape
    (1, 2)
    """

    frames: int = 10
    stride: int = 1
    clips_per_video: int = 1
    short_video: str = "clamp"

    def __post_init__(self) -> None:
        clip_span(self.frames, self.stride)
        _check_policy(self.short_video)
        if self.clips_per_video < 1:
            raise ValueError(f"clips_per_video must be >= 1; got {self.clips_per_video}.")

    def sample(self, num_frames: int, rng: np.random.Generator) -> np.ndarray:
        """``(clips_per_video, frames)`` frame indices."""
        return random_clips(
            num_frames, self.clips_per_video, self.frames, self.stride, rng=rng, policy=self.short_video
        )

    def to_dict(self) -> dict[str, Any]:
        return {"name": "training", **asdict(self)}


@dataclass(frozen=True)
class ClipProtocol:
    """An evaluation protocol: which clips of each video, which views of each clip.

    A video's score is the average over ``clips x views`` passes. Subclasses
    only change defaults; :meth:`from_dict` rebuilds any of them.

    Attributes:
        clips: clips per video.
        frames, stride: clip length and step between its frames (for a flow
            stack, ``frames`` is L, the flow fields per sample).
        placement: ``"uniform"`` (evenly spaced starts) or ``"random"`` (seeded per video).
        views: crops/flips per clip, applied on the device.
        seed: seeds ``"random"`` placement; video ``i`` uses ``video_rng(seed, i)``.
        short_video: one of :data:`SHORT_VIDEO_POLICIES`.

    Example:
    >>> protocol = KarpathyProtocol()
    >>> protocol.passes_per_video, ClipProtocol.from_dict(protocol.to_dict()) == protocol
    (80, True)
    """

    name: ClassVar[str] = "clips"
    clips: int = 1
    frames: int = 10
    stride: int = 1
    placement: str = "uniform"
    views: tuple[CropView, ...] = (CENTRE,)
    seed: int = 0
    short_video: str = "clamp"

    def __post_init__(self) -> None:
        clip_span(self.frames, self.stride)
        _check_policy(self.short_video)
        if self.clips < 1:
            raise ValueError(f"{type(self).__name__}: clips must be >= 1; got {self.clips}.")
        if self.placement not in ("uniform", "random"):
            raise ValueError(f"placement must be 'uniform' or 'random'; got {self.placement!r}.")
        views = tuple(CropView.from_dict(v) if isinstance(v, dict) else v for v in self.views)
        if not views:
            raise ValueError(f"{type(self).__name__} needs at least one view.")
        object.__setattr__(self, "views", views)

    @property
    def passes_per_video(self) -> int:
        return self.clips * len(self.views)

    def sample(self, num_frames: int, video_index: int = 0) -> np.ndarray:
        """``(clips, frames)`` frame indices for one video; the same on every call."""
        if self.placement == "uniform":
            return uniform_clips(num_frames, self.clips, self.frames, self.stride, policy=self.short_video)
        rng = video_rng(self.seed, video_index)
        return random_clips(num_frames, self.clips, self.frames, self.stride, rng=rng, policy=self.short_video)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["views"] = [view.to_dict() for view in self.views]
        return {"name": self.name, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipProtocol:
        """Rebuilds the protocol ``to_dict`` wrote, as its own class."""
        data = dict(data)
        name = data.pop("name", cls.name)
        protocol_class = _PROTOCOLS.get(name)
        if protocol_class is None:
            raise ValueError(f"unknown protocol {name!r}; known: {sorted(_PROTOCOLS)}.")
        known = {f.name for f in fields(protocol_class)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"protocol {name!r} has no fields {unknown}; it has {sorted(known)}.")
        if "views" in data:
            data["views"] = tuple(CropView.from_dict(v) for v in data["views"])
        return protocol_class(**data)


@dataclass(frozen=True)
class UniformClipsProtocol(ClipProtocol):
    """``clips`` evenly spaced clips, centre crop (a cheap, deterministic evaluation).

    Example:
    >>> UniformClipsProtocol(5).sample(100).shape
    (5, 10)
    """

    name: ClassVar[str] = "uniform_clips"
    clips: int = 5


@dataclass(frozen=True)
class KarpathyProtocol(ClipProtocol):
    """Karpathy et al. 2014: 20 random clips per video x 4 (crop, flip) views.

    Example:
    >>> KarpathyProtocol().sample(300, video_index=3).shape
    (20, 10)
    """

    name: ClassVar[str] = "karpathy"
    clips: int = 20
    placement: str = "random"
    views: tuple[CropView, ...] = KARPATHY_VIEWS


@dataclass(frozen=True)
class TwoStreamProtocol(ClipProtocol):
    """Simonyan & Zisserman 2014: 25 evenly spaced samples x 10 crops (corners, centre, flips).

    ``frames=1`` for the spatial stream; for the temporal stream pass
    ``frames=L`` so each sample starts a stack of L flow fields.

    Example:
    >>> protocol = TwoStreamProtocol()
    >>> protocol.sample(250).shape, len(protocol.views)
    ((25, 1), 10)
    """

    name: ClassVar[str] = "two_stream"
    clips: int = 25
    frames: int = 1
    views: tuple[CropView, ...] = field(default=TEN_CROPS)


_PROTOCOLS: dict[str, type[ClipProtocol]] = {
    cls.name: cls for cls in (ClipProtocol, UniformClipsProtocol, KarpathyProtocol, TwoStreamProtocol)
}
