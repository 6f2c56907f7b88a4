"""Export a zoo model to SavedModel, ONNX or LiteRT, with its labels and input spec beside it, checked against Keras.

:func:`export_model` goes through Keras' own ``model.export`` with a uint8 input signature, so the
artefact takes the same uint8 clips as the Keras model (``(batch, T, H, W, 3)``, flow stacks
``(batch, L, H, W, 2)``, both for a two-stream model) and returns the same scores. Beside it,
``kvz_export.json`` carries the class names, the input spec and the largest difference from the
Keras scores measured at export, in the target runtime (TensorFlow, onnxruntime, the LiteRT
interpreter). :func:`load_exported` runs an artefact in its runtime.

The zoo's models use only ops every runtime has (3-D convolutions and poolings are computed as
2-D ones over frames: :class:`~keras_video_zoo.layers.FrameWindowConv`,
:class:`~keras_video_zoo.layers.FrameMaxPooling`). A model with ops LiteRT lacks (a Keras
``Conv3D``, ``MaxPooling3D``, area resizing) is refused with the op named and the zoo's equivalent.

Example:
>>> import tempfile
>>> from keras_video_zoo import create_model
>>> exported = export_model(create_model("single_frame_tiny.synthetic"), tempfile.mkdtemp(), "onnx")
>>> exported.path.name, exported.max_abs_diff < 1e-4, exported.labels[:2]
('model.onnx', True, ['BlueCross', 'Contract'])
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo.models.pretrained import class_names
from keras_video_zoo.runtime import captured_stderr_fd
from keras_video_zoo.vocabulary import EXPORT_FORMATS as FORMATS

KERAS_FORMATS = {"saved_model": "tf_saved_model", "onnx": "onnx", "litert": "litert"}
ARTEFACTS = {"saved_model": "saved_model", "onnx": "model.onnx", "litert": "model.tflite"}
MANIFEST = "kvz_export.json"
PARITY_TOLERANCE = 1e-4
# What LiteRT lacks among the ops a Keras video model may use, and what the zoo builds instead.
LITERT_EQUIVALENTS = {
    "Conv3D": "keras_video_zoo.layers.FrameWindowConv (a Conv3D's arithmetic as one Conv2D over frame windows)",
    "MaxPool3D": "keras_video_zoo.layers.FrameMaxPooling (each frame pooled on its own)",
    "AvgPool3D": "an average pooling over folded frames",
    "ResizeArea": "ContextResize by a whole factor (an average pooling)",
}


class ExportError(ValueError):
    """A model a format cannot take, with why and what to do instead."""


@dataclass(frozen=True)
class ExportedModel:
    """An artefact and what travels with it.

    Attributes:
        path: the artefact (a SavedModel folder, a ``.onnx`` or a ``.tflite`` file).
        format: ``"saved_model"``, ``"onnx"`` or ``"litert"``.
        labels: class names, in score order.
        inputs: ``[{"name", "shape", "dtype"}]`` per input (batch first, ``None``).
        max_abs_diff: largest difference from the Keras scores on the check clips, in the artefact's runtime.
        source: what the model was loaded from (informative).
    """

    path: Path
    format: str
    labels: list[str]
    inputs: list[dict]
    max_abs_diff: float
    source: str | None = None

    def to_dict(self) -> dict:
        return asdict(self) | {"path": self.path.name}


def _input_specs(model: keras.Model) -> list[dict]:
    return [{"name": tensor.name, "shape": [None, *tensor.shape[1:]], "dtype": "uint8"} for tensor in model.inputs]


def check_clips(model: keras.Model, batch: int = 2, seed: int = 0) -> list[np.ndarray]:
    """Random uint8 inputs of every input's shape (the parity check's clips)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (batch, *tensor.shape[1:]), dtype=np.uint8) for tensor in model.inputs]


def _litert_refusal(log: str) -> ExportError | None:
    """The plain words for a LiteRT conversion that needs TensorFlow ops (Flex), or None."""
    missing = sorted(set(re.findall(r"tf\.(\w+)\(", log)) | set(re.findall(r"Flex(\w+)", log)))
    if not missing:
        return None
    fixes = [f"{op}: use {LITERT_EQUIVALENTS[op]}" for op in missing if op in LITERT_EQUIVALENTS]
    return ExportError(
        f"LiteRT's builtin ops cannot run {', '.join(missing)} (it would need TensorFlow's Flex delegate, which the "
        "LiteRT interpreter does not include)" + (f"; {'; '.join(fixes)}" if fixes else "") + "."
    )


