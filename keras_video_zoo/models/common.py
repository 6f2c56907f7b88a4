"""Pieces every model family shares: argument checks, the classifier head, weights."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

import keras

ClipShape = tuple[int, int, int, int]
NumClasses = int | Mapping[str, int]  # one head, or one head per dataset (multi-task)


def check_input_shape(input_shape: Sequence[int] | None, default: ClipShape) -> ClipShape:
    """Validates a ``(frames, height, width, channels)`` clip shape.

    Args:
        input_shape: the user's shape, or ``None`` for ``default``.
        default: the paper's shape for this model.

    Returns:
        The shape as a tuple of four positive ints.

    Raises:
        ValueError: the shape is not four positive integers.
    """
    if input_shape is None:
        return default
    shape = tuple(input_shape)
    if len(shape) != 4:
        raise ValueError(
            f"input_shape must be (frames, height, width, channels), e.g. {default}; got {shape} "
            f"with {len(shape)} entries. Leave the batch axis out."
        )
    if not all(isinstance(size, int) and size > 0 for size in shape):
        raise ValueError(f"input_shape entries must be positive integers; got {shape}.")
    return shape  # type: ignore[return-value]


def scale_filters(filters: Sequence[int], width: float) -> tuple[int, ...]:
    """A trunk's conv widths ``filters`` times ``width``, at least one filter each."""
    if not width > 0:
        raise ValueError(f"width is a positive multiplier of the paper's filter counts; got {width}.")
    return tuple(max(1, round(count * width)) for count in filters)


def check_head_arguments(
    include_top: bool,
    pooling: str | None,
    num_classes: NumClasses,
    classifier_activation: str | None,
    dropout: float,
    fc_units: int | Sequence[int],
) -> tuple[int, int]:
    """Validates the keras.applications-style head arguments.

    Returns:
        ``(fc6_units, fc7_units)``.

    Raises:
        ValueError: naming the bad argument and what it accepts.
    """
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"pooling must be None, 'avg' or 'max'; got {pooling!r}.")
    if include_top and pooling is not None:
        raise ValueError("pooling applies only with include_top=False; the classifier head flattens pool5.")
    heads = num_classes if isinstance(num_classes, Mapping) else {"": num_classes}
    if not heads or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in heads.values()):
        raise ValueError(
            f"num_classes must be a positive integer, or a dict of them with one head per dataset; got {num_classes!r}."
        )
    bad_names = [name for name in heads if name and not re.fullmatch(r"[a-z0-9_]+", name)]
    if bad_names:
        raise ValueError(f"multi-task head names must be lowercase letters, digits and '_'; got {bad_names}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout is a drop rate in [0, 1); got {dropout}.")
    keras.activations.get(classifier_activation)  # raises ValueError for unknown names
    units = (fc_units, fc_units) if isinstance(fc_units, int) else tuple(fc_units)
    if len(units) != 2 or not all(isinstance(u, int) and u > 0 for u in units):
        raise ValueError(f"fc_units must be a positive int or a pair of them (fc6, fc7); got {fc_units!r}.")
    return units  # type: ignore[return-value]


def classifier_head(
    features,
    *,
    include_top: bool,
    pooling: str | None,
    fc_units: tuple[int, int],
    num_classes: NumClasses,
    classifier_activation: str | None,
    dropout: float,
):
    """fc6 -> fc7 -> predictions on a feature map, or pooling without the top.

    Dropout layers are always present (rate 0 is a no-op) so that layer names
    stay the same whatever the rate; transfer learning changes the rate only.
    With ``num_classes={"ucf101": 101, "hmdb51": 51}`` there is one head per
    dataset on fc7, named ``predictions_ucf101`` ..., and the outputs are a dict.
    """
    if not include_top:
        if pooling == "avg":
            return keras.layers.GlobalAveragePooling2D(name="avg_pool")(features)
        if pooling == "max":
            return keras.layers.GlobalMaxPooling2D(name="max_pool")(features)
        return features
    x = keras.layers.Flatten(name="flatten")(features)
    x = keras.layers.Dropout(dropout, name="fc6_dropout")(x)
    x = keras.layers.Dense(fc_units[0], activation="relu", name="fc6")(x)
    x = keras.layers.Dropout(dropout, name="fc7_dropout")(x)
    x = keras.layers.Dense(fc_units[1], activation="relu", name="fc7")(x)
    x = keras.layers.Dropout(dropout, name="predictions_dropout")(x)

    def head(classes: int, name: str):
        # float32 scores even under a mixed-precision policy, so softmax stays stable.
        return keras.layers.Dense(classes, activation=classifier_activation, name=name, dtype="float32")(x)

    if isinstance(num_classes, Mapping):
        return {dataset: head(classes, f"predictions_{dataset}") for dataset, classes in num_classes.items()}
    return head(num_classes, "predictions")


def check_pixel_scale(pixel_scale: float) -> None:
    """``pixel_scale`` multiplies mean-subtracted pixels: a positive number."""
    if not isinstance(pixel_scale, (int, float)) or not pixel_scale > 0:
        raise ValueError(f"pixel_scale multiplies the mean-subtracted pixels and must be > 0; got {pixel_scale!r}.")


def load_weights(model: keras.Model, weights: str | os.PathLike | None) -> keras.Model:
    """Loads ``weights`` into ``model`` (keras.applications' ``weights=`` argument).

    Args:
        model: the freshly built model.
        weights: ``None`` (random initialisation); a registered tag such as
            ``"synthetic"`` (looked up as ``"<model name>.<tag>"`` in the weights
            index, files verified against their sha256); ``"hf://org/name[@rev]"``
            or a checkpoint folder (see ``keras_video_zoo.from_pretrained``); or the
            path of a ``.weights.h5`` file saved from a model of the same architecture.

    Raises:
        ValueError: the value is none of these, or the weights do not fit the model
            (the message says which arguments to change).
    """
    if weights is None:
        return model
    path = os.fspath(weights)
    if path.endswith(".weights.h5"):
        if not os.path.isfile(path):
            raise ValueError(f"weights file {path!r} does not exist.")
        return _load_weights_file(model, path, f"weights file {path!r}")
    from keras_video_zoo.hub.load import fetch_checkpoint

    is_tag = re.fullmatch(r"[A-Za-z0-9_\-]+", path) is not None and not os.path.isdir(path)
    if not is_tag and not path.startswith("hf://") and not os.path.isdir(path):
        raise ValueError(
            f"weights must be None, a registered tag (e.g. 'synthetic'), 'hf://org/name', a checkpoint folder or a "
            f"'.weights.h5' path; got {path!r}."
        )
    checkpoint = fetch_checkpoint(f"{model.name}.{path}" if is_tag else path)
    return _load_weights_file(
        model,
        str(checkpoint.directory / "model.weights.h5"),
        f"checkpoint {checkpoint.spec.name!r}",
        checkpoint.spec.model_kwargs,
    )


def _load_weights_file(model: keras.Model, path: str, what: str, made_with: Mapping | None = None) -> keras.Model:
    try:
        model.load_weights(path)
    except ValueError as error:
        made = f" The checkpoint was made with {dict(made_with)}." if made_with else ""
        raise ValueError(
            f"{what} does not fit model {model.name!r} (different layers or shapes; check num_classes, "
            f"input_shape and the scaling arguments).{made} To change the number of classes, use "
            f"keras_video_zoo.from_pretrained(..., num_classes=N, transfer='top'). Keras said: {error}"
        ) from error
    return model
