"""Transfer learning as one argument: ``scratch``, ``top``, ``top3`` or ``all`` (Karpathy et al. 2014, Sec. 4).

Every model of the zoo ends in the same named head (``fc6_dropout, fc6, fc7_dropout, fc7,
predictions_dropout, predictions``; ``predictions_<dataset>`` for multi-task heads), so a
mode is a statement about layer names and works for every family: fusion models,
multires (``fovea_``/``context_`` convs, shared fc layers), both two-stream streams and
the fused two-stream model (each nested stream is transferred).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import keras

from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.models.description import describe
from keras_video_zoo.models.heads import HEAD_DROPOUT, head_classes, head_layer_names, nested_models, replace_classifier
from keras_video_zoo.models.two_stream import svm_fusion_layer, two_stream
from keras_video_zoo.registry import BuildArguments
from keras_video_zoo.vocabulary import TRANSFER_MODES

DEFAULT_TRANSFER_DROPOUT = 0.9  # the paper's keep probability 0.1 for "top" and "top3"
FC_LAYERS = ("fc6_dropout", "fc6", "fc7_dropout", "fc7")
# Dropouts in front of the layers each mode trains.
TRAINED_DROPOUTS = {"top": ("predictions_dropout",), "top3": ("fc6_dropout", "fc7_dropout", "predictions_dropout")}
ALL_DROPOUTS = ("fc6_dropout", "fc7_dropout", "predictions_dropout")


def _required_layers(mode: str, new_head: bool) -> tuple[str, ...]:
    if mode == "top":
        return ("fc7", HEAD_DROPOUT)
    if mode == "top3":
        return FC_LAYERS + (HEAD_DROPOUT,)
    return (HEAD_DROPOUT,) if new_head else ()


def _check_layers(model: keras.Model, mode: str, new_head: bool) -> None:
    names = {layer.name for layer in model.layers}
    missing = [name for name in _required_layers(mode, new_head) if name not in names]
    if (mode in ("top", "top3") or new_head) and not head_layer_names(model):
        missing.append("predictions")
    if missing:
        what = f"transfer mode {mode!r}" + (" with a new classifier" if new_head and mode in ("all", "scratch") else "")
        raise ValueError(
            f"{what} needs the layers {missing}, which model {model.name!r} does not have "
            "(a model built with include_top=False has no fc6/fc7/predictions). Build the model with its "
            "classifier head, or use mode 'all' or 'scratch' without num_classes."
        )


def _seed_initializers(config: Any, seed: int, counter: list[int]) -> Any:
    """Gives every unseeded initializer in a layer config its own seed, derived from ``seed``."""
    if isinstance(config, dict):
        if config.get("module") == "keras.initializers" and isinstance(config.get("config"), dict):
            if "seed" in config["config"] and config["config"]["seed"] is None:
                config["config"]["seed"] = seed + counter[0]
                counter[0] += 1
        for value in config.values():
            _seed_initializers(value, seed, counter)
    elif isinstance(config, list):
        for value in config:
            _seed_initializers(value, seed, counter)
    return config


def _clone(model: keras.Model, rates: Mapping[str, float], seed: int | None) -> keras.Model:
    """A copy of ``model`` with new layers (fresh weights) and some dropout rates changed."""
    counter = [0]

    def clone_layer(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = copy.deepcopy(layer.get_config())
        if layer.name in rates:
            config["rate"] = float(rates[layer.name])
        if seed is not None:
            _seed_initializers(config, seed, counter)
        return layer.__class__.from_config(config)

    return keras.models.clone_model(model, clone_function=clone_layer)


def _set_trainable(model: keras.Model, mode: str) -> None:
    model.trainable = True
    if mode in ("all", "scratch"):
        return
    trained = set(head_layer_names(model)) | ({"fc6", "fc7"} if mode == "top3" else set())
    for layer in model.layers:
        layer.trainable = layer.name in trained


def _check_classes(num_classes: Any) -> None:
    values = list(num_classes.values()) if isinstance(num_classes, Mapping) else [num_classes]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise ValueError(
            f"num_classes must be a positive integer, or a dict of them with one head per dataset; got {num_classes!r}."
        )


def _transfer_two_stream(model: keras.Model, streams: list[keras.Model], mode: str, num_classes, **kwargs):
    fusion = describe(model).fusion or "average"
    names = [layer.name for layer in model.layers]
    if len(streams) != 2 or not ({"clip", "flow"} <= set(names)):
        raise ValueError(
            f"Model {model.name!r} nests {len(streams)} models {[s.name for s in streams]}; transfer works on "
            "zoo models and on two_stream models (a spatial and a temporal stream)."
        )
    seed = kwargs.pop("seed")
    spatial, temporal = (  # streams get different seeds: same-shaped layers must not start equal
        prepare_transfer(stream, mode, num_classes, seed=None if seed is None else seed + 100_000 * i, **kwargs)
        for i, stream in enumerate(streams)
    )
    fused = two_stream(spatial, temporal, fusion=fusion, name=model.name)
    if fusion == "svm" and head_classes(spatial) == head_classes(streams[0]):
        svm_fusion_layer(fused).set_weights(svm_fusion_layer(model).get_weights())
    return fused


def prepare_transfer(
    model: keras.Model,
    mode: str,
    num_classes: int | Mapping[str, int] | None = None,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    new_head: bool | None = None,
) -> keras.Model:
    """A copy of ``model`` ready to compile for one of the paper's transfer modes.

    Modes (Karpathy et al. 2014, Sec. 4.2): ``"top"`` trains a new classifier on
    fc7 features (everything else frozen); ``"top3"`` retrains fc6, fc7 and the
    classifier; ``"all"`` fine-tunes every layer; ``"scratch"`` re-initialises
    every weight (a fresh model from the same config). Freezing sets
    ``layer.trainable``; the trunks have no BatchNorm (LRN has no weights), so a
    frozen layer is fully fixed. The input model is left untouched.

    Args:
        model: a zoo model with its classifier head (any family, multi-task heads,
            or a ``two_stream`` model, whose streams are transferred one by one).
        mode: one of :data:`TRANSFER_MODES`.
        num_classes: classes of the new task. ``None`` keeps the head. An int on a
            multi-task model replaces its heads with one ``predictions`` head; a dict
            ``{dataset: classes}`` makes ``predictions_<dataset>`` heads.
        dropout: drop rate before the trained layers; defaults to 0.9 (keep 0.1, as
            in the paper) for ``top`` and ``top3``; for ``all``/``scratch`` ``None``
            keeps the model's rates and a number sets all three head dropouts.
        seed: seeds the new head and, for ``scratch``, every initializer.
        new_head: ``None`` makes a new classifier only where the classes change;
            ``True`` always makes one (e.g. a new task with as many classes).

    Returns:
        A new, uncompiled ``keras.Model`` sharing no layers with ``model``.

    Raises:
        ValueError: an unknown mode, a bad ``num_classes``/``dropout``, or a model
            without the layers the mode needs (named in the message).

    Example:
    >>> from keras_video_zoo import create_model
    >>> model = prepare_transfer(create_model("slow_fusion_tiny"), "top3", num_classes=5)
    >>> [layer.name for layer in model.layers if layer.trainable and layer.weights]
    ['fc6', 'fc7', 'predictions']
    >>> model.output_shape, model.get_layer("fc6_dropout").rate
    ((None, 5), 0.9)
    """
    if mode not in TRANSFER_MODES:
        raise ValueError(f"Unknown transfer mode {mode!r}; choose one of {TRANSFER_MODES}.")
    if num_classes is not None:
        _check_classes(num_classes)
    if dropout is not None and not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is a drop rate in [0, 1) (the paper's transfer runs use 0.9); got {dropout}.")
    streams = nested_models(model)
    if streams:
        fused = _transfer_two_stream(model, streams, mode, num_classes, dropout=dropout, seed=seed, new_head=new_head)
        _carry_build_arguments(model, fused, num_classes)
        return fused

    old_classes = head_classes(model) if head_layer_names(model) else None
    replace_head = bool(new_head) or (num_classes is not None and num_classes != old_classes)
    _check_layers(model, mode, replace_head)

    if mode in TRAINED_DROPOUTS:
        rate = DEFAULT_TRANSFER_DROPOUT if dropout is None else dropout
        rates = dict.fromkeys(TRAINED_DROPOUTS[mode], rate)
    else:
        present = {layer.name for layer in model.layers}
        rates = {} if dropout is None else {name: dropout for name in ALL_DROPOUTS if name in present}

    transferred = _clone(model, rates, seed if mode == "scratch" else None)
    if mode != "scratch":
        transferred.set_weights(model.get_weights())
    if replace_head:
        # new_head=True: a fresh classifier even where the classes match.
        transferred = replace_classifier(transferred, num_classes or old_classes, seed=seed, keep_matching=not new_head)
    _set_trainable(transferred, mode)
    _carry_build_arguments(model, transferred, num_classes if replace_head else None)
    return transferred


def _carry_build_arguments(model: keras.Model, transferred: keras.Model, num_classes) -> None:
    """The transferred model rebuilds like the original, with its new classes.

    Its dropout rates are not build arguments; a checkpoint of it restores them from its saved config.
    """
    built = getattr(model, "build_arguments", None)
    if built is not None and num_classes is not None:
        built = BuildArguments(built.model, {**built.kwargs, "num_classes": num_classes})
    transferred.build_arguments = built


def _parameter_rows(model: keras.Model, prefix: str = "") -> list[tuple[str, int, int]]:
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            rows += _parameter_rows(layer, f"{prefix}{layer.name}/")
            continue
        if not layer.weights:
            continue
        trainable = sum(int(w.numpy().size) for w in layer.trainable_weights)
        frozen = sum(int(w.numpy().size) for w in layer.non_trainable_weights)
        rows.append((prefix + layer.name, trainable, frozen))
    return rows


def trainable_report(model: keras.Model) -> str:
    """A Markdown table of trainable and frozen parameters per layer, with totals.

    Layers of nested models (two-stream) are named ``stream/layer``.

    Example:
    >>> from keras_video_zoo import create_model
    >>> model = prepare_transfer(create_model("single_frame_tiny"), "top")
    >>> print(trainable_report(model).splitlines()[-1])
    | total | 650 | 74,928 |
    """
    rows = _parameter_rows(model)
    table = [(name, f"{trainable:,}", f"{frozen:,}") for name, trainable, frozen in rows]
    table.append(("total", f"{sum(r[1] for r in rows):,}", f"{sum(r[2] for r in rows):,}"))
    return markdown_table(["layer", "trainable", "frozen"], table)
