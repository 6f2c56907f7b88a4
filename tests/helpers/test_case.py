"""The checks every layer and every model passes, on whichever Keras backend runs the tests.

In the spirit of keras-hub's ``TestCase.run_layer_test`` / ``run_model_test``, as plain functions
for pytest: a test names its layer or model and its inputs, the harness does the rest. Everything
goes through ``keras.ops`` and ``keras.Model`` APIs, so the same test runs on TensorFlow, JAX and
PyTorch (``KERAS_BACKEND``; ``make test-backends``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

#: For tests of TensorFlow-only features (tf.distribute, TensorFlow's profiler and SavedModel export).
tensorflow_only = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="a TensorFlow-only feature")


def as_numpy(structure):
    """Backend tensors (or a dict of them) as NumPy arrays."""
    return keras.tree.map_structure(keras.ops.convert_to_numpy, structure)


def assert_close(actual, expected, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Equal up to float noise, for an array or a dict of arrays (multi-task heads)."""
    keras.tree.map_structure(
        lambda a, e: np.testing.assert_allclose(a, e, rtol=rtol, atol=atol), as_numpy(actual), as_numpy(expected)
    )


def _shape(tensor) -> tuple:
    return tuple(tensor.shape)


def run_layer_test(
    layer_class: type[keras.layers.Layer],
    init_kwargs: dict[str, Any],
    input_data: np.ndarray | list[np.ndarray],
    expected_output_shape: tuple[int, ...],
    *,
    expected_output: np.ndarray | None = None,
    expected_trainable_weights: int = 0,
    mixed_precision_dtype: str | None = "float16",
    call_kwargs: dict[str, Any] | None = None,
    run_training_check: bool = True,
    atol: float = 1e-6,
) -> None:
    """Config round trip, symbolic and eager calls, a training step and the mixed-precision policy of one layer.

    Args:
        layer_class: the layer under test.
        init_kwargs: its constructor arguments.
        input_data: a batch of inputs (NumPy; a list for a layer of several inputs).
        expected_output_shape: the eager output's shape.
        expected_output: the output it must give, when known.
        expected_trainable_weights: how many trainable weights it creates.
        mixed_precision_dtype: the output dtype under ``mixed_float16`` (None: the layer's output dtype is its
            own, e.g. float32 pixels, and only the variables' dtype is checked).
        call_kwargs: extra call arguments (``training=...``).
        run_training_check: off for layers that are not trained by gradients (a fitted SVM) or that change
            the batch size (``FoldTime``), which ``fit`` cannot pair with targets.
        atol: tolerance for ``expected_output`` and the round trips.
    """
    call_kwargs = call_kwargs or {}
    layer = layer_class(**init_kwargs)

    # Config round trip, directly and through the registered name (as .keras files do).
    config = layer.get_config()
    assert layer_class.from_config(config).get_config() == config
    revived = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(revived) is layer_class and revived.get_config() == config

    # Symbolic call: the functional API sees the same shape as an eager call, batch left open.
    symbolic_inputs = keras.tree.map_structure(lambda x: keras.Input(x.shape[1:], dtype=str(x.dtype)), input_data)
    symbolic = layer(symbolic_inputs, **call_kwargs)
    assert _shape(symbolic)[1:] == tuple(expected_output_shape[1:]), (_shape(symbolic), expected_output_shape)
    if type(layer).compute_output_shape is not keras.layers.Layer.compute_output_shape:
        input_shapes = keras.tree.map_structure(lambda x: x.shape, input_data)
        assert tuple(layer.compute_output_shape(input_shapes)) == tuple(expected_output_shape)

    output = layer(input_data, **call_kwargs)
    assert _shape(output) == tuple(expected_output_shape)
    if expected_output is not None:
        np.testing.assert_allclose(as_numpy(output), expected_output, rtol=1e-5, atol=atol)
    assert len(layer.trainable_weights) == expected_trainable_weights

    if run_training_check:
        _check_training_step(layer_class, init_kwargs, input_data, call_kwargs)

    if mixed_precision_dtype is not None or expected_trainable_weights:
        mixed = layer_class(**init_kwargs, dtype="mixed_float16")
        mixed_output = mixed(input_data, **call_kwargs)
        assert all(weight.dtype == "float32" for weight in mixed.weights), "variables stay float32"
        if mixed_precision_dtype is not None:
            assert keras.backend.standardize_dtype(mixed_output.dtype) == mixed_precision_dtype


