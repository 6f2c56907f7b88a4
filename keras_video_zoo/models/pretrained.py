"""Build a model by name, or load one from any SOURCE: the one loading path of the zoo.

:func:`create_model` takes a registered name (``"slow_fusion_tiny"``) or a checkpoint SOURCE
(``"slow_fusion_tiny.synthetic"``, ``"hf://org/name@rev"``, a checkpoint folder, a ``kvz train``
run folder, a ``.keras`` file; see :mod:`keras_video_zoo.checkpoints`). The factories'
``weights=`` and ``keras_video_zoo.from_pretrained`` come through here too, as does every
``kvz --model``.

Loading a checkpoint rebuilds its architecture from the build arguments in its record, with
the current code (so an old checkpoint gets today's faster layers, e.g.
:class:`~keras_video_zoo.layers.FrameWindowConv` for slow fusion), and copies the saved
weights in by layer name. A checkpoint without build arguments (a model not built by a zoo
factory) loads from its saved Keras config. A new ``num_classes`` replaces the classifier
(:func:`~keras_video_zoo.models.heads.replace_classifier`) and keeps every other weight.

The loaded model knows what it is: ``model.record`` is its
:class:`~keras_video_zoo.weights.WeightsSpec` (labels, input spec, metrics, protocol).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

import keras

import keras_video_zoo.layers  # noqa: F401  (registers the zoo's layers, which saved configs name)
from keras_video_zoo.checkpoint_folder import read_checkpoint_config
from keras_video_zoo.checkpoints import Checkpoint, HubOptions, looks_like_source, resolve_checkpoint
from keras_video_zoo.models.heads import classifier_layers, copy_weights, head_classes, replace_classifier
from keras_video_zoo.registry import get_model_entry, is_registered
from keras_video_zoo.weights import ChecksumError, InputSpec, WeightsSpec

_UNSAFE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")
WEIGHTS_FILE_SUFFIX = ".weights.h5"


DEFAULT_PREPROCESSING: Mapping[str, str] = {
    "rgb": "raw RGB pixels 0-255 (uint8 or float), shape (batch, T, H, W, 3); mean subtraction is inside the model",
    "flow": "x/y flow fields quantised to uint8 with bound 20 (q = round(255 (v + 20) / 40), 128 = no motion); "
    "dequantised inside the model",
}


def describe_model(
    model: keras.Model,
    *,
    tag: str = "",
    labels: Sequence[str] | None = None,
    preprocessing: Mapping[str, Any] | None = None,
    dataset: Mapping[str, Any] | str | None = None,
    **fields: Any,
) -> WeightsSpec:
    """The record of ``model`` (without file hashes): inputs, classes, parameters and build arguments.

    Args:
        model: the model.
        tag: the weights' tag (``"model.tag"``).
        labels: one class name per output, in output order.
        preprocessing: how raw videos become inputs (default: the zoo's contract for its input kinds).
        dataset: the training data, a name or a dict (``{"name": "ucf101", "split": 1}``).
        **fields: other :class:`WeightsSpec` fields (``metrics``, ``recipe``, ``evaluation``, ...).

    Raises:
        ValueError: ``labels`` does not have one name per class.

    Example:
    >>> from keras_video_zoo import create_model
    >>> record = describe_model(create_model("slow_fusion_tiny", num_classes=2), labels=["a", "b"])
    >>> record.model, record.model_kwargs, record.inputs[0].shape
    ('slow_fusion_tiny', {'num_classes': 2}, (10, 64, 64, 3))
    """
    try:
        num_classes = head_classes(model)
    except ValueError:
        num_classes = None  # include_top=False: a feature extractor has no classes
    labels = tuple(labels or ())
    if labels and num_classes != len(labels):
        raise ValueError(
            f"labels has {len(labels)} names but model {model.name!r} has {num_classes} classes; "
            "give one name per output class, in output order."
        )
    inputs = InputSpec.from_model(model)
    if preprocessing is None:  # the zoo's input contract, for the kinds of input this model takes
        kinds = {"rgb" if spec.channels == 3 else "flow" for spec in inputs}
        preprocessing = {kind: text for kind, text in DEFAULT_PREPROCESSING.items() if kind in kinds}
    built = getattr(model, "build_arguments", None)
    defaults = {
        "model": built.model if built is not None else model.name,
        "model_kwargs": dict(built.kwargs) if built is not None else None,
        "keras_version": keras.__version__,
    }
    return WeightsSpec(
        tag=tag,
        labels=labels,
        num_classes=num_classes,
        inputs=inputs,
        num_params=int(model.count_params()),
        preprocessing=dict(preprocessing),
        dataset={"name": dataset} if isinstance(dataset, str) else dict(dataset or {}),
        **(defaults | fields),
    )


def _find_unsafe_layers(config: Any) -> list[str]:
    """Class names of Lambda-style layers anywhere in a Keras config."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") in _UNSAFE_LAYERS:
            found.append(config["class_name"])
        for value in config.values():
            found += _find_unsafe_layers(value)
    elif isinstance(config, list):
        for value in config:
            found += _find_unsafe_layers(value)
    return found


