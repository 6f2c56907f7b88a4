"""Train any zoo model on a dataset in one call: a clip model, a temporal stream, or a two-stream model.

A two-stream model is trained the paper's way: each stream on its own input (RGB clips, flow
stacks) in its own run folder (``run_dir/spatial``, ``run_dir/temporal``), then the two are fused,
by averaging or by a linear SVM fitted on the streams' scores of held-out training videos. This is
what ``kvz train`` runs; the clip sources are the caller's choice (videos, shards, flow folders or
shards), handed in as a function of the videos they are to read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_video_zoo.data.decoders import probe_video
from keras_video_zoo.data.records import VideoDataset
from keras_video_zoo.data.sampling import TrainingClips, TwoStreamProtocol
from keras_video_zoo.data.sources import ClipSource, VideoFiles
from keras_video_zoo.data.video_errors import VideoReadError
from keras_video_zoo.data.video_report import VideoReport
from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_source
from keras_video_zoo.models.description import describe
from keras_video_zoo.models.two_stream import fuse_streams
from keras_video_zoo.run_folder import RunFolder
from keras_video_zoo.training.recipes import Recipe
from keras_video_zoo.training.video_training import train_on_source, training_record

SourcesFor = Callable[[VideoDataset], Mapping[str, ClipSource]]  # videos -> {"rgb": source, "flow": source}
SVM_SCORING_CLIPS = 5  # clips (flow: stacks) per held-out video when scoring it for the fusion SVM


@dataclass
class TrainedModel:
    """What :func:`train_on_dataset` leaves behind.

    Attributes:
        model: the trained model (a two-stream model fused by ``fusion``).
        model_file: ``run_dir/model.keras``, with its record inside; ``create_model(run_dir)`` loads it.
        reports: each stream's account of its training videos (``"rgb"``, ``"flow"``).
        svm_videos: held-out videos the fusion SVM was fitted on; ``None`` without an SVM.
    """

    model: keras.Model
    model_file: Path
    reports: dict[str, VideoReport]
    svm_videos: int | None = None


def svm_split(
    dataset: VideoDataset, fraction: float, seed: int | None, usable: set[str]
) -> tuple[VideoDataset, VideoDataset]:
    """(fit, held out): ``fraction`` of each class's usable videos held out for the fusion SVM, reproducibly.

    Only videos both streams can use are held out (a held-out video the SVM cannot score is lost
    to training for nothing); the others stay in the training set, where they are reported.

    Raises:
        ValueError: a class has fewer than 2 usable videos.

    Example:
    >>> from keras_video_zoo.data.records import VideoRecord
    >>> data = VideoDataset([VideoRecord(f"{i}.avi", (i % 2,), str(i)) for i in range(8)], ["a", "b"])
    >>> fit, held = svm_split(data, 0.25, seed=0, usable={r.video_id for r in data})
    >>> len(fit), len(held), sorted(r.labels[0] for r in held)
    (6, 2, [0, 1])
    """
    rng = np.random.default_rng(seed or 0)
    held = []
    for label in range(dataset.num_classes):
        members = [record for record in dataset if record.labels[0] == label and record.video_id in usable]
        if len(members) < 2:
            raise ValueError(
                f"fusion='svm' needs at least 2 videos of class {dataset.class_names[label]!r} that both streams can "
                f"use (one held out for the SVM); it has {len(members)}. Use fusion='average'."
            )
        count = max(1, round(fraction * len(members)))
        held += [members[i] for i in sorted(rng.choice(len(members), count, replace=False))]
    held_ids = {record.video_id for record in held}
    fit = [record for record in dataset if record.video_id not in held_ids]
    return dataset.subset(fit, f"{dataset.name} (streams)"), dataset.subset(held, f"{dataset.name} (held out)")


def _usable_by_both(sources: Mapping[str, ClipSource], dataset: VideoDataset) -> set[str]:
    """The videos both streams can read: in both sources (a video file must also probe), with flow long enough."""
    usable = {record.video_id for record in sources["flow"].dataset} & {r.video_id for r in sources["rgb"].dataset}
    if isinstance(sources["rgb"], VideoFiles):
        for record in dataset:
            try:
                probe_video(record.path)
            except VideoReadError:
                usable.discard(record.video_id)
    return usable


def _fit_svm(fused: keras.Model, streams: Mapping[str, keras.Model], held: Mapping[str, ClipSource]) -> int:
    """Fits ``fused``'s SVM on the streams' scores of the held-out videos both could score; returns their count."""
    scores = []
    for kind in ("rgb", "flow"):
        protocol = TwoStreamProtocol(clips=SVM_SCORING_CLIPS, frames=streams[kind].input_shape[1])
        scores.append(evaluate_on_source(streams[kind], held[kind], protocol, progress=False))
    ids = [video for video in scores[0]["video_ids"] if video in set(scores[1]["video_ids"])]
    labels = {record.video_id: record.labels[0] for record in held["rgb"].dataset}
    stream_scores = [[s["video_scores"][s["video_ids"].index(video)] for video in ids] for s in scores]
    fit_svm_fusion(fused, stream_scores, [labels[video] for video in ids])
    return len(ids)


def train_on_dataset(
    model: keras.Model,
    dataset: VideoDataset,
    sources_for: SourcesFor,
    *,
    run_dir: str | os.PathLike,
    epochs: int | None = None,
    recipe: str | Recipe = "small_adam",
    batch_size: int = 16,
    frames: int | None = None,
    frame_stride: int = 1,
    clips_per_video: int = 1,
    validation: VideoDataset | None = None,
    fusion: str | None = None,
    svm_holdout: float = 0.2,
    seed: int | None = None,
    verbose: str | int = "auto",
    record: Mapping[str, Any] | None = None,
) -> TrainedModel:
    """Trains ``model`` on ``dataset``: one stream, or a two-stream model's streams apart and then fused.

    Resumable: rerun with the same ``run_dir`` after an interruption; a finished stream is not
    trained again.

    Args:
        model: a clip model, a temporal stream or a two-stream model (as :func:`describe` tells).
        dataset: the training videos.
        sources_for: ``videos -> {"rgb": ClipSource, "flow": ClipSource}`` for the model's streams (a
            stream the model lacks may be missing); called for the training, held-out and validation videos.
        run_dir: the run folder (see :mod:`keras_video_zoo.run_folder`).
        epochs, recipe, batch_size, seed, verbose: :func:`train_on_source`'s.
        frames, frame_stride: RGB clip length (default: the stream's) and step between its frames.
        clips_per_video: random clips (flow: stacks) per video and epoch.
        validation: videos evaluated every epoch.
        fusion: a two-stream model's ``"average"`` or ``"svm"`` (default: the model's own).
        svm_holdout: share of each class's videos held out for the SVM.
        record: fields for the final model's record (:func:`training_record`).

    Returns:
        A :class:`TrainedModel`; ``run_dir/model.keras`` holds the model.

    Raises:
        ValueError: the model is not a clip or two-stream model; the classes, recipe or epochs do not fit
            (checked before any step); the SVM split or fit is impossible (the trained streams are kept).

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.data.geometry import FrameGeometry
    >>> from keras_video_zoo.data.layouts import ucf101
    >>> from keras_video_zoo.data.synthetic_dataset import generate_dataset
    >>> from keras_video_zoo.flow.dataset_extraction import extract_dataset_flow
    >>> from keras_video_zoo.flow.sources import FlowFolders
    >>> root = generate_dataset(tempfile.mkdtemp(), kind="target", videos_per_class=4, groups=4, frames=12)
    >>> videos = ucf101(root)
    >>> _ = extract_dataset_flow(videos, root / "flow", progress=False)
    >>> model = create_model("two_stream_tiny", num_classes=5)
    >>> def sources(data):
    ...     return {"rgb": VideoFiles(data, FrameGeometry.square_of(75)), "flow": FlowFolders(data, root / "flow")}
    >>> trained = train_on_dataset(model, videos, sources, run_dir=tempfile.mkdtemp(), epochs=1, fusion="svm",
    ...                            svm_holdout=0.5, verbose=0)
    >>> trained.svm_videos, create_model(str(trained.model_file)).layers[-1].name
    (10, 'svm_fusion')
    """
    description = describe(model)
    streams = {"rgb": description.rgb, "flow": description.flow}
    two = description.fusion is not None
    fusion = (fusion or description.fusion) if two else None
    fit_set, held_out = dataset, None
    if fusion == "svm":
        fit_set, held_out = svm_split(dataset, svm_holdout, seed, _usable_by_both(sources_for(dataset), dataset))
    sources = {kind: source for kind, source in sources_for(fit_set).items() if streams[kind] is not None}
    checks = sources_for(validation) if validation is not None else {}
    options = {"epochs": epochs, "recipe": recipe, "batch_size": batch_size, "seed": seed}
    run = RunFolder(run_dir)
    for kind, stream in streams.items():
        if stream is None:
            continue
        sampler = TrainingClips(
            frames=frames if kind == "rgb" and frames else stream.input_shape[1],
            stride=frame_stride if kind == "rgb" else 1,
            clips_per_video=clips_per_video,
        )
        stream_run = run.stream(kind) if two else run
        train_on_source(
            stream, sources[kind], run_dir=stream_run.path, sampler=sampler, validation=checks.get(kind),
            verbose=verbose, record=record, **options,
        )  # fmt: skip
    reports = {kind: source.report for kind, source in sources.items()}
    if not two:
        return TrainedModel(model, run.model_file, reports)
    fused = fuse_streams(model, streams["rgb"], streams["flow"], fusion=fusion)
    svm_videos = None
    if fusion == "svm":
        try:
            svm_videos = _fit_svm(fused, streams, sources_for(held_out))
        except ValueError as error:  # e.g. a class none of whose held-out videos could be scored
            raise ValueError(
                f"the fusion SVM could not be fitted: {error} The trained streams are kept in "
                f"{run.stream('rgb').path} and {run.stream('flow').path}; rerun with fusion='average' to fuse them."
            ) from None
    final = training_record(fused, dataset, reports, record=record, **options)
    model_file = run.finish(fused, final, videos={kind: report.to_dict() for kind, report in reports.items()})
    return TrainedModel(fused, model_file, reports, svm_videos)
