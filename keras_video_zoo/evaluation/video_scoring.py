"""A whole video's class scores from any zoo model: the scorer ``kvz predict`` and Python users share.

RGB models score evenly spaced centre-cropped clips; temporal streams score flow stacks computed on
the fly (DIS, as ``kvz flow``), stacked as the model records; two-stream models fuse the streams'
video scores as the model does (averaging, or its fitted SVM). Scores over time
(:func:`keras_video_zoo.deployment.timeline.predict_video`) go through the same scorer, window by window.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import keras
import numpy as np

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.sampling import UniformClipsProtocol
from keras_video_zoo.data.video_io import read_clips
from keras_video_zoo.evaluation.video_evaluation import fuse_scores
from keras_video_zoo.flow.live import video_flow_stacks
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_views
from keras_video_zoo.models.description import describe
from keras_video_zoo.views import CENTRE


class VideoScorer:
    """Scores whole videos with a model of any kind: RGB clips, flow stacks on the fly, or both fused.

    Args:
        model: an RGB clip model, a temporal stream or a two-stream model.
        clips: evenly spaced clips (or flow stacks) per video.
        short_side: the side of the centred square frames are fitted to (default: the model's pipeline size).

    Raises:
        ValueError: the model is none of those kinds.

    Example:
    >>> from keras_video_zoo import create_model
    >>> scorer = VideoScorer(create_model("two_stream_tiny"), clips=2)
    >>> scorer.description.fusion, scorer.clips
    ('average', 2)
    """

    def __init__(self, model: keras.Model, clips: int = 5, short_side: int | None = None) -> None:
        if clips < 1:
            raise ValueError(f"clips must be at least 1; got {clips}.")
        self.model, self.clips = model, clips
        self.description = describe(model)
        self.rgb, self.flow = self.description.rgb, self.description.flow
        self._scorers, self.geometry = {}, {}
        for kind, stream in (("rgb", self.rgb), ("flow", self.flow)):
            if stream is not None:
                flow = "uint8" if kind == "flow" else None
                self._scorers[kind] = with_views(stream, (CENTRE,), flow=flow, resize=None)
                self.geometry[kind] = FrameGeometry.square_of(short_side or pipeline_size(stream))
        if self.rgb is not None:
            self.protocol = UniformClipsProtocol(clips=clips, frames=self.rgb.input_shape[1])

    def score_batch(self, kind: str, inputs: np.ndarray) -> np.ndarray:
        """``(n, classes)`` centre-view scores of a batch of one stream's inputs: ``"rgb"`` clips fitted to
        ``geometry["rgb"]``, or ``"flow"`` uint8 stacks."""
        return np.asarray(self._scorers[kind].predict_on_batch(inputs))

    def fuse(self, scores: Mapping[str, np.ndarray]) -> np.ndarray:
        """Rows of per-stream scores fused as the model fuses them (one stream's are returned as they are)."""
        if len(scores) == 2:
            return np.asarray(fuse_scores(self.model, scores["rgb"], scores["flow"]))
        return next(iter(scores.values()))

    def __call__(self, path: str | os.PathLike) -> tuple[np.ndarray, str | None]:
        """``(class scores, what damage the decoder met or None)`` of one video.

        Raises:
            VideoReadError: the video cannot be read (its reason says why).
        """
        path = os.fspath(path)
        scores, problems = {}, []
        if self.flow is not None:
            stacks, frames, decoded = video_flow_stacks(
                path, fields=self.flow.input_shape[1], stacks=self.clips, geometry=self.geometry["flow"],
                mode=self.description.stacking,
            )  # fmt: skip
            scores["flow"] = self.score_batch("flow", stacks).mean(axis=0, keepdims=True)
            problems.append(decoded.problems())
            if self.rgb is not None:  # the spatial stream scores the frames the stacks start at
                clips = self.geometry["rgb"].fit_all(frames)[:, None]
                scores["rgb"] = self.score_batch("rgb", clips).mean(axis=0, keepdims=True)
        else:
            clips, decoded = read_clips(path, self.protocol.sample, geometry=self.geometry["rgb"])
            scores["rgb"] = self.score_batch("rgb", clips).mean(axis=0, keepdims=True)
            problems.append(decoded.problems())
        return self.fuse(scores)[0], next(filter(None, problems), None)