def load_saved_model(checkpoint: Checkpoint, *, compile: bool = False) -> keras.Model:
    """The checkpoint's model exactly as it was saved (its Keras config), with ``safe_mode=True``.

    Raises:
        ValueError: the config holds Lambda layers, or the model does not match its record.
    """
    if checkpoint.directory is not None:
        config = read_checkpoint_config(checkpoint.directory)
        unsafe = _find_unsafe_layers(config)
        if unsafe:
            raise ValueError(
                f"{checkpoint.source}: config.json contains {sorted(set(unsafe))} layers, which run arbitrary "
                "Python; keras_video_zoo refuses them. Zoo models are built from registered layers only."
            )
        path = checkpoint.directory
    else:
        path = checkpoint.keras_file
    try:
        model = keras.saving.load_model(path, compile=compile, safe_mode=True)
    except (OSError, ValueError, TypeError) as error:
        raise ValueError(f"{checkpoint.source} is not a loadable Keras model: {error}") from error
    record = checkpoint.record
    if record is not None and record.num_params and model.count_params() != record.num_params:
        raise ChecksumError(
            f"{checkpoint.source}: the saved model has {model.count_params():,} parameters but its record says "
            f"{record.num_params:,}."
        )
    return model


def loaded_record(model: keras.Model, record: WeightsSpec | None, *, new_head: bool = False) -> WeightsSpec:
    """The record of ``model`` as loaded from a checkpoint with ``record``.

    The inputs, parameter count and build arguments are the model's own; with a new head
    (other classes) the labels, metrics and evaluation no longer apply and the checkpoint
    becomes the ``base_model``.
    """
    record = record or describe_model(model)
    built = getattr(model, "build_arguments", None)
    record = dataclasses.replace(
        record,
        model=built.model if built is not None else record.model,
        model_kwargs=dict(built.kwargs) if built is not None else record.model_kwargs,
        inputs=InputSpec.from_model(model),
        num_params=int(model.count_params()),
    )
    if not new_head:
        return record
    return dataclasses.replace(
        record,
        tag="",
        labels=(),
        num_classes=head_classes(model),
        files={},
        evaluation={},
        metrics={},
        base_model=record.name,
    )


def _fill(model: keras.Model, checkpoint: Checkpoint, *, keep_dropout: bool) -> keras.Model:
    """Copies the checkpoint's weights into ``model`` (all but a classifier whose classes differ)."""
    saved = load_saved_model(checkpoint)
    new_head = head_classes(saved) != head_classes(model)
    copy_weights(saved, model, skip=classifier_layers(model) if new_head else (), dropout_rates=not keep_dropout)
    model.record = loaded_record(model, checkpoint.record, new_head=new_head)
    return model


def _from_checkpoint(checkpoint: Checkpoint, overrides: dict[str, Any]) -> keras.Model:
    record = checkpoint.record
    if record is not None and record.model_kwargs is not None and is_registered(record.model):
        model = get_model_entry(record.model).build(**{**record.model_kwargs, **overrides})
        return _fill(model, checkpoint, keep_dropout="dropout" in overrides)
    model = load_saved_model(checkpoint)
    num_classes = overrides.pop("num_classes", None)
    if overrides:
        raise ValueError(
            f"{checkpoint.source} loads from its saved Keras config (its record has no build arguments), so "
            f"{sorted(overrides)} cannot be changed; only num_classes can (a new classifier)."
        )
    new_head = num_classes is not None and num_classes != head_classes(model)
    if new_head:
        model = replace_classifier(model, num_classes)
    model.build_arguments = None  # no factory rebuilds it: its saved Keras config is the architecture
    model.record = loaded_record(model, checkpoint.record, new_head=new_head)
    return model


