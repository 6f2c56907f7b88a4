"""Multi-task training: one head per dataset, each head's loss on its own samples only.

Simonyan & Zisserman train one temporal stream on UCF-101 and HMDB-51 at once:
a mixed batch passes through the shared layers; each softmax head's loss counts
only the samples of its dataset, and the total loss is the sum over heads. Here a
sample's label is ``IGNORE_LABEL`` for every head but its own dataset's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np

IGNORE_LABEL = -1


def multitask_losses(model: keras.Model) -> dict[str, keras.losses.Loss]:
    """One masked sparse cross-entropy per head of ``model``, for ``model.compile``.

    Each loss averages over the samples whose label for that head is not
    :data:`IGNORE_LABEL` (zero when there are none); Keras sums the heads.

    Example:
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.training.multitask import multitask_losses
    >>> model = create_model("temporal_stream_multitask_tiny")
    >>> sorted(multitask_losses(model))
    ['source', 'target']
    """
    if not isinstance(model.output, Mapping):
        raise ValueError(f"Model {model.name!r} has one head; multi-task training needs num_classes as a dict.")
    return {head: keras.losses.SparseCategoricalCrossentropy(ignore_class=IGNORE_LABEL) for head in model.output}


def multitask_labels(labels: Sequence[int], datasets: Sequence[str], heads: Sequence[str]) -> dict[str, np.ndarray]:
    """Per-head label arrays for a mixed batch: a sample's label under its dataset's head.

    Args:
        labels: each sample's class within its own dataset.
        datasets: each sample's dataset (a head name).
        heads: all head names of the model.

    Example:
    >>> multitask_labels([3, 0, 7], ["ucf101", "hmdb51", "ucf101"], ["ucf101", "hmdb51"])
    {'ucf101': array([ 3, -1,  7]), 'hmdb51': array([-1,  0, -1])}
    """
    labels, datasets = np.asarray(labels), np.asarray(datasets)
    if labels.shape != datasets.shape:
        raise ValueError(
            f"labels and datasets must have one entry per sample; got {labels.shape} and {datasets.shape}."
        )
    unknown = sorted(set(datasets.tolist()) - set(heads))
    if unknown:
        raise ValueError(f"Samples from datasets {unknown} have no head; the model's heads are {list(heads)}.")
    return {head: np.where(datasets == head, labels, IGNORE_LABEL) for head in heads}
