"""The classifier head of a zoo model: find it, count its classes, replace it, and copy weights around it.

Every zoo model ends in the same named layers (``fc6_dropout, fc6, fc7_dropout, fc7,
predictions_dropout, predictions``; ``predictions_<dataset>`` for multi-task heads), so these
are statements about layer names, true for every family. Transfer learning
(:mod:`keras_video_zoo.models.transfer`) and checkpoint loading
(:func:`keras_video_zoo.models.create_model` with a new ``num_classes``) both change the head
through :func:`replace_classifier`.
"""

from __future__ import annotations

from collections.abc import Collection

import keras

from keras_video_zoo.models.common import NumClasses

HEAD_DROPOUT = "predictions_dropout"
FUSION_LAYERS = ("svm_fusion",)  # a two-stream SVM's weights are per class, like a classifier's


def head_layer_names(model: keras.Model) -> list[str]:
    """Names of the classifier layers: ``predictions`` or the multi-task ``predictions_<dataset>``.

    Example:
    >>> from keras_video_zoo import create_model
    >>> head_layer_names(create_model("temporal_stream_multitask_tiny"))
    ['predictions_source', 'predictions_target']
    """
    return [
        layer.name
        for layer in model.layers
        if layer.name == "predictions" or (layer.name.startswith("predictions_") and layer.name != HEAD_DROPOUT)
    ]


def nested_models(model: keras.Model) -> list[keras.Model]:
    """The models nested in ``model`` as layers (the two streams of a two-stream model)."""
    return [layer for layer in model.layers if isinstance(layer, keras.Model)]


def head_classes(model: keras.Model) -> int | dict[str, int]:
    """Classes of the model's head: an int, or ``{dataset: classes}`` for multi-task heads.

    A model that wraps another (``with_augmentation``'s) or fuses streams (``two_stream``)
    reports the classes of the model inside.

    Raises:
        ValueError: the model has no classifier (built with ``include_top=False``).

    Example:
    >>> from keras_video_zoo import create_model
    >>> head_classes(create_model("slow_fusion_tiny", num_classes=7)), head_classes(create_model("two_stream_tiny"))
    (7, 10)
    """
    names = head_layer_names(model)
    inner = nested_models(model)
    if not names and inner:
        return head_classes(inner[-1])
    if not names:
        raise ValueError(
            f"Model {model.name!r} has no classifier layer named 'predictions' (built with include_top=False?)."
        )
    if names == ["predictions"]:
        return int(model.get_layer("predictions").units)
    return {name[len("predictions_") :]: int(model.get_layer(name).units) for name in names}


def replace_classifier(
    model: keras.Model, num_classes: NumClasses, *, seed: int | None = None, keep_matching: bool = True
) -> keras.Model:
    """A model whose classifier(s) on ``predictions_dropout`` are new Dense layers for ``num_classes``.

    The layers before the head are the same objects (shared, not copied). With
    ``keep_matching``, a head whose classes do not change keeps its weights (multi-task
    models gaining a dataset keep the heads they had).

    Args:
        model: a one-stream zoo model with its classifier head.
        num_classes: an int (one ``predictions`` head) or ``{dataset: classes}``.
        seed: seeds the new heads' initialisers.
        keep_matching: keep heads whose class count is unchanged.

    Example:
    >>> from keras_video_zoo import create_model
    >>> replace_classifier(create_model("slow_fusion_tiny"), 4).output_shape
    (None, 4)
    """
    features = model.get_layer(HEAD_DROPOUT).output
    names = head_layer_names(model)
    template = model.get_layer(names[0])
    old = head_classes(model)
    wanted = {"": num_classes} if isinstance(num_classes, int) else dict(num_classes)
    existing = {"": old} if isinstance(old, int) else dict(old)
    outputs = {}
    for offset, (dataset, units) in enumerate(wanted.items()):
        name = f"predictions_{dataset}" if dataset else "predictions"
        initializer = keras.initializers.GlorotUniform(seed=None if seed is None else seed + 10_000 + offset)
        dense = keras.layers.Dense(
            units,
            activation=template.activation,
            kernel_initializer=initializer,
            name=name,
            dtype="float32",  # scores stay float32 under mixed precision, as in classifier_head
        )
        outputs[dataset] = dense(features)
        if keep_matching and existing.get(dataset) == units:  # same head: keep what it learnt
            dense.set_weights(model.get_layer(name).get_weights())
    output = outputs[""] if isinstance(num_classes, int) else outputs
    return keras.Model(model.inputs, output, name=model.name)


def classifier_layers(model: keras.Model) -> list[str]:
    """Every layer whose weights depend on the classes: the heads and a fusion SVM."""
    return head_layer_names(model) + [layer.name for layer in model.layers if layer.name in FUSION_LAYERS]


def copy_weights(
    source: keras.Model,
    target: keras.Model,
    *,
    skip: Collection[str] = (),
    dropout_rates: bool = True,
) -> None:
    """Copies weights (and dropout rates) from ``source`` into ``target`` layer by layer, matched by name.

    Layer names are the zoo's contract (``conv1`` ... ``predictions``), so this loads a checkpoint
    into a model built another way: a Conv3D checkpoint into the :class:`FrameWindowConv` build, or
    everything but the head into a model with other classes. Nested models (two-stream) are matched
    by name and copied recursively.

    Args:
        source: the model holding the weights.
        target: the model to fill.
        skip: target layers (at any depth) left as they are, e.g. a new classifier.
        dropout_rates: also copy Dropout layers' rates.

    Raises:
        ValueError: a layer with weights has no same-named layer on the other side, or their shapes differ.
    """
    mismatches = _copy(source, target, set(skip), dropout_rates)
    if mismatches:
        raise ValueError(
            f"the weights of {source.name!r} do not fit model {target.name!r}: {'; '.join(mismatches[:5])}"
            + (f" (and {len(mismatches) - 5} more)" if len(mismatches) > 5 else "")
            + ". Check num_classes, input_shape and the scaling arguments (width, fc_units, frames)."
        )


def _weighted(model: keras.Model) -> dict[str, keras.layers.Layer]:
    return {layer.name: layer for layer in model.layers if layer.weights or isinstance(layer, keras.Model)}


def _copy(source: keras.Model, target: keras.Model, skip: set[str], dropout_rates: bool) -> list[str]:
    mismatches = []
    source_layers, target_layers = _weighted(source), _weighted(target)
    for name in sorted(set(source_layers) - set(target_layers) - skip):
        mismatches.append(f"{name!r} is in the checkpoint but not in the model")
    for name, layer in target_layers.items():
        if name in skip:
            continue
        if name not in source_layers:
            mismatches.append(f"{name!r} is not in the checkpoint")
            continue
        other = source_layers[name]
        if isinstance(layer, keras.Model) and isinstance(other, keras.Model):
            mismatches += [f"{name}/{problem}" for problem in _copy(other, layer, skip, dropout_rates)]
            continue
        shapes = [tuple(w.shape) for w in layer.weights]
        other_shapes = [tuple(w.shape) for w in other.weights]
        if shapes != other_shapes:
            mismatches.append(f"{name!r} has weights {shapes} but the checkpoint's are {other_shapes}")
            continue
        layer.set_weights(other.get_weights())
    if dropout_rates:
        rates = {layer.name: layer.rate for layer in source.layers if isinstance(layer, keras.layers.Dropout)}
        for layer in target.layers:
            if isinstance(layer, keras.layers.Dropout) and layer.name in rates:
                layer.rate = rates[layer.name]
    return mismatches