def create_model(
    model: str | os.PathLike,
    /,
    *,
    revision: str | None = None,
    hub: HubOptions | None = None,
    index_path: str | os.PathLike | None = None,
    **kwargs: Any,
) -> keras.Model:
    """Builds a registered model, or loads one from a checkpoint SOURCE.

    Args:
        model: a name from :func:`~keras_video_zoo.list_models` (a fresh model; ``weights=`` may
            name a checkpoint), or a SOURCE: a registered ``"model.tag"``, ``"hf://org/name[@rev]"``,
            a checkpoint folder, a ``kvz train`` run folder or a ``.keras`` file.
        revision: Hub branch, tag or commit for a Hub SOURCE.
        hub: how to reach the Hub (:class:`~keras_video_zoo.checkpoints.HubOptions`).
        index_path: the weights index for ``"model.tag"`` (default: the bundled one).
        **kwargs: factory arguments that override the variant's defaults, or the checkpoint's build
            arguments. A ``num_classes`` that differs from a checkpoint's gives a new classifier
            (every other layer keeps its weights).

    Returns:
        The model; loaded from a checkpoint, ``model.record`` holds its record (``labels`` ...).

    Raises:
        ValueError: an unknown name (close matches listed) or a SOURCE that does not resolve.

    Example:
    >>> from keras_video_zoo import create_model
    >>> create_model("slow_fusion_tiny", num_classes=5).output_shape
    (None, 5)
    >>> model = create_model("slow_fusion_tiny.synthetic")
    >>> model.record.labels[:3], model.record.metrics["video_hit@1"]
    (('BlueCross', 'Contract', 'Expand'), 0.75)
    >>> create_model("slow_fusion_tiny.synthetic", num_classes=3).record.labels
    ()
    """
    text = os.fspath(model)
    if is_registered(text):
        return get_model_entry(text).build(**kwargs)
    base, _, tag = text.partition(".")
    if kwargs.get("weights") is not None and is_registered(base) and tag:
        raise ValueError(f"create_model({text!r}) names weights {tag!r} but weights={kwargs['weights']!r} too.")
    if not looks_like_source(text):
        get_model_entry(text)  # raises: unknown model, with close matches
    kwargs.pop("weights", None)
    return _from_checkpoint(resolve_checkpoint(text, revision=revision, hub=hub, index_path=index_path), kwargs)


def load_weights(model: keras.Model, weights: str | os.PathLike | None, registry_name: str) -> keras.Model:
    """The factories' ``weights=``: fills a freshly built ``model`` from a checkpoint.

    Args:
        model: the model the factory just built.
        weights: ``None`` (random initialisation); a bare tag such as ``"synthetic"``, looked up
            as ``"<registry_name>.<tag>"``; any SOURCE (``"slow_fusion_tiny.synthetic"``,
            ``"hf://org/name"``, a folder, a run folder, a ``.keras`` file); or a ``.weights.h5``
            file saved from the same architecture. A checkpoint with other classes fills every
            layer but the classifier, which stays freshly initialised.
        registry_name: the factory's own name for its configuration (``"slow_fusion"``,
            ``"slow_fusion_multires"``); the ``name=`` argument plays no part.

    Raises:
        ValueError: the value resolves to nothing, or the weights do not fit (naming the layers).
    """
    if weights is None:
        return model
    text = os.fspath(weights)
    if text.endswith(WEIGHTS_FILE_SUFFIX):
        if not os.path.isfile(text):
            raise ValueError(f"weights file {text!r} does not exist.")
        try:
            model.load_weights(text)
        except ValueError as error:
            raise ValueError(
                f"weights file {text!r} does not fit model {model.name!r} (different layers or shapes). Keras "
                f"said: {error}"
            ) from error
        return model
    source = text if looks_like_source(text) else f"{registry_name}.{text}"
    return _fill(model, resolve_checkpoint(source), keep_dropout=True)


def checkpoint_labels(model: keras.Model) -> tuple[str, ...]:
    """The class names a loaded model carries (``model.record.labels``); empty when unknown.

    Example:
    >>> from keras_video_zoo import create_model
    >>> checkpoint_labels(create_model("single_frame_tiny.synthetic"))[-1]
    'Swing'
    >>> checkpoint_labels(create_model("single_frame_tiny"))
    ()
    """
    record = getattr(model, "record", None)
    return tuple(record.labels) if record is not None else ()


def class_names(model: keras.Model) -> list[str]:
    """The model's class names: its checkpoint's labels, else ``class_0 ...`` for its (first) output.

    Example:
    >>> from keras_video_zoo import create_model
    >>> class_names(create_model("single_frame_tiny", num_classes=3))
    ['class_0', 'class_1', 'class_2']
    """
    labels = checkpoint_labels(model)
    if labels:
        return list(labels)
    output = next(iter(model.output.values())) if isinstance(model.output, dict) else model.output
    return [f"class_{index}" for index in range(output.shape[-1])]
