"""A model's first layer: clips of the wrong shape are refused in the same words on every backend."""

from __future__ import annotations

from collections.abc import Sequence

import keras


@keras.saving.register_keras_serializable(package="keras_video_zoo")
class ClipShapeCheck(keras.layers.Layer):
    """Passes its input through unchanged, after checking it against the shape the model was built for.

    Keras checks a functional model's input shape when the model is called, but its JAX trainer
    calls models statelessly, past that check, so on JAX a clip of the wrong shape used to fail in
    whichever layer it broke, in that layer's words. This check runs inside the graph, on every
    backend, and names both shapes as Keras does (``expected shape=(None, 10, 64, 64, 3), found
    shape=(1, 8, 64, 64, 3)``); it costs nothing at run time (a check of static shapes while tracing).

    Args:
        shape: the clip shape without the batch axis, e.g. ``(10, 64, 64, 3)``.

    Example:
    >>> import numpy as np
    >>> check = ClipShapeCheck((2, 4, 4, 3))
    >>> tuple(check(np.zeros((1, 2, 4, 4, 3), "float32")).shape)
    (1, 2, 4, 4, 3)
    >>> try:
    ...     check(np.zeros((1, 3, 4, 4, 3), "float32"))
    ... except ValueError as error:
    ...     print("expected shape=(None, 2, 4, 4, 3), found shape=(1, 3, 4, 4, 3)" in str(error))
    True
    """

    def __init__(self, shape: Sequence[int | None], **kwargs) -> None:
        super().__init__(**kwargs)
        self.shape = tuple(None if size is None else int(size) for size in shape)

    def _fits(self, found: tuple) -> bool:
        return len(found) == len(self.shape) + 1 and all(
            expected is None or size is None or size == expected
            for expected, size in zip(self.shape, found[1:], strict=True)
        )

    def call(self, inputs):
        found = tuple(inputs.shape)
        if not self._fits(found):
            raise ValueError(f"Clips do not fit this model: expected shape={(None, *self.shape)}, found shape={found}.")
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "shape": list(self.shape)}