def export_model(
    model: keras.Model,
    out: str | Path,
    format: str,
    *,
    labels: Sequence[str] | None = None,
    source: str | None = None,
) -> ExportedModel:
    """Writes ``model`` as ``format`` into the folder ``out``, with ``kvz_export.json``, and checks it.

    Args:
        model: a zoo model (any Keras model with uint8-valued inputs).
        out: the folder for the artefact and its manifest (created).
        format: ``"saved_model"``, ``"onnx"`` or ``"litert"``.
        labels: class names (default: the model's record, else ``class_0 ...``).
        source: what the model was loaded from, for the manifest.

    Returns:
        The :class:`ExportedModel`.

    Raises:
        ExportError: the format cannot take the model (the reason names the op and the equivalent), or the
            artefact's scores differ from the Keras model's by more than 1e-4.
    """
    if format not in FORMATS:
        raise ExportError(f"format must be one of {FORMATS}; got {format!r}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ARTEFACTS[format]
    labels = list(labels or class_names(model))
    specs = [tf.TensorSpec((None, *t.shape[1:]), tf.uint8, name=t.name) for t in model.inputs]
    named = isinstance(model.input, dict)  # a two-stream model takes {"clip": ..., "flow": ...}
    signature = [{spec.name: spec for spec in specs}] if named else specs
    with captured_stderr_fd() as converter_log:  # the converters write to file descriptor 2
        try:
            model.export(str(path), format=KERAS_FORMATS[format], verbose=False, input_signature=signature)
        except Exception as error:  # the converters raise their own error types
            refusal = _litert_refusal(str(error)) if format == "litert" else None
            raise refusal or ExportError(f"{format} export of {model.name} failed: {error}") from error
    if format == "litert" and "Flex" in converter_log.text:
        raise _litert_refusal(converter_log.text)
    clips = check_clips(model)
    names = [tensor.name for tensor in model.inputs]
    expected = np.asarray(model.predict_on_batch(dict(zip(names, clips, strict=True)) if named else clips[0]))
    try:
        with captured_stderr_fd():  # LiteRT announces its CPU delegate on file descriptor 2
            got = load_exported(path, format, names)(clips)
    except RuntimeError as error:  # e.g. LiteRT refusing an op at load time
        refusal = _litert_refusal(str(error)) if format == "litert" else None
        raise refusal or ExportError(f"the {format} artefact of {model.name} does not run: {error}") from error
    difference = float(np.abs(got - expected).max())
    if difference > PARITY_TOLERANCE:
        raise ExportError(
            f"the {format} artefact of {model.name} scores differ from Keras by {difference:.2g} "
            f"(> {PARITY_TOLERANCE})."
        )
    exported = ExportedModel(path, format, labels, _input_specs(model), difference, source)
    (out / MANIFEST).write_text(json.dumps(exported.to_dict(), indent=1) + "\n")
    return exported


def read_export(out: str | Path) -> ExportedModel:
    """The :class:`ExportedModel` of an export folder (its manifest)."""
    out = Path(out)
    data = json.loads((out / MANIFEST).read_text())
    return ExportedModel(**(data | {"path": out / data["path"]}))


def load_exported(
    path: str | Path, format: str, input_names: Sequence[str] | None = None
) -> Callable[[list[np.ndarray]], np.ndarray]:
    """``run([uint8 inputs]) -> scores`` in the artefact's own runtime: TensorFlow, onnxruntime or LiteRT.

    Args:
        path: the artefact.
        format: its format.
        input_names: the Keras inputs' names, in the order ``run`` takes them (a manifest's ``inputs``);
            runtimes may list a two-input model's inputs in another order.

    Raises:
        ImportError: the runtime is not installed (``pip install 'keras-video-zoo[export]'``).
    """
    path = Path(path)
    if format == "saved_model":
        loaded = tf.saved_model.load(str(path))

        def run(inputs):
            if input_names and len(input_names) > 1:  # the signature takes the model's dict of inputs
                return np.asarray(loaded.serve(dict(zip(input_names, inputs, strict=True))))
            return np.asarray(loaded.serve(*inputs))

        run.loaded = loaded  # keeps the restored variables alive as long as the function
        return run
    if format == "onnx":
        session = _import("onnxruntime").InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = list(input_names or [item.name for item in session.get_inputs()])
        return lambda inputs: np.asarray(session.run(None, dict(zip(names, inputs, strict=True)))[0])
    if format == "litert":
        interpreter = _import("ai_edge_litert.interpreter").Interpreter(model_path=str(path))
        details = interpreter.get_input_details()
        if input_names:  # the converter names them serving_default_<name>:0
            by_name = {detail["name"]: detail for detail in details}
            details = [
                by_name.get(f"serving_default_{name}:0", detail)
                for name, detail in zip(input_names, details, strict=True)
            ]

        def run(inputs):
            for detail, array in zip(details, inputs, strict=True):
                interpreter.resize_tensor_input(detail["index"], array.shape)
            interpreter.allocate_tensors()
            for detail, array in zip(details, inputs, strict=True):
                interpreter.set_tensor(detail["index"], array)
            interpreter.invoke()
            return np.asarray(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))

        return run
    raise ExportError(f"format must be one of {FORMATS}; got {format!r}.")


def _import(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"{module} runs this format: pip install 'keras-video-zoo[export]'") from error