def _check_training_step(layer_class, init_kwargs, input_data, call_kwargs) -> None:
    """One ``fit`` step through the layer in a compiled model: finite loss, and its weights (if any) move.

    A trainable Dense in front gives weight-free layers a gradient to pass back, so the step also
    proves the layer is differentiable on this backend.
    """
    keras.utils.set_random_seed(0)
    inputs = keras.Input(input_data.shape[1:])
    layer = layer_class(**init_kwargs)
    scaled = keras.layers.Dense(input_data.shape[-1], kernel_initializer="identity")(inputs)
    outputs = layer(scaled, **call_kwargs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
    x = input_data.astype("float32")
    target = np.zeros(_shape(model(x)), "float32")
    before = [as_numpy(w) for w in model.trainable_weights]
    loss = model.fit(x, target, batch_size=len(x), epochs=1, verbose=0).history["loss"][0]
    assert np.isfinite(loss)
    moved = [not np.array_equal(b, as_numpy(w)) for b, w in zip(before, model.trainable_weights, strict=True)]
    assert moved[0], "no gradient reached the input: the layer is not differentiable here"
    assert all(moved), f"{layer.name}: some weights did not train"


def run_model_test(
    model: keras.Model,
    input_data: np.ndarray | dict[str, np.ndarray],
    tmp_path: Path,
    *,
    train: bool = True,
) -> keras.Model:
    """Build, predict on arrays and on a ``tf.data.Dataset``, a fit step, and ``.keras`` save/load equality.

    Args:
        model: the model (the fit step, last, trains it).
        input_data: a batch of uint8 inputs (a dict for several inputs).
        tmp_path: where the ``.keras`` file goes.
        train: run the fit step (off for paper-size models).

    Returns:
        The model.
    """
    import tensorflow as tf  # the input pipeline on every backend, as in the zoo

    batch = len(next(iter(input_data.values())) if isinstance(input_data, dict) else input_data)
    scores = as_numpy(model.predict(input_data, verbose=0))
    heads = scores if isinstance(scores, dict) else {"": scores}
    outputs = model.output if isinstance(model.output, dict) else {"": model.output}
    for head, head_scores in heads.items():  # a probability per class, for every head
        assert head_scores.shape == (batch, outputs[head].shape[-1]), (head, head_scores.shape)
        np.testing.assert_allclose(head_scores.sum(axis=-1), 1.0, rtol=1e-5)

    dataset = tf.data.Dataset.from_tensor_slices(input_data).batch(batch)
    assert_close(model.predict(dataset, verbose=0), scores)

    clone = keras.Model.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_close(clone.predict(input_data, verbose=0), scores)

    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    for saved, loaded in zip(model.get_weights(), reloaded.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, saved)
    # Same weights; oneDNN may still pick another summation order for a new model instance.
    assert_close(reloaded.predict(input_data, verbose=0), scores)
    assert [layer.name for layer in reloaded.layers] == [layer.name for layer in model.layers]

    if train:
        _check_model_trains(model, input_data)
    return model


def _check_model_trains(model: keras.Model, input_data) -> None:
    """One SGD step on the inputs: finite loss, every trainable weight moves."""
    keras.utils.set_random_seed(0)  # an unlucky init can leave a whole layer's ReLUs off
    batch = len(next(iter(input_data.values())) if isinstance(input_data, dict) else input_data)
    labels = keras.tree.map_structure(lambda output: np.arange(batch) % output.shape[-1], model.output)
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    history = model.fit(input_data, labels, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    still = [w.path for w, b in zip(model.weights, before, strict=True) if np.array_equal(as_numpy(w), b)]
    assert not still, f"weights that did not train: {still}"
