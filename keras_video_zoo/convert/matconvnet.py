"""Read MatConvNet networks without MATLAB: SimpleNN and DagNN ``.mat`` files, through SciPy.

A SimpleNN file holds ``layers`` (a cell array of structs: ``type`` ``conv``/``relu``/``pool``/
``normalize``/``lrn``/``dropout``/``softmax``, filters in ``weights`` or the older
``filters``/``biases``) and ``meta`` (or the older top-level ``normalization`` and ``classes``).
A DagNN file is ``DagNN.saveobj``'s struct: ``layers`` (``name``, ``type`` such as
``dagnn.Conv``, ``inputs``, ``outputs``, ``params``, ``block``), ``params`` (``name``, ``value``)
and ``meta``; a training snapshot wraps it in ``net``. Filters are ``(h, w, in, out)``, fully
connected layers are convolutions whose filter covers the whole map, images are RGB.

MATLAB v7.3 files are HDF5; they are refused with the command that rewrites them as v7.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from keras_video_zoo.convert.source_net import ConversionError, SourceLayer, SourceNet, file_head

_SIMPLE_KINDS = {
    "conv": "conv", "relu": "relu", "pool": "pool", "normalize": "lrn", "lrn": "lrn", "dropout": "dropout",
    "softmax": "softmax", "softmaxloss": "softmax",
}  # fmt: skip
_DAG_KINDS = {
    "dagnn.Conv": "conv", "dagnn.ReLU": "relu", "dagnn.Pooling": "pool", "dagnn.LRN": "lrn",
    "dagnn.DropOut": "dropout", "dagnn.SoftMax": "softmax", "dagnn.Loss": None,
}  # fmt: skip


def _load(path: Path) -> dict[str, Any]:
    import scipy.io

    if b"MATLAB 7.3 MAT-file" in file_head(path):
        raise ConversionError(
            f"{path} is a MATLAB v7.3 (HDF5) file; save it as v7 first: in MATLAB or Octave, "
            "net = load('FILE'); save('FILE_v7.mat', '-struct', 'net', '-v7')"
        )
    try:
        return scipy.io.loadmat(path, squeeze_me=True, simplify_cells=True)
    except (ValueError, TypeError, OSError, NotImplementedError, EOFError) as error:
        raise ConversionError(f"{path} is not a readable MATLAB .mat file: {error}") from None


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, np.ndarray) and value.dtype == object:
        return list(value.ravel())
    if isinstance(value, dict):
        return [value]
    return [value]


def _ints(value, count: int) -> tuple[int, ...]:
    """MatConvNet's scalar-or-vector parameters as ``count`` ints (a scalar repeats)."""
    values = np.atleast_1d(np.asarray(value, dtype=float)).astype(int).tolist()
    if len(values) == 1:
        values = values * count
    if count == 4 and len(values) == 2:  # [vertical horizontal] padding
        values = [values[0], values[0], values[1], values[1]]
    if len(values) != count:
        raise ConversionError(f"expected {count} values, found {values}")
    return tuple(values)


def _conv_params(pad, stride) -> dict:
    return {"pad": _ints(0 if pad is None else pad, 4), "stride": _ints(1 if stride is None else stride, 2)}


def _pool_params(size, pad, stride, method) -> dict:
    return {
        "pool_size": _ints(size, 2),
        "method": str(method or "max"),
        **_conv_params(pad, stride),
    }


def _lrn_params(param) -> dict:
    values = np.atleast_1d(np.asarray(param, dtype=float))
    if values.size != 4:
        raise ConversionError(f"an LRN layer's param must be [N kappa alpha beta]; found {values.tolist()}")
    return {"lrn": tuple(float(v) for v in values)}


def _array(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float32)


def _simple_layers(layers: list) -> list[SourceLayer]:
    chain = []
    for index, layer in enumerate(layers, 1):
        if not isinstance(layer, dict) or "type" not in layer:
            raise ConversionError(f"layer {index} is not a MatConvNet layer struct (no 'type')")
        name, kind = str(layer.get("name") or f"layer{index}"), _SIMPLE_KINDS.get(str(layer["type"]))
        if kind is None:
            raise ConversionError(f"layer {name!r} has type {layer['type']!r}, which no zoo architecture has")
        params, blobs = {}, []
        if kind == "conv":
            weights = _as_list(layer["weights"]) if "weights" in layer else [layer.get("filters"), layer.get("biases")]
            blobs = [_array(w) for w in weights if w is not None and np.size(w)]
            params = _conv_params(layer.get("pad"), layer.get("stride"))
        elif kind == "pool":
            params = _pool_params(layer.get("pool"), layer.get("pad"), layer.get("stride"), layer.get("method"))
        elif kind == "lrn":
            params = _lrn_params(layer.get("param"))
        chain.append(SourceLayer(name, kind, params, blobs))
    return chain


