"""Score fusion by a linear multi-class SVM, as a layer so checkpoints carry it."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class LinearSVMFusion(keras.layers.Layer):
    """Class scores from a linear SVM on the streams' L2-normalised softmax scores.

    ``scores = concat([s / ||s||_2 for s in streams]) @ kernel + bias``: the
    decision function of a fitted linear SVM (Crammer-Singer in the paper). The
    SVM's coefficients are non-trainable weights, so they are saved with the model
    in ``.keras`` / ``.weights.h5`` files (no pickle) and run on the accelerator.
    Fit it with :func:`keras_video_zoo.evaluation.fit_svm_fusion`; calling it
    before then is an error rather than silently returning zeros.

    Args:
        num_classes: number of classes (every stream must have as many).
        fitted: whether the weights hold a fitted SVM (set by ``set_svm``).

    Example:
    >>> import numpy as np
    >>> fusion = LinearSVMFusion(num_classes=3)
    >>> fusion.build([(None, 3), (None, 3)])
    >>> fusion.set_svm(np.eye(3, 6), np.zeros(3))
    >>> fusion([np.array([[.2, .7, .1]]), np.array([[.1, .8, .1]])]).numpy().argmax()
    np.int64(1)
    """

    def __init__(self, num_classes: int, fitted: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.fitted = bool(fitted)

    def build(self, input_shape: Sequence[tuple]):
        classes = [shape[-1] for shape in input_shape]
        if len(classes) < 2 or any(c != self.num_classes for c in classes):
            raise ValueError(
                f"LinearSVMFusion fuses two or more streams of {self.num_classes} class scores each; "
                f"got streams with {classes} classes."
            )
        features = sum(classes)
        self.kernel = self.add_weight(shape=(features, self.num_classes), initializer="zeros", trainable=False)
        self.bias = self.add_weight(shape=(self.num_classes,), initializer="zeros", trainable=False)

    def set_svm(self, coef: np.ndarray, intercept: np.ndarray) -> None:
        """Stores a fitted SVM: ``coef`` (classes, features), ``intercept`` (classes,)."""
        coef, intercept = np.asarray(coef, "float32"), np.asarray(intercept, "float32")
        if coef.shape != (self.num_classes, self.kernel.shape[0]) or intercept.shape != (self.num_classes,):
            raise ValueError(
                f"SVM coefficients must be {(self.num_classes, self.kernel.shape[0])} and intercepts "
                f"({self.num_classes},); got {coef.shape} and {intercept.shape}."
            )
        self.kernel.assign(coef.T)
        self.bias.assign(intercept)
        self.fitted = True

    # Weights copied or loaded from a fitted layer (a checkpoint rebuilt from its build arguments,
    # a .weights.h5 file) make this one fitted too: an all-zero SVM is never a fitted one.
    def set_weights(self, weights) -> None:
        super().set_weights(weights)
        self.fitted = any(np.any(np.asarray(weight)) for weight in weights)

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        self.fitted = any(np.any(keras.ops.convert_to_numpy(weight)) for weight in self.weights)

    def call(self, inputs):
        if not self.fitted:
            raise ValueError(
                f"Layer {self.name!r} holds no SVM yet: fit it on held-out stream scores with "
                "keras_video_zoo.evaluation.fit_svm_fusion(model, ...) before predicting, or use fusion='average'."
            )
        features = ops.concatenate([ops.normalize(scores, axis=-1, order=2) for scores in inputs], axis=-1)
        return ops.matmul(features, self.kernel) + self.bias

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "fitted": self.fitted}
