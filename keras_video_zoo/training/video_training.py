"""Train a zoo model on any clip source in one call: videos, frame folders, shards or stacked flow.

The pieces (the clip sources, :func:`~keras_video_zoo.data.pipelines.training_dataset`,
on-device augmentation, :func:`~keras_video_zoo.training.fit.fit`) are public; these functions
wire them the way ``kvz train``, the bundled weights (``weights/train_bundled.py``), the demo,
notebooks and benchmarks all need, so they train the same way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import keras

from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.records import VideoDataset
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.data.sources import ClipSource, VideoFiles
from keras_video_zoo.data.video_report import VideoReport
from keras_video_zoo.flow.sources import FlowFolders
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_augmentation
from keras_video_zoo.models.pretrained import describe_model
from keras_video_zoo.run_folder import RunFolder
from keras_video_zoo.training.fit import check_dataset_classes, default_loss_and_metrics, fit
from keras_video_zoo.training.recipes import Recipe, get_recipe
from keras_video_zoo.weights import WeightsSpec

_KINDS = {3: "RGB clips", 2: "flow stacks"}


def _single_input(model: keras.Model, what: str, channels: int) -> tuple[int, int, int, int]:
    """The model's clip shape, after checking it is one input of ``channels`` channels."""
    if len(model.inputs) != 1:
        raise ValueError(
            f"{what} trains one-input models; {model.name!r} takes {[tuple(t.shape) for t in model.inputs]}. "
            "Train each stream of a two-stream model on its own, as the paper does, then fuse them."
        )
    shape = model.input_shape[1:]
    if shape[-1] != channels:
        raise ValueError(
            f"{what} trains one-input models on {channels}-channel clips ({_KINDS.get(channels)}); "
            f"{model.name!r} takes {shape[-1]}-channel ones ({_KINDS.get(shape[-1], 'another input')})."
        )
    return shape


def training_record(
    model: keras.Model,
    dataset: VideoDataset,
    reports: Mapping[str, VideoReport],
    *,
    recipe: str | Recipe,
    epochs: int | None,
    batch_size: int,
    seed: int | None,
    record: Mapping[str, Any] | None = None,
) -> WeightsSpec:
    """The record a finished run's model carries: its classes, training data (videos used per stream) and recipe.

    ``record`` adds or overrides :func:`~keras_video_zoo.models.pretrained.describe_model` fields
    (its ``dataset`` entries are merged into the dataset's).
    """
    extra = dict(record or {})
    dataset_fields = {
        "name": dataset.name,
        "videos": len(dataset),
        "used": {kind: report.to_dict()["used"] for kind, report in reports.items()},
    }
    return describe_model(
        model,
        labels=dataset.class_names,
        dataset=dataset_fields | dict(extra.pop("dataset", {})),
        recipe={"name": get_recipe(recipe).name, "epochs": epochs, "batch_size": batch_size, "seed": seed},
        **extra,
    )


def _restore_finished(model: keras.Model, run: RunFolder) -> keras.callbacks.History:
    """A finished run is not trained again: ``model`` takes its weights; the history is empty."""
    model.set_weights(keras.saving.load_model(run.model_file, compile=False).get_weights())
    history = keras.callbacks.History()
    history.history = {}
    return history


def train_on_source(
    model: keras.Model,
    source: ClipSource,
    *,
    run_dir: str | os.PathLike,
    epochs: int | None = None,
    recipe: str | Recipe = "small_adam",
    batch_size: int = 16,
    sampler: TrainingClips | None = None,
    validation: ClipSource | None = None,
    flip: bool = True,
    seed: int | None = None,
    verbose: str | int = "auto",
    record: Mapping[str, Any] | None = None,
) -> keras.callbacks.History:
    """Trains a one-input clip model on random clips of ``source``, cropped and flipped on the device, resumably.

    The run folder ends with the trained model, its record inside (``run_dir/model.keras``), so
    ``create_model(run_dir)`` and every ``kvz --model RUN_DIR`` load it. Called again on a
    finished run, it trains nothing: ``model`` takes the finished run's weights.

    Args:
        model: a one-input zoo model: RGB clips ``(batch, T, H, W, 3)``, or a temporal stream
            on uint8 flow stacks ``(batch, L, H, W, 2)`` (a flip then negates x).
        source: where the clips come from; its classes are checked against the head first.
        run_dir: checkpoints, logs and backups; rerun with the same folder to resume.
        epochs: epochs (required unless the recipe has a step schedule).
        recipe: a recipe or its name (``small_adam``, ``karpathy``, ...).
        batch_size: clips per batch.
        sampler: clip length, frame stride and clips per video (default: the model's clip length, 1 clip).
        validation: a source evaluated every epoch (random clips drawn like the training ones).
        flip: mirror half of the clips (the papers do); turn it off for classes a mirror changes
            (e.g. "moving left" vs "moving right").
        seed: seeds the data order, clips and augmentation.
        verbose: Keras' ``fit`` verbosity.
        record: fields for the final model's record (see :func:`training_record`), e.g.
            ``{"base_model": "hf://org/name", "dataset": {"split": 1}}``.

    Returns:
        The Keras ``History``; ``model`` holds the trained weights. ``source.report`` says which
        videos were used, skipped (and why), damaged or short; ``run.json`` lists them too.
    """
    shape = _single_input(model, "train_on_source", source.clip_shape(1)[-1])
    run = RunFolder(run_dir)
    if run.is_finished:
        return _restore_finished(model, run)
    flow = "uint8" if shape[-1] == 2 else None
    sampler = sampler or TrainingClips(frames=shape[0])
    check_dataset_classes(model, source.dataset)
    # Repeated, so an epoch of steps_per_epoch batches never runs dry (e.g. when a video is unreadable).
    train_data = training_dataset(source, sampler, batch_size=batch_size, seed=seed).repeat()
    steps_per_epoch = math.ceil(len(source.dataset) * sampler.clips_per_video / batch_size)
    validation_data = None
    if validation is not None:
        validation_data = training_dataset(validation, sampler, batch_size=batch_size, shuffle=False, seed=seed)
    # The loss follows the inner model's head (the augmenting wrapper has no 'predictions' layer of its own).
    loss, metrics = default_loss_and_metrics(model, train_data)
    # RGB frames ship at the model's pipeline size, flow at its stored square: either way the device only crops.
    wrapper = with_augmentation(model, flip=flip, seed=seed, flow=flow, resize=None if flow else "auto")
    history = fit(
        wrapper,
        train_data,
        validation_data,
        run_dir=run_dir,
        recipe=recipe,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        classes=source.dataset.class_names,  # logged in RUN_DIR/run.json
        dataset_size=len(source.dataset),
        batch_size=batch_size,
        loss=loss,
        metrics=metrics,
        verbose=verbose,
    )
    reports = {"flow" if flow else "rgb": source.report}
    final = training_record(
        model, source.dataset, reports, recipe=recipe, epochs=epochs, batch_size=batch_size, seed=seed, record=record
    )
    run.finish(model, final, videos={kind: report.to_dict() for kind, report in reports.items()})
    return history


