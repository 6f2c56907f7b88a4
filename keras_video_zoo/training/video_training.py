"""Train a zoo model on a video dataset in one call: RGB clips or stacked optical flow.

The pieces (``training_dataset``/``flow_training_dataset``, on-device augmentation,
``fit``) are public; these functions wire them the way ``kvz train``, the bundled
weights (``weights/train_bundled.py``), the demo, notebooks and benchmarks all need,
so they train the same way.
"""

from __future__ import annotations

import math
import os

import keras

from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.records import VideoDataset
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.layers.clip_augmentation import with_augmentation
from keras_video_zoo.training.fit import check_dataset_classes, default_loss_and_metrics, fit
from keras_video_zoo.training.recipes import Recipe


def _single_input(model: keras.Model, channels: int, what: str) -> tuple[int, int, int, int]:
    if len(model.inputs) != 1 or model.input_shape[-1] != channels:
        raise ValueError(
            f"{what} trains one-input models on {channels}-channel clips; {model.name!r} takes "
            f"{[tuple(t.shape) for t in model.inputs]}. Train each stream of a two-stream model on its own."
        )
    return model.input_shape[1:]


def train_on_videos(
    model: keras.Model,
    dataset: VideoDataset,
    *,
    run_dir: str | os.PathLike,
    epochs: int | None = None,
    recipe: str | Recipe = "small_adam",
    batch_size: int = 16,
    frames: int | None = None,
    frame_stride: int = 1,
    clips_per_video: int = 1,
    validation: VideoDataset | None = None,
    flip: bool = True,
    seed: int | None = None,
    verbose: str | int = "auto",
) -> keras.callbacks.History:
    """Trains an RGB clip model with random clips, crops and flips (on the device), resumably.

    Each epoch draws ``clips_per_video`` random clips from every video; the crop is the
    model's input size (frames are fitted to the first video's size and cropped on the device).

    Args:
        model: a one-input zoo model taking ``(batch, T, H, W, 3)`` clips.
        dataset: the training videos; their classes are checked against the head first.
        run_dir: checkpoints, logs and backups; rerun with the same folder to resume.
        epochs: epochs (required unless the recipe has a step schedule).
        recipe: a recipe or its name (``small_adam``, ``karpathy``, ...).
        batch_size: clips per batch.
        frames: frames per clip (default: the model's input length).
        frame_stride: step between a clip's frames.
        clips_per_video: random clips per video and epoch.
        validation: videos evaluated every epoch (random clips drawn like the training ones).
        flip: mirror half of the clips (the papers do); turn it off for classes a mirror changes
            (e.g. "moving left" vs "moving right").
        seed: seeds the data order, clips and augmentation.
        verbose: Keras' ``fit`` verbosity.

    Returns:
        The Keras ``History``; ``model`` holds the trained weights.

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
    shape = _single_input(model, 3, "train_on_videos")
    check_dataset_classes(model, dataset)
    sampler = TrainingClips(frames=frames or shape[0], stride=frame_stride, clips_per_video=clips_per_video)
    # Repeated, so an epoch of steps_per_epoch batches never runs dry (e.g. when a video is unreadable).
    train_data = training_dataset(dataset, sampler, batch_size=batch_size, seed=seed).repeat()
    steps_per_epoch = math.ceil(len(dataset) * clips_per_video / batch_size)
    validation_data = None
    if validation is not None:
        validation_data = training_dataset(validation, sampler, batch_size=batch_size, shuffle=False, seed=seed)
    # The loss follows the inner model's head (the augmenting wrapper has no 'predictions' layer of its own).
    loss, metrics = default_loss_and_metrics(model, train_data)
    return fit(
        with_augmentation(model, flip=flip, seed=seed),
        train_data,
        validation_data,
        run_dir=run_dir,
        recipe=recipe,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        classes=dataset.class_names,  # logged in RUN_DIR/run.json, where kvz predict finds the class names
        dataset_size=len(dataset),
        batch_size=batch_size,
        loss=loss,
        metrics=metrics,
        verbose=verbose,
    )


def train_on_flow(
    model: keras.Model,
    dataset: VideoDataset,
    flow_root: str | os.PathLike,
    *,
    run_dir: str | os.PathLike,
    epochs: int | None = None,
    recipe: str | Recipe = "small_adam",
    batch_size: int = 16,
    mode: str = "forward",
    stacks_per_video: int = 1,
    validation: VideoDataset | None = None,
    seed: int = 0,
    verbose: str | int = "auto",
) -> keras.callbacks.History:
    """Trains a temporal stream on random flow stacks (random crop, flip negating x), resumably.

    Args:
        model: a temporal stream taking ``(batch, L, H, W, 2)`` uint8-quantised flow
            (for ``mode="bidirectional"``, L/2 forward and L/2 backward fields).
        dataset: the training videos.
        flow_root: their flow, from ``kvz flow`` / ``extract_dataset_flow`` (backward flow for
            bidirectional stacking).
        run_dir, epochs, recipe, batch_size, seed, verbose: as :func:`train_on_videos`.
        mode: ``forward``, ``centred``, ``bidirectional`` or ``trajectory`` stacking.
        stacks_per_video: random stacks per video and epoch.
        validation: videos evaluated every epoch (one random stack each).

    Returns:
        The Keras ``History``; ``model`` holds the trained weights.
    """
    from keras_video_zoo.flow.pipelines import flow_training_dataset

    fields, height, width, _ = _single_input(model, 2, "train_on_flow")  # bidirectional: L/2 forward + L/2 backward
    check_dataset_classes(model, dataset)

    def stacks(data: VideoDataset, shuffle: bool):
        return flow_training_dataset(
            data,
            flow_root,
            fields=fields,
            mode=mode,
            batch_size=batch_size,
            crop_size=(height, width),
            flip=shuffle,
            shuffle=shuffle,
            seed=seed,
        )

    train_data = stacks(dataset, True).repeat()
    steps_per_epoch = math.ceil(len(dataset) * stacks_per_video / batch_size)
    validation_data = stacks(validation, False) if validation is not None else None
    return fit(
        model,
        train_data,
        validation_data,
        run_dir=run_dir,
        recipe=recipe,
        epochs=epochs,
        steps_per_epoch=steps_per_epoch,
        classes=dataset.class_names,
        dataset_size=len(dataset),
        batch_size=batch_size,
        verbose=verbose,
    )
