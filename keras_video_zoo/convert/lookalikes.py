"""Look-alikes of the published checkpoints: Caffe and MatConvNet files with random weights, any width.

The real files cannot be downloaded here and must not ship (size, licences), so the tests, the
benchmark and notebook 05 write these instead: the same layer names, types, hyperparameters and
layouts, random weights. The Caffe files are encoded byte by byte with a protobuf wire encoder of
this module's own (field numbers typed from BVLC Caffe's caffe.proto), not with the reader's
schema (:mod:`.caffe`), so a wrong field number cannot go unnoticed by writing and reading with
the same mistake. The MatConvNet files follow MatConvNet's own writers (utils/import-caffe.py for
SimpleNN, DagNN.saveobj for DagNN) through scipy.io.savemat.

Every net is a list of layer dicts in Caffe's terms and layouts; :func:`source_net` and
:func:`matconvnet_source_net` turn one into a SourceNet straight from its arrays, bypassing the
readers, for the NumPy reference.

Example:
>>> import numpy as np, tempfile, pathlib
>>> layers = cnn_m_2048(np.random.default_rng(0), size=64)
>>> path = write_caffemodel(pathlib.Path(tempfile.mkdtemp()) / "VGG_CNN_M_2048.caffemodel", layers)
>>> [layer["name"] for layer in layers][:4]
['conv1', 'relu1', 'norm1', 'pool1']
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from keras_video_zoo.convert.source_net import SourceLayer, SourceNet

# ------------------------------------------------------------------------------------ protobuf wire encoder


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def varint_field(number: int, value: int) -> bytes:
    return _key(number, 0) + _varint(int(value))


def float_field(number: int, value: float) -> bytes:
    return _key(number, 5) + struct.pack("<f", value)


def bytes_field(number: int, payload: bytes) -> bytes:
    return _key(number, 2) + _varint(len(payload)) + payload


def string_field(number: int, text: str) -> bytes:
    return bytes_field(number, text.encode())


def blob(array: np.ndarray, *, v1: bool, packed: bool = True) -> bytes:
    """A BlobProto: V1 files give 4-D num/channels/height/width, current ones a shape."""
    array = np.asarray(array, np.float32)
    if v1:
        dims = [1] * (4 - array.ndim) + list(array.shape)
        out = b"".join(varint_field(number, dim) for number, dim in zip((1, 2, 3, 4), dims, strict=True))
    else:
        out = bytes_field(7, bytes_field(1, b"".join(_varint(d) for d in array.shape)))
    values = array.ravel()
    if packed:
        out += bytes_field(5, values.astype("<f4").tobytes())
    else:
        out += b"".join(float_field(5, float(v)) for v in values)
    return out


# V1LayerParameter.LayerType numbers, and the LayerParameter / V1LayerParameter field numbers of each parameter message.
V1_TYPES = {"Convolution": 4, "Data": 5, "Dropout": 6, "InnerProduct": 14, "LRN": 15, "Pooling": 17, "ReLU": 18,
            "Softmax": 20, "SoftmaxWithLoss": 21, "Split": 22}  # fmt: skip
PARAM_FIELDS = {  # type -> (V2 field, V1 field)
    "Convolution": (106, 10), "Dropout": (108, 12), "InnerProduct": (117, 17), "LRN": (118, 18), "Pooling": (121, 19),
}  # fmt: skip


def _param_message(layer: dict) -> bytes:
    p = layer.get("params", {})
    kind = layer["type"]
    if kind == "Convolution":
        return (varint_field(1, p["num_output"]) + varint_field(3, p["pad"]) + varint_field(4, p["kernel"])
                + (varint_field(5, p["group"]) if p.get("group", 1) != 1 else b"")
                + varint_field(6, p["stride"]))  # fmt: skip
    if kind == "Pooling":
        method = {"max": 0, "ave": 1}[p.get("method", "max")]  # caffe.proto's PoolMethod
        return varint_field(1, method) + varint_field(2, p["kernel"]) + varint_field(3, p["stride"]) + (
            varint_field(4, p["pad"]) if p.get("pad") else b"")  # fmt: skip
    if kind == "LRN":
        return (
            varint_field(1, p["local_size"])
            + float_field(2, p["alpha"])
            + float_field(3, p["beta"])
            + float_field(5, p["k"])
        )
    if kind == "InnerProduct":
        return varint_field(1, p["num_output"])
    if kind == "Dropout":
        return float_field(1, p["ratio"])
    return b""


def _layer_message(layer: dict, bottom: str, *, v1: bool, packed: bool, with_blobs: bool) -> bytes:
    name, kind = layer["name"], layer["type"]
    top = name if kind not in ("ReLU", "Dropout") else bottom  # in-place, as Caffe nets write them
    blobs = layer.get("blobs", []) if with_blobs else []
    if v1:
        blobs = [b.reshape(1, 1, *b.shape) if b.ndim == 2 else b for b in blobs]
        out = string_field(2, bottom) + string_field(3, top) + string_field(4, name) + varint_field(5, V1_TYPES[kind])
        out += b"".join(bytes_field(6, blob(b, v1=True, packed=packed)) for b in blobs)
    else:
        out = string_field(1, name) + string_field(2, kind) + string_field(3, bottom) + string_field(4, top)
        out += b"".join(bytes_field(7, blob(b, v1=False, packed=packed)) for b in blobs)
    if kind in PARAM_FIELDS:
        out += bytes_field(PARAM_FIELDS[kind][1 if v1 else 0], _param_message(layer))
    return out, top


def caffemodel_bytes(layers: list[dict], *, v1: bool = False, packed: bool = True, input_dims=None, name="net",
                     with_blobs: bool = True) -> bytes:  # fmt: skip
    """A NetParameter (``.caffemodel``) of ``layers`` chained from the input ``data``."""
    out = string_field(1, name)
    if input_dims is not None:
        out += string_field(3, "data") + b"".join(varint_field(4, d) for d in input_dims)
    bottom = "data"
    for layer in layers:
        message, bottom = _layer_message(layer, bottom, v1=v1, packed=packed, with_blobs=with_blobs)
        out += bytes_field(2 if v1 else 100, message)
    return out


def write_caffemodel(path: Path, layers: list[dict], **options) -> Path:
    path.write_bytes(caffemodel_bytes(layers, **options))
    return path


def write_prototxt(path: Path, layers: list[dict], input_dims, *, v1: bool = False) -> Path:
    """The deploy.prototxt of ``layers``, in text format."""
    upper = {"Convolution": "CONVOLUTION", "Pooling": "POOLING", "LRN": "LRN", "InnerProduct": "INNER_PRODUCT",
             "ReLU": "RELU", "Dropout": "DROPOUT", "Softmax": "SOFTMAX"}  # fmt: skip
    lines = ['name: "deploy"', 'input: "data"'] + [f"input_dim: {d}" for d in input_dims]
    bottom = "data"
    for layer in layers:
        name, kind, p = layer["name"], layer["type"], layer.get("params", {})
        top = name if kind not in ("ReLU", "Dropout") else bottom
        body = [
            f'name: "{name}"',
            f"type: {upper[kind]}" if v1 else f'type: "{kind}"',
            f'bottom: "{bottom}"',
            f'top: "{top}"',
        ]
        if kind == "Convolution":
            group = f" group: {p['group']}" if p.get("group", 1) != 1 else ""
            body.append(f"convolution_param {{ num_output: {p['num_output']} pad: {p['pad']} "
                        f"kernel_size: {p['kernel']} "
                        f"stride: {p['stride']}{group} }}")  # fmt: skip
        elif kind == "Pooling":
            body.append(f"pooling_param {{ pool: MAX kernel_size: {p['kernel']} stride: {p['stride']} }}")
        elif kind == "LRN":
            body.append(
                f"lrn_param {{ local_size: {p['local_size']} alpha: {p['alpha']} beta: {p['beta']} k: {p['k']} }}"
            )
        elif kind == "InnerProduct":
            body.append(f"inner_product_param {{ num_output: {p['num_output']} }}")
        elif kind == "Dropout":
            body.append(f"dropout_param {{ dropout_ratio: {p['ratio']} }}")
        lines.append(("layers" if v1 else "layer") + " { " + " ".join(body) + " }")
        bottom = top
    path.write_text("\n".join(lines) + "\n")
    return path


def write_binaryproto(path: Path, mean_chw: np.ndarray) -> Path:
    path.write_bytes(blob(mean_chw[None], v1=True))
    return path


# ------------------------------------------------------------------------------------------- Caffe nets


def _conv(rng, name, in_ch, out_ch, kernel, stride, pad, group=1):
    scale = np.sqrt(2.0 / (kernel * kernel * in_ch / group))
    weight = (rng.standard_normal((out_ch, in_ch // group, kernel, kernel)) * scale).astype(np.float32)
    bias = (rng.standard_normal(out_ch) * 0.1).astype(np.float32)
    params = {"num_output": out_ch, "kernel": kernel, "stride": stride, "pad": pad, "group": group}
    return [{"name": name, "type": "Convolution", "params": params, "blobs": [weight, bias]},
            {"name": f"relu{name[4:]}", "type": "ReLU"}]  # fmt: skip


def _fc(rng, name, fan_in, out, relu=True, dropout=True):
    weight = (rng.standard_normal((out, fan_in)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    layers = [{"name": name, "type": "InnerProduct", "params": {"num_output": out},
               "blobs": [weight, (rng.standard_normal(out) * 0.1).astype(np.float32)]}]  # fmt: skip
    if relu:
        layers.append({"name": f"relu{name[2:]}", "type": "ReLU"})
    if dropout:
        layers.append({"name": f"drop{name[2:]}", "type": "Dropout", "params": {"ratio": 0.5}})
    return layers


def _lrn(name, alpha=0.0005, beta=0.75, k=2.0):
    return {"name": name, "type": "LRN", "params": {"local_size": 5, "alpha": alpha, "beta": beta, "k": k}}


def _pool(name, kernel, stride):
    return {"name": name, "type": "Pooling", "params": {"kernel": kernel, "stride": stride}}


def _scaled(counts, width):
    return [max(1, round(c * width)) for c in counts]


def cnn_m_2048(rng, *, width=0.125, fc=(32, 16), classes=5, channels=3, norm2=True, size=96) -> list[dict]:
    """VGG's CNN-M-2048 (BVLC Caffe form: LRN alpha 5e-4 = the zoo's 1e-4 times n, k 2), width-scaled."""
    f = _scaled((96, 256, 512, 512, 512), width)
    conv1 = (size - 7) // 2 + 1
    pool1 = int(np.ceil((conv1 - 3) / 2)) + 1
    conv2 = (pool1 + 2 - 5) // 2 + 1
    pool2 = int(np.ceil((conv2 - 3) / 2)) + 1
    pool5 = int(np.ceil((pool2 - 3) / 2)) + 1
    layers = _conv(rng, "conv1", channels, f[0], 7, 2, 0) + [_lrn("norm1"), _pool("pool1", 3, 2)]
    layers += _conv(rng, "conv2", f[0], f[1], 5, 2, 1) + ([_lrn("norm2")] if norm2 else []) + [_pool("pool2", 3, 2)]
    layers += _conv(rng, "conv3", f[1], f[2], 3, 1, 1) + _conv(rng, "conv4", f[2], f[3], 3, 1, 1)
    layers += _conv(rng, "conv5", f[3], f[4], 3, 1, 1) + [_pool("pool5", 3, 2)]
    layers += _fc(rng, "fc6", f[4] * pool5 * pool5, fc[0]) + _fc(rng, "fc7", fc[0], fc[1])
    layers += _fc(rng, "fc8", fc[1], classes, relu=False, dropout=False) + [{"name": "prob", "type": "Softmax"}]
    return layers


def vgg16(rng, *, width=0.125, fc=(32, 16), classes=5, channels=3, size=64) -> list[dict]:
    """VGG-16 as the very deep two-stream Caffe files define it, width-scaled."""
    f = _scaled((64, 128, 256, 512, 512), width)
    layers, in_ch = [], channels
    for block, count in enumerate((2, 2, 3, 3, 3), 1):
        for index in range(1, count + 1):
            layers += _conv(rng, f"conv{block}_{index}", in_ch, f[block - 1], 3, 1, 1)
            in_ch = f[block - 1]
        layers.append(_pool(f"pool{block}", 2, 2))
    pool5 = size // 32
    layers += _fc(rng, "fc6", in_ch * pool5 * pool5, fc[0]) + _fc(rng, "fc7", fc[0], fc[1])
    layers += _fc(rng, "fc8", fc[1], classes, relu=False, dropout=False) + [{"name": "prob", "type": "Softmax"}]
    return layers


def alexnet(rng, *, width=0.125, caffenet=False) -> list[dict]:
    """BVLC AlexNet (or CaffeNet: pool before norm), grouped conv2/4/5, width-scaled; fc layers tiny."""
    f = _scaled((96, 256, 384, 384, 256), width)
    norm = [_lrn("norm1", alpha=1e-4, k=1.0), _pool("pool1", 3, 2)]
    layers = _conv(rng, "conv1", 3, f[0], 11, 4, 0) + (norm[::-1] if caffenet else norm)
    norm = [_lrn("norm2", alpha=1e-4, k=1.0), _pool("pool2", 3, 2)]
    layers += _conv(rng, "conv2", f[0], f[1], 5, 1, 2, group=2) + (norm[::-1] if caffenet else norm)
    layers += _conv(rng, "conv3", f[1], f[2], 3, 1, 1) + _conv(rng, "conv4", f[2], f[3], 3, 1, 1, group=2)
    layers += _conv(rng, "conv5", f[3], f[4], 3, 1, 1, group=2) + [_pool("pool5", 3, 2)]
    layers += _fc(rng, "fc6", f[4] * 6 * 6, 16) + _fc(rng, "fc7", 16, 16)
    layers += _fc(rng, "fc8", 16, 10, relu=False, dropout=False) + [{"name": "prob", "type": "Softmax"}]
    return layers


_KINDS = {"Convolution": "conv", "InnerProduct": "fc", "Pooling": "pool", "LRN": "lrn", "ReLU": "relu",
          "Dropout": "dropout", "Softmax": "softmax"}  # fmt: skip


def source_net(layers: list[dict]) -> SourceNet:
    """The Caffe net ``layers`` describe, built straight from their arrays (no reader involved)."""
    chain = []
    for layer in layers:
        p, kind = layer.get("params", {}), _KINDS[layer["type"]]
        params = {}
        if kind == "conv":
            params = {"kernel": (p["kernel"],) * 2, "stride": (p["stride"],) * 2, "pad": (p["pad"],) * 2,
                      "group": p.get("group", 1)}  # fmt: skip
        elif kind == "pool":
            params = {"pool": "max", "kernel": (p["kernel"],) * 2, "stride": (p["stride"],) * 2, "pad": (0, 0)}
        elif kind == "lrn":
            params = dict(p)
        chain.append(SourceLayer(layer["name"], kind, params, list(layer.get("blobs", []))))
    return SourceNet("caffe", chain)


# ---------------------------------------------------------------------------------------------- MatConvNet


def _matconvnet_layers(layers: list[dict], size: int, channels: int):
    """Caffe-style layer dicts as MatConvNet sees them: filters (h, w, in, out), fc as convs, explicit pool pads."""
    out, in_ch = [], channels
    for layer in layers:
        kind, p = layer["type"], layer.get("params", {})
        if kind == "Convolution":
            weight, bias = layer["blobs"]
            out.append({"name": layer["name"], "type": "conv", "weights": [weight.transpose(2, 3, 1, 0), bias],
                        "pad": [p["pad"]] * 4, "stride": [p["stride"]] * 2})  # fmt: skip
            size = (size + 2 * p["pad"] - p["kernel"]) // p["stride"] + 1
            in_ch = weight.shape[0]
        elif kind == "InnerProduct":
            weight, bias = layer["blobs"]
            fan_in = weight.shape[1]
            spatial = int(round(np.sqrt(fan_in / in_ch))) if size > 1 else 1
            filters = weight.reshape(-1, in_ch, spatial, spatial).transpose(2, 3, 1, 0)  # (h, w, c, out)
            out.append({"name": layer["name"], "type": "conv", "weights": [filters, bias], "pad": [0] * 4,
                        "stride": [1, 1]})  # fmt: skip
            size, in_ch = 1, weight.shape[0]
        elif kind == "Pooling":
            k, s = p["kernel"], p["stride"]
            extra = int(np.ceil((size - k) / s)) * s + k - size  # import-caffe.py's padding for ceil mode
            out.append({"name": layer["name"], "type": "pool", "method": "max", "pool": [k, k], "stride": [s, s],
                        "pad": [0, extra, 0, extra]})  # fmt: skip
            size = (size + extra - k) // s + 1
        elif kind == "LRN":
            out.append({"name": layer["name"], "type": "normalize",
                        "param": [p["local_size"], p["k"], p["alpha"] / p["local_size"], p["beta"]]})  # fmt: skip
        elif kind == "ReLU":
            out.append({"name": layer["name"], "type": "relu"})
        elif kind == "Dropout":
            out.append({"name": layer["name"], "type": "dropout", "rate": p["ratio"]})
        elif kind == "Softmax":
            out.append({"name": layer["name"], "type": "softmax"})
    return out


def matconvnet_source_net(layers: list[dict], size: int, channels: int) -> SourceNet:
    """The MatConvNet net of Caffe-style ``layers`` (as written by :func:`write_matconvnet`), from the arrays."""
    chain = []
    for layer in _matconvnet_layers(layers, size, channels):
        kind = {"conv": "conv", "pool": "pool", "normalize": "lrn", "relu": "relu", "dropout": "dropout",
                "softmax": "softmax"}[layer["type"]]  # fmt: skip
        params = {}
        if kind == "conv":
            params = {"pad": tuple(layer["pad"]), "stride": tuple(layer["stride"])}
        elif kind == "pool":
            params = {"pool_size": tuple(layer["pool"]), "stride": tuple(layer["stride"]), "pad": tuple(layer["pad"]),
                      "method": "max"}  # fmt: skip
        elif kind == "lrn":
            params = {"lrn": tuple(float(v) for v in layer["param"])}
        chain.append(
            SourceLayer(layer["name"], kind, params, [np.asarray(w, np.float32) for w in layer.get("weights", [])])
        )
    return SourceNet("matconvnet", chain)


def _cell(values: list) -> np.ndarray:
    cell = np.empty((1, len(values)), dtype=object)
    for index, value in enumerate(values):
        cell[0, index] = value
    return cell


def write_matconvnet(path: Path, layers: list[dict], *, size: int, channels: int = 3, dag: bool = False,
                     average_image=None, classes=None, wrap_in_net: bool = False) -> Path:  # fmt: skip
    """A MatConvNet SimpleNN (``layers`` cell, ``meta``) or DagNN (saveobj struct) file of Caffe-style ``layers``."""
    import scipy.io

    simple = _matconvnet_layers(layers, size, channels)
    normalization = {"imageSize": np.array([size, size, channels], float), "interpolation": "bilinear",
                     "averageImage": np.zeros((1, 1, channels), np.float32) if average_image is None
                     else average_image}  # fmt: skip
    meta = {"normalization": normalization}
    if classes is not None:
        meta["classes"] = {"name": _cell(list(classes)), "description": _cell(list(classes))}
    if not dag:
        cells = []
        for layer in simple:
            layer = dict(layer)
            if "weights" in layer:
                layer["weights"] = _cell(layer["weights"])
            cells.append(layer)
        data = {"layers": _cell(cells), "meta": meta}
    else:
        dag_layers, params, previous = [], [], "input"
        block_types = {"conv": "dagnn.Conv", "pool": "dagnn.Pooling", "normalize": "dagnn.LRN", "relu": "dagnn.ReLU",
                       "dropout": "dagnn.DropOut", "softmax": "dagnn.SoftMax"}  # fmt: skip
        for layer in simple:
            names, block = [], {}
            if layer["type"] == "conv":
                names = [layer["name"] + "f", layer["name"] + "b"]
                params += [
                    {"name": names[0], "value": layer["weights"][0]},
                    {"name": names[1], "value": layer["weights"][1]},
                ]
                block = {"size": np.array(layer["weights"][0].shape, float), "hasBias": True, "pad": layer["pad"],
                         "stride": layer["stride"]}  # fmt: skip
            elif layer["type"] == "pool":
                block = {"method": "max", "poolSize": layer["pool"], "pad": layer["pad"], "stride": layer["stride"]}
            elif layer["type"] == "normalize":
                block = {"param": layer["param"]}
            output = layer["name"] + "x"
            dag_layers.append({"name": layer["name"], "type": block_types[layer["type"]], "inputs": _cell([previous]),
                               "outputs": _cell([output]), "params": _cell(names), "block": block})  # fmt: skip
            previous = output
        data = {"layers": _struct_array(dag_layers), "params": _struct_array(params), "meta": meta,
                "vars": _struct_array([{"name": "input", "precious": False}])}  # fmt: skip
    if wrap_in_net:
        data = {"net": data, "stats": {"train": 0}}
    scipy.io.savemat(path, data, oned_as="row")
    return path


def _struct_array(records: list[dict]) -> np.ndarray:
    """A 1xN MATLAB struct array (as DagNN.saveobj writes ``layers`` and ``params``)."""
    keys = list(records[0])
    array = np.empty((1, len(records)), dtype=[(key, object) for key in keys])
    for index, record in enumerate(records):
        for key in keys:
            array[0, index][key] = record[key]
    return array


# ------------------------------------------------------------------------------------------ a folder of them

LOOKALIKE_FILES = (
    "VGG_CNN_M_2048.caffemodel",
    "VGG_mean.binaryproto",
    "cuhk_action_spatial_vgg_16_split1.caffemodel",
    "cuhk_action_spatial_vgg_16_deploy.prototxt",
    "cuhk_action_temporal_vgg_16_split1.caffemodel",
    "cuhk_action_temporal_vgg_16_deploy.prototxt",
    "flow_mean.mat",
    "ucf101-img-vgg16-split1.mat",
    "bvlc_alexnet.caffemodel",
)


def write_lookalikes(folder: str | Path, *, seed: int = 0, width: float = 0.125, size: int = 64) -> list[Path]:
    """Look-alikes of the published files, under their published names, to try ``kvz convert`` on.

    VGG's CNN-M-2048 (Caffe V1 layers, 1000 ImageNet classes) with a mean file; CUHK's very deep
    spatial and temporal nets (Caffe, 101 UCF-101 classes) with their deploy.prototxt and flow mean;
    the two-stream fusion spatial net (MatConvNet DagNN); BVLC AlexNet. Random weights at ``width``
    of the filters and ``size`` pixels, so they convert and train in seconds.

    Example:
    >>> import tempfile
    >>> [path.name for path in write_lookalikes(tempfile.mkdtemp())][:2]
    ['VGG_CNN_M_2048.caffemodel', 'VGG_mean.binaryproto']
    """
    import scipy.io

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    fc = (64, 32)
    cnn_m = cnn_m_2048(rng, width=width, fc=fc, classes=1000, size=size)
    write_caffemodel(folder / LOOKALIKE_FILES[0], cnn_m, v1=True, input_dims=[1, 3, size, size], name="VGG_CNN_M_2048")
    write_binaryproto(folder / LOOKALIKE_FILES[1], rng.uniform(95, 130, (3, size, size)).astype(np.float32))
    for kind, channels, index in (("spatial", 3, 2), ("temporal", 20, 4)):
        layers = vgg16(rng, width=width, fc=fc, classes=101, channels=channels, size=size)
        write_caffemodel(folder / LOOKALIKE_FILES[index], layers, name=f"cuhk_action_{kind}_vgg_16")
        write_prototxt(folder / LOOKALIKE_FILES[index + 1], layers, [1, channels, size, size])
    scipy.io.savemat(folder / LOOKALIKE_FILES[6], {"image_mean": rng.uniform(127, 129, (size, size, 20)).astype("f4")})
    rgb_mean = np.asarray([123.68, 116.779, 103.939], np.float32).reshape(1, 1, 3)
    write_matconvnet(folder / LOOKALIKE_FILES[7], vgg16(rng, width=width, fc=fc, classes=101, size=size), size=size,
                     dag=True, average_image=rgb_mean, wrap_in_net=True)  # fmt: skip
    write_caffemodel(folder / LOOKALIKE_FILES[8], alexnet(rng, width=width), v1=True, name="AlexNet")
    return [folder / name for name in LOOKALIKE_FILES]
