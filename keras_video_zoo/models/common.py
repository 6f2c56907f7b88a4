"""Pieces every model family shares: argument checks and the classifier head."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Head:
    """The keras.applications-style head arguments of a factory, checked.

    Attributes:
        include_top: whether to build fc6, fc7 and the classifier.
        pooling: with ``include_top=False``: ``None``, ``"avg"`` or ``"max"``.
        num_classes: classifier outputs, or ``{dataset: classes}`` for one head per dataset.
        classifier_activation: activation of the classifier (``None``: logits).
        dropout: drop rate before fc6, fc7 and the classifier.
        fc_units: units of fc6 and fc7.
    """

    include_top: bool
    pooling: str | None
    num_classes: NumClasses
    classifier_activation: str | None
    dropout: float
    fc_units: tuple[int, int]

    @classmethod
    def checked(
        cls,
        include_top: bool,
        pooling: str | None,
        num_classes: NumClasses,
        classifier_activation: str | None,
        dropout: float,
        fc_units: int | Sequence[int],
    ) -> Head:
        """Validates the arguments; ``fc_units`` may be one int for both layers.

        Raises:
            ValueError: naming the bad argument and what it accepts.

        Example:
        >>> Head.checked(True, None, 10, "softmax", 0.5, 64).fc_units
        (64, 64)
        """
        if pooling not in (None, "avg", "max"):
            raise ValueError(f"pooling must be None, 'avg' or 'max'; got {pooling!r}.")
        if include_top and pooling is not None:
            raise ValueError("pooling applies only with include_top=False; the classifier head flattens pool5.")
        heads = num_classes if isinstance(num_classes, Mapping) else {"": num_classes}
        if not heads or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in heads.values()):
            raise ValueError(
                "num_classes must be a positive integer, or a dict of them with one head per dataset; "
                f"got {num_classes!r}."
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
        return cls(include_top, pooling, num_classes, classifier_activation, float(dropout), units)


def classifier_head(features, head: Head):
    """fc6 -> fc7 -> predictions on a feature map, or pooling without the top.

    Dropout layers are always present (rate 0 is a no-op) so that layer names
    stay the same whatever the rate; transfer learning changes the rate only.
    With ``num_classes={"ucf101": 101, "hmdb51": 51}`` there is one head per
    dataset on fc7, named ``predictions_ucf101`` ..., and the outputs are a dict.
    """
    if not head.include_top:
        if head.pooling == "avg":
            return keras.layers.GlobalAveragePooling2D(name="avg_pool")(features)
        if head.pooling == "max":
            return keras.layers.GlobalMaxPooling2D(name="max_pool")(features)
        return features
    x = keras.layers.Flatten(name="flatten")(features)
    x = keras.layers.Dropout(head.dropout, name="fc6_dropout")(x)
    x = keras.layers.Dense(head.fc_units[0], activation="relu", name="fc6")(x)
    x = keras.layers.Dropout(head.dropout, name="fc7_dropout")(x)
    x = keras.layers.Dense(head.fc_units[1], activation="relu", name="fc7")(x)
    x = keras.layers.Dropout(head.dropout, name="predictions_dropout")(x)

    def dense(classes: int, name: str):
        # float32 scores even under a mixed-precision policy, so softmax stays stable.
        return keras.layers.Dense(classes, activation=head.classifier_activation, name=name, dtype="float32")(x)

    if isinstance(head.num_classes, Mapping):
        return {dataset: dense(classes, f"predictions_{dataset}") for dataset, classes in head.num_classes.items()}
    return dense(head.num_classes, "predictions")


def check_pixel_scale(pixel_scale: float) -> None:
    """``pixel_scale`` multiplies mean-subtracted pixels: a positive number."""
    if not isinstance(pixel_scale, (int, float)) or not pixel_scale > 0:
        raise ValueError(f"pixel_scale multiplies the mean-subtracted pixels and must be > 0; got {pixel_scale!r}.")