def train_on_videos(
    model: keras.Model,
    dataset: VideoDataset,
    *,
    run_dir: str | os.PathLike,
    frames: int | None = None,
    frame_stride: int = 1,
    clips_per_video: int = 1,
    validation: VideoDataset | None = None,
    short_side: int | None = None,
    **options,
) -> keras.callbacks.History:
    """:func:`train_on_source` on video files (or frame folders): every video fitted to the model's pipeline size.

    Args:
        model: a one-input RGB zoo model.
        dataset: the training videos.
        run_dir: checkpoints, logs and backups; rerun with the same folder to resume.
        frames: frames per clip (default: the model's input length).
        frame_stride: step between a clip's frames.
        clips_per_video: random clips per video and epoch.
        validation: videos evaluated every epoch.
        short_side: the side of the centred square frames are fitted to (default: the model's crop
            plus the paper's 200/170 margin, :func:`~keras_video_zoo.models.clip_wrappers.pipeline_size`).
        **options: :func:`train_on_source`'s (``epochs``, ``recipe``, ``batch_size``, ``flip``, ``seed``, ``verbose``).

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.data.layouts import ucf101
    >>> from keras_video_zoo.data.synthetic_dataset import generate_dataset
    >>> root = generate_dataset(tempfile.mkdtemp(), kind="target", videos_per_class=4, groups=4, frames=12)
    >>> model = create_model("single_frame_tiny", num_classes=5)
    >>> history = train_on_videos(model, ucf101(root), run_dir=tempfile.mkdtemp(), epochs=1, verbose=0)
    >>> len(history.history["loss"]), "accuracy" in history.history
    (1, True)
    """
    frames = frames or _single_input(model, "train_on_videos", 3)[0]  # checked again by train_on_source
    sampler = TrainingClips(frames=frames, stride=frame_stride, clips_per_video=clips_per_video)
    geometry = FrameGeometry.square_of(short_side or pipeline_size(model))
    source = VideoFiles(dataset, geometry)
    validation_source = VideoFiles(validation, geometry) if validation is not None else None
    return train_on_source(model, source, run_dir=run_dir, sampler=sampler, validation=validation_source, **options)


def train_on_flow(
    model: keras.Model,
    dataset: VideoDataset,
    flow_root: str | os.PathLike,
    *,
    run_dir: str | os.PathLike,
    mode: str = "forward",
    stacks_per_video: int = 1,
    validation: VideoDataset | None = None,
    **options,
) -> keras.callbacks.History:
    """:func:`train_on_source` on stacked flow (``kvz flow`` folders): random stacks, crops, flips negating x.

    Args:
        model: a temporal stream taking ``(batch, L, H, W, 2)`` uint8-quantised flow
            (for ``mode="bidirectional"``, L/2 forward and L/2 backward fields).
        dataset: the training videos.
        flow_root: their flow folders (backward flow for bidirectional stacking).
        run_dir: checkpoints, logs and backups.
        mode: ``forward``, ``centred``, ``bidirectional`` or ``trajectory`` stacking.
        stacks_per_video: random stacks per video and epoch.
        validation: videos evaluated every epoch.
        **options: :func:`train_on_source`'s (``epochs``, ``recipe``, ``batch_size``, ``seed``, ``verbose``).
    """
    fields = _single_input(model, "train_on_flow", 2)[0]  # bidirectional: L/2 forward + L/2 backward fields
    sampler = TrainingClips(frames=fields, clips_per_video=stacks_per_video)
    source = FlowFolders(dataset, flow_root, fields=fields, mode=mode)
    validation_source = FlowFolders(validation, flow_root, fields=fields, mode=mode) if validation else None
    return train_on_source(model, source, run_dir=run_dir, sampler=sampler, validation=validation_source, **options)