def _dag_layers(layers: list, params: list) -> list[SourceLayer]:
    values = {str(p["name"]): p["value"] for p in params if isinstance(p, dict) and "name" in p}
    chain, previous = [], None
    for layer in layers:
        name, type_name = str(layer.get("name")), str(layer.get("type"))
        if type_name not in _DAG_KINDS:
            raise ConversionError(f"layer {name!r} has type {type_name!r}, which no zoo architecture has")
        kind, block = _DAG_KINDS[type_name], layer.get("block") or {}
        if kind is None:
            continue
        inputs = [str(i) for i in _as_list(layer.get("inputs"))]
        if previous is not None and inputs and inputs[0] != previous:
            raise ConversionError(
                f"layer {name!r} reads {inputs[0]!r}, not the output of the layer before it ({previous!r}): "
                "the net is not a chain of layers, so it is no zoo architecture"
            )
        outputs = [str(o) for o in _as_list(layer.get("outputs"))]
        previous = outputs[0] if outputs else previous
        layer_params, blobs = {}, []
        if kind == "conv":
            names = [str(n) for n in _as_list(layer.get("params"))]
            missing = [n for n in names if n not in values]
            if missing:
                raise ConversionError(f"layer {name!r} uses parameters {missing} that the file does not hold")
            blobs = [_array(values[n]) for n in names]
            layer_params = _conv_params(block.get("pad"), block.get("stride"))
        elif kind == "pool":
            layer_params = _pool_params(
                block.get("poolSize"), block.get("pad"), block.get("stride"), block.get("method")
            )
        elif kind == "lrn":
            layer_params = _lrn_params(block.get("param"))
        chain.append(SourceLayer(name, kind, layer_params, blobs))
    return chain


def read_matconvnet(path: str | os.PathLike) -> SourceNet:
    """The chain of layers in a MatConvNet SimpleNN or DagNN ``.mat`` file, in MatConvNet's layouts.

    Raises:
        ConversionError: not a ``.mat`` file, a v7.3 file, not a network, or not a chain of layers.
    """
    path = Path(path)
    data = _load(path)
    net = data.get("net") if isinstance(data.get("net"), dict) else data
    if "layers" not in net:
        raise ConversionError(f"{path} is a .mat file but holds no MatConvNet network (no 'layers' variable).")
    meta = net.get("meta") if isinstance(net.get("meta"), dict) else {}
    normalization = meta.get("normalization") or net.get("normalization") or {}
    classes = meta.get("classes") or net.get("classes") or {}
    layers = _as_list(net["layers"])
    dag = bool(layers) and isinstance(layers[0], dict) and str(layers[0].get("type", "")).startswith("dagnn.")
    chain = _dag_layers(layers, _as_list(net.get("params"))) if dag else _simple_layers(layers)
    if not any(layer.blobs for layer in chain):
        raise ConversionError(f"{path} has layers but no weights.")
    size = normalization.get("imageSize") if isinstance(normalization, dict) else None
    input_shape = None
    if size is not None and np.size(size) >= 2:
        size = np.atleast_1d(np.asarray(size, dtype=float)).astype(int)
        channels = int(size[2]) if size.size > 2 else int(np.shape(chain[0].blobs[0])[2])
        input_shape = (channels, int(size[0]), int(size[1]))
    mean = normalization.get("averageImage") if isinstance(normalization, dict) else None
    mean = np.asarray(mean, dtype=np.float32) if mean is not None and np.size(mean) else None
    labels = ()
    if isinstance(classes, dict):
        names = classes.get("description")
        names = names if names is not None and np.size(names) else classes.get("name")
        labels = tuple(str(n) for n in _as_list(names)) if names is not None else ()
    kind = "DagNN" if dag else "SimpleNN"
    return SourceNet(
        "matconvnet", chain, input_shape=input_shape, mean=mean, labels=labels, description={"format": kind}
    )
