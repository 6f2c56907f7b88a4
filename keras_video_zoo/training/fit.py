"""Training a zoo model on tf.data datasets with a recipe: checkpoints, resume, CSV/TensorBoard logs.

A run lives in one folder, :class:`~keras_video_zoo.run_folder.RunFolder` (its layout is
described there): ``run.json`` is written before training, checkpoints and the log every
epoch. Calling :func:`fit` again with the same ``run_dir`` after an interruption (a crash, a
killed job) restores the last finished epoch -- weights, optimizer state and step counter --
and goes on, so the resumed run ends with the same step count as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import tensorflow as tf

from keras_video_zoo.models.heads import head_classes
from keras_video_zoo.run_folder import RunFolder
from keras_video_zoo.training.distribution import fit_scope
from keras_video_zoo.training.multitask import multitask_losses
from keras_video_zoo.training.recipes import Recipe, get_recipe

Classes = int | Sequence[str] | Mapping[str, int]


class StopAtStep(keras.callbacks.Callback):
    """Stops training once the optimizer has made ``stop_step`` steps (the papers' "stop at 80K").

    Example:
    >>> StopAtStep(80_000).stop_step
    80000
    """

    def __init__(self, stop_step: int):
        super().__init__()
        self.stop_step = int(stop_step)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if int(self.model.optimizer.iterations.numpy()) >= self.stop_step:
            self.model.stop_training = True


def _label_spec(dataset: tf.data.Dataset):
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) < 2:
        raise ValueError(
            f"Training data must yield (inputs, labels) pairs (optionally with sample weights); got elements {spec}."
        )
    return spec[1]


def _count(classes: Classes) -> int | dict[str, int]:
    if isinstance(classes, Mapping):
        return {str(k): int(v) for k, v in classes.items()}
    if isinstance(classes, int):
        return classes
    if hasattr(classes, "num_classes"):  # a VideoDataset
        return int(classes.num_classes)
    return len(classes)


def check_dataset_classes(model: keras.Model, classes: Classes | None = None, dataset: tf.data.Dataset | None = None):
    """Checks that the data's classes match the model's head, before any training.

    Args:
        model: a model with a ``predictions`` head (or multi-task heads).
        classes: the data's classes: a count, the class names (or a ``VideoDataset``),
            or ``{dataset: count}`` for multi-task heads.
        dataset: a ``tf.data`` dataset of (inputs, labels); one-hot / multi-hot labels
            have a static class axis that is checked too.

    Raises:
        ValueError: naming both counts and how to fix it.

    Example:
    >>> from keras_video_zoo import create_model
    >>> check_dataset_classes(create_model("single_frame_tiny", num_classes=5), ["a", "b", "c"])
    Traceback (most recent call last):
    ...
    ValueError: The training data has 3 classes but model 'single_frame_tiny' predicts 5. ...
    """
    head = head_classes(model)
    fix = (
        "Build the model with num_classes={n}, or give it a new head with "
        "keras_video_zoo.training.prepare_transfer(model, mode, num_classes={n})."
    )
    if classes is not None:
        count = _count(classes)
        if count != head:
            raise ValueError(
                f"The training data has {count} classes but model {model.name!r} predicts {head}. "
                + fix.format(n=count)
            )
    if dataset is not None and not isinstance(head, Mapping):
        spec = _label_spec(dataset)
        if isinstance(spec, tf.TensorSpec) and spec.shape.rank == 2 and spec.shape[-1] is not None:
            if spec.shape[-1] != head:
                raise ValueError(
                    f"The training labels are vectors of {spec.shape[-1]} classes (one-hot or multi-hot) but "
                    f"model {model.name!r} predicts {head}. " + fix.format(n=spec.shape[-1])
                )


def default_loss_and_metrics(model: keras.Model, dataset: tf.data.Dataset | None = None) -> tuple[Any, Any]:
    """The loss and metrics ``fit`` compiles with when none are given.

    Integer labels: sparse categorical cross-entropy, accuracy and top-5 accuracy;
    one-hot / multi-hot label vectors: categorical cross-entropy (a multi-label video's
    loss sums over its labels, as in Sports-1M training); multi-task heads: the masked
    per-head losses of :func:`~keras_video_zoo.training.multitask.multitask_losses`.
    A head without softmax gives logits, so the losses take ``from_logits=True``.
    """
    if isinstance(model.output, Mapping):
        return multitask_losses(model), None
    classes = head_classes(model)
    activation = getattr(model.get_layer("predictions").activation, "__name__", "")
    from_logits = activation != "softmax"
    spec = _label_spec(dataset) if dataset is not None else None
    dense_labels = isinstance(spec, tf.TensorSpec) and spec.shape.rank == 2
    top_k = min(5, classes)
    if dense_labels:
        loss = keras.losses.CategoricalCrossentropy(from_logits=from_logits)
        metrics = [keras.metrics.CategoricalAccuracy(name="accuracy")]
        metrics.append(keras.metrics.TopKCategoricalAccuracy(k=top_k, name=f"top{top_k}"))
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        metrics = [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
        metrics.append(keras.metrics.SparseTopKCategoricalAccuracy(k=top_k, name=f"top{top_k}"))
    return loss, metrics


def _classes_for_log(classes: Classes | None):
    if hasattr(classes, "class_names"):  # a VideoDataset
        return list(classes.class_names)
    if isinstance(classes, Sequence) and not isinstance(classes, str):
        return list(classes)
    return dict(classes) if isinstance(classes, Mapping) else classes


def _steps_per_epoch(dataset: tf.data.Dataset, steps_per_epoch: int | None) -> int:
    if steps_per_epoch is not None:
        if steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be >= 1; got {steps_per_epoch}.")
        return steps_per_epoch
    cardinality = int(dataset.cardinality().numpy())
    if cardinality < 1:
        raise ValueError(
            "The training dataset's length is unknown or infinite; pass steps_per_epoch "
            "(e.g. ceil(videos / batch size))."
        )
    return cardinality


def _tensorboard_wanted(tensorboard: bool | None) -> bool:
    installed = importlib.util.find_spec("tensorboard") is not None
    if tensorboard and not installed:
        raise ValueError(
            "TensorBoard logs need the tensorboard package (tf.summary writes through it): "
            "pip install tensorboard, or pass tensorboard=False (log.csv is always written)."
        )
    return installed if tensorboard is None else bool(tensorboard)


def plan_steps(
    recipe: Recipe, steps_per_epoch: int, epochs: int | None, dataset_size: int | None, batch_size: int | None
) -> tuple[int, tuple[int, ...] | None, int | None]:
    """Epochs, lr boundaries and stop step of a run.

    A step-schedule recipe scales its steps to the data (:meth:`Recipe.scaled_steps`;
    ``dataset_size`` defaults to ``steps_per_epoch x batch_size``) and runs until the
    stop step, in ``ceil(stop / steps_per_epoch)`` epochs unless ``epochs`` says otherwise.
    Other recipes run ``epochs`` epochs.

    Example:
    >>> plan_steps(get_recipe("simonyan"), steps_per_epoch=10, epochs=None, dataset_size=954, batch_size=256)
    (801, (5002, 7003), 8003)
    """
    if not recipe.step_schedule:
        if epochs is None:
            raise ValueError(f"Recipe {recipe.name!r} has no step schedule: pass epochs.")
        return epochs, None, None
    batch_size = batch_size or recipe.batch_size
    dataset_size = dataset_size or steps_per_epoch * batch_size
    *boundaries, stop = recipe.scaled_steps(dataset_size, batch_size)
    return (epochs or math.ceil(stop / steps_per_epoch)), tuple(boundaries), stop


def fit(
    model: keras.Model,
    train_data: tf.data.Dataset,
    validation_data: tf.data.Dataset | None = None,
    *,
    run_dir: str | os.PathLike,
    recipe: str | Recipe = "karpathy",
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    classes: Classes | None = None,
    dataset_size: int | None = None,
    batch_size: int | None = None,
    loss: Any = None,
    metrics: Any = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    tensorboard: bool | None = None,
    strategy: tf.distribute.Strategy | None = None,
    resume: bool = True,
    verbose: str | int = "auto",
) -> keras.callbacks.History:
    """Compiles ``model`` with ``recipe`` and trains it, checkpointing every epoch.

    Everything is checked before the first step: the recipe name, the classes of
    the data against the model's head, the data's structure and length.

    Args:
        model: a zoo model (build it, and call :func:`prepare_transfer` on it, inside
            ``strategy.scope()`` when using a strategy).
        train_data: batched ``(inputs, labels)`` dataset; repeat it if it is shorter
            than ``steps_per_epoch``.
        validation_data: optional batched validation dataset.
        run_dir: the run's folder; an existing interrupted run there is resumed.
        recipe: a :class:`Recipe` or its name (``karpathy``, ``simonyan``, ``simonyan_finetune``).
        epochs: epochs to run (required for plateau recipes; step recipes derive it).
        steps_per_epoch: batches per epoch (default: the dataset's length).
        classes: the data's classes (count, names, a ``VideoDataset``), checked against the head.
        dataset_size: training videos, which scale step recipes (default: steps x batch).
        batch_size: the pipeline's batch size (default: the recipe's).
        loss, metrics: override :func:`default_loss_and_metrics`.
        callbacks: extra Keras callbacks.
        tensorboard: write TensorBoard logs; ``None``: when the ``tensorboard`` package is
            installed (``tf.summary`` needs it), ``True``: require it.
        strategy: a ``tf.distribute`` strategy (see :mod:`keras_video_zoo.training.distribution`);
            with ``MultiWorkerMirroredStrategy`` every worker calls ``fit`` and needs its own
            ``run_dir`` (checkpoints and backups are written by each worker).
        resume: back up every epoch and restore an interrupted run.
        verbose: Keras' ``fit`` verbosity.

    Returns:
        The Keras ``History`` of this call (resumed runs hold the epochs run in it).
    """
    recipe = get_recipe(recipe)
    tensorboard = _tensorboard_wanted(tensorboard)
    check_dataset_classes(model, classes, train_data)
    spe = _steps_per_epoch(train_data, steps_per_epoch)
    epochs, boundaries, stop_step = plan_steps(recipe, spe, epochs, dataset_size, batch_size)
    if loss is None:
        loss, default_metrics = default_loss_and_metrics(model, train_data)
        metrics = default_metrics if metrics is None else metrics

    run = RunFolder(run_dir)
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        optimizer = recipe.optimizer(boundaries, total_steps=stop_step or epochs * spe)
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)

    run_info = {
        "model": model.name,
        "recipe": recipe.to_dict(),
        "epochs": epochs,
        "steps_per_epoch": spe,
        "lr_boundaries": list(boundaries or ()),
        "stop_step": stop_step,
        "classes": _classes_for_log(classes),
        "head_classes": head_classes(model),
    }
    run.start(run_info)

    run_callbacks: list[keras.callbacks.Callback] = []
    if resume:
        run_callbacks.append(keras.callbacks.BackupAndRestore(str(run.backup)))
    run_callbacks.append(keras.callbacks.ModelCheckpoint(str(run.checkpoints / "last.keras")))
    if validation_data is not None:
        run_callbacks.append(
            keras.callbacks.ModelCheckpoint(
                str(run.checkpoints / "best.keras"), monitor="val_loss", save_best_only=True
            )
        )
    run_callbacks.append(keras.callbacks.CSVLogger(str(run.log_file), append=True))
    if tensorboard:
        run_callbacks.append(keras.callbacks.TensorBoard(str(run.tensorboard)))
    for callback in recipe.callbacks():
        if validation_data is None and getattr(callback, "monitor", "").startswith("val_"):
            callback.monitor = callback.monitor[len("val_") :]
        run_callbacks.append(callback)
    if stop_step is not None:
        run_callbacks.append(StopAtStep(stop_step))
    run_callbacks.extend(callbacks)
    with fit_scope(model, strategy):
        return model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            steps_per_epoch=spe,
            callbacks=run_callbacks,
            shuffle=False,  # tf.data datasets shuffle themselves; Keras would only warn
            verbose=verbose,
        )
