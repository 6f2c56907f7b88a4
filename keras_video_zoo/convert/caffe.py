"""Read Caffe files without Caffe: ``.caffemodel``, ``deploy.prototxt`` and ``mean.binaryproto``.

The schema is the part of Caffe's ``caffe.proto`` a classification net needs, built in code with
protobuf's descriptor API (field numbers as in BVLC Caffe), so it works with whatever protobuf
TensorFlow brought and no generated ``_pb2`` module is tied to one protobuf version. Both net
formats are read: the old V1 ``layers`` (enum types, 4-D ``num/channels/height/width`` blobs) and
the current ``layer`` (string types, ``shape`` blobs). Blob data, nearly all of a file's bytes, is
read off the wire straight into NumPy (packed or unpacked floats, or doubles), so a 370 MB file
is never held as protobuf objects: converting it needs the model's size plus one layer.

Example:
>>> from keras_video_zoo.convert.caffe import schema
>>> sorted(f.name for f in schema("BlobProto").DESCRIPTOR.fields)[:4]
['channels', 'data', 'diff', 'double_data']
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from google.protobuf.message import DecodeError

from keras_video_zoo.convert.source_net import ConversionError, SourceLayer, SourceNet

_F = descriptor_pb2.FieldDescriptorProto
_OPTIONAL, _REPEATED = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
_TYPES = {
    "string": _F.TYPE_STRING,
    "bytes": _F.TYPE_BYTES,
    "float": _F.TYPE_FLOAT,
    "double": _F.TYPE_DOUBLE,
    "int32": _F.TYPE_INT32,
    "int64": _F.TYPE_INT64,
    "uint32": _F.TYPE_UINT32,
    "bool": _F.TYPE_BOOL,
}
# message -> [(field, number, type or message or enum, repeated, default)], from BVLC Caffe's caffe.proto.
_MESSAGES = {
    "BlobShape": [("dim", 1, "int64", True, None)],
    "BlobProto": [
        ("num", 1, "int32", False, None),
        ("channels", 2, "int32", False, None),
        ("height", 3, "int32", False, None),
        ("width", 4, "int32", False, None),
        ("data", 5, "float", True, None),
        ("diff", 6, "float", True, None),
        ("shape", 7, ".caffe.BlobShape", False, None),
        ("double_data", 8, "double", True, None),
        ("double_diff", 9, "double", True, None),
    ],
    "ConvolutionParameter": [
        ("num_output", 1, "uint32", False, None),
        ("bias_term", 2, "bool", False, "true"),
        ("pad", 3, "uint32", True, None),
        ("kernel_size", 4, "uint32", True, None),
        ("group", 5, "uint32", False, "1"),
        ("stride", 6, "uint32", True, None),
        ("pad_h", 9, "uint32", False, "0"),
        ("pad_w", 10, "uint32", False, "0"),
        ("kernel_h", 11, "uint32", False, None),
        ("kernel_w", 12, "uint32", False, None),
        ("stride_h", 13, "uint32", False, None),
        ("stride_w", 14, "uint32", False, None),
        ("dilation", 18, "uint32", True, None),
    ],
    "PoolingParameter": [
        ("pool", 1, ".caffe.PoolMethod", False, "MAX"),
        ("kernel_size", 2, "uint32", False, None),
        ("stride", 3, "uint32", False, "1"),
        ("pad", 4, "uint32", False, "0"),
        ("kernel_h", 5, "uint32", False, None),
        ("kernel_w", 6, "uint32", False, None),
        ("stride_h", 7, "uint32", False, None),
        ("stride_w", 8, "uint32", False, None),
        ("pad_h", 9, "uint32", False, "0"),
        ("pad_w", 10, "uint32", False, "0"),
        ("global_pooling", 12, "bool", False, "false"),
    ],
    "LRNParameter": [
        ("local_size", 1, "uint32", False, "5"),
        ("alpha", 2, "float", False, "1"),
        ("beta", 3, "float", False, "0.75"),
        ("norm_region", 4, "uint32", False, "0"),
        ("k", 5, "float", False, "1"),
    ],
    "InnerProductParameter": [
        ("num_output", 1, "uint32", False, None),
        ("bias_term", 2, "bool", False, "true"),
        ("axis", 5, "int32", False, "1"),
        ("transpose", 6, "bool", False, "false"),
    ],
    "DropoutParameter": [("dropout_ratio", 1, "float", False, "0.5")],
    "InputParameter": [("shape", 1, ".caffe.BlobShape", True, None)],
    "LayerParameter": [
        ("name", 1, "string", False, None),
        ("type", 2, "string", False, None),
        ("bottom", 3, "string", True, None),
        ("top", 4, "string", True, None),
        ("blobs", 7, ".caffe.BlobProto", True, None),
        ("convolution_param", 106, ".caffe.ConvolutionParameter", False, None),
        ("dropout_param", 108, ".caffe.DropoutParameter", False, None),
        ("inner_product_param", 117, ".caffe.InnerProductParameter", False, None),
        ("lrn_param", 118, ".caffe.LRNParameter", False, None),
        ("pooling_param", 121, ".caffe.PoolingParameter", False, None),
        ("input_param", 143, ".caffe.InputParameter", False, None),
    ],
    "V1LayerParameter": [
        ("layer", 1, "bytes", False, None),  # a V0 layer inside: a pre-2014 file
        ("bottom", 2, "string", True, None),
        ("top", 3, "string", True, None),
        ("name", 4, "string", False, None),
        ("type", 5, ".caffe.V1LayerType", False, None),
        ("blobs", 6, ".caffe.BlobProto", True, None),
        ("convolution_param", 10, ".caffe.ConvolutionParameter", False, None),
        ("dropout_param", 12, ".caffe.DropoutParameter", False, None),
        ("inner_product_param", 17, ".caffe.InnerProductParameter", False, None),
        ("lrn_param", 18, ".caffe.LRNParameter", False, None),
        ("pooling_param", 19, ".caffe.PoolingParameter", False, None),
    ],
    "NetParameter": [
        ("name", 1, "string", False, None),
        ("layers", 2, ".caffe.V1LayerParameter", True, None),
        ("input", 3, "string", True, None),
        ("input_dim", 4, "int32", True, None),
        ("input_shape", 8, ".caffe.BlobShape", True, None),
        ("layer", 100, ".caffe.LayerParameter", True, None),
    ],
}
_ENUMS = {
    "PoolMethod": {"MAX": 0, "AVE": 1, "STOCHASTIC": 2},
    # V1LayerParameter.LayerType: the numbers old files store, named as the V2 type strings below.
    "V1LayerType": {
        "NONE": 0,
        "ACCURACY": 1,
        "BNLL": 2,
        "CONCAT": 3,
        "CONVOLUTION": 4,
        "DATA": 5,
        "DROPOUT": 6,
        "EUCLIDEAN_LOSS": 7,
        "FLATTEN": 8,
        "HDF5_DATA": 9,
        "HDF5_OUTPUT": 10,
        "IM2COL": 11,
        "IMAGE_DATA": 12,
        "INFOGAIN_LOSS": 13,
        "INNER_PRODUCT": 14,
        "LRN": 15,
        "MULTINOMIAL_LOGISTIC_LOSS": 16,
        "POOLING": 17,
        "RELU": 18,
        "SIGMOID": 19,
        "SOFTMAX": 20,
        "SOFTMAX_LOSS": 21,
        "SPLIT": 22,
        "TANH": 23,
        "WINDOW_DATA": 24,
        "ELTWISE": 25,
        "POWER": 26,
        "SIGMOID_CROSS_ENTROPY_LOSS": 27,
        "HINGE_LOSS": 28,
        "MEMORY_DATA": 29,
        "ARGMAX": 30,
        "THRESHOLD": 31,
        "DUMMY_DATA": 32,
        "SLICE": 33,
        "MVN": 34,
        "ABSVAL": 35,
        "SILENCE": 36,
        "CONTRASTIVE_LOSS": 37,
        "EXP": 38,
        "DECONVOLUTION": 39,
    },  # fmt: skip
}
_V1_TYPES = {
    "CONVOLUTION": "Convolution", "POOLING": "Pooling", "LRN": "LRN", "INNER_PRODUCT": "InnerProduct",
    "RELU": "ReLU", "DROPOUT": "Dropout", "SOFTMAX": "Softmax", "SOFTMAX_LOSS": "SoftmaxWithLoss",
}  # fmt: skip
# Caffe layer type -> the kind a SourceLayer has; None: no part of the forward pass of a classifier.
_KINDS = {
    "Convolution": "conv", "InnerProduct": "fc", "Pooling": "pool", "LRN": "lrn", "ReLU": "relu",
    "Dropout": "dropout", "Softmax": "softmax", "SoftmaxWithLoss": "softmax", "Flatten": None, "Data": None,
    "Input": None, "ImageData": None, "Accuracy": None, "Split": None, "Silence": None, "DummyData": None,
    "MemoryData": None, "HDF5Data": None, "WindowData": None, "VideoData": None,
}  # fmt: skip
_BLOBS_FIELD = {"layer": 7, "layers": 6}  # LayerParameter.blobs, V1LayerParameter.blobs
_WIRE_VARINT, _WIRE_64, _WIRE_LEN, _WIRE_32 = 0, 1, 2, 5


@cache
def _pool() -> descriptor_pool.DescriptorPool:
    file = descriptor_pb2.FileDescriptorProto(name="kvz_caffe_subset.proto", package="caffe", syntax="proto2")
    for name, values in _ENUMS.items():
        enum = file.enum_type.add(name=name)
        for value_name, number in values.items():
            enum.value.add(name=value_name, number=number)
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        for field_name, number, kind, repeated, default in fields:
            field = message.field.add(name=field_name, number=number, label=_REPEATED if repeated else _OPTIONAL)
            if kind in _TYPES:
                field.type = _TYPES[kind]
            else:
                field.type_name = kind
                field.type = _F.TYPE_ENUM if kind.split(".")[-1] in _ENUMS else _F.TYPE_MESSAGE
            if default is not None:
                field.default_value = default
            if repeated and kind in ("float", "double", "int64") and field_name != "dim":
                field.options.packed = True
            if field_name == "dim":
                field.options.packed = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return pool


def schema(name: str):
    """The message class ``caffe.<name>`` of the built-in schema (``NetParameter``, ``BlobProto``, ...)."""
    return message_factory.GetMessageClass(_pool().FindMessageTypeByName(f"caffe.{name}"))


# ---------------------------------------------------------------------------------------------- wire format


def _varint(buffer, position: int, end: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if position >= end:
            raise ConversionError("truncated: a protobuf varint runs past the end of the data")
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise ConversionError("not a protobuf message: a varint longer than 10 bytes")


def _fields(buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """``(field number, wire type, tag start, value start, value end)`` of each field in ``buffer[start:end]``."""
    position = start
    while position < end:
        tag_start = position
        key, position = _varint(buffer, position, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ConversionError("not a protobuf message: field number 0")
        if wire == _WIRE_VARINT:
            _, value_end = _varint(buffer, position, end)
        elif wire == _WIRE_64:
            value_end = position + 8
        elif wire == _WIRE_32:
            value_end = position + 4
        elif wire == _WIRE_LEN:
            length, position = _varint(buffer, position, end)
            value_end = position + length
        else:
            raise ConversionError(f"not a protobuf message: wire type {wire}")
        if value_end > end:
            raise ConversionError("truncated: a field runs past the end of the file")
        yield number, wire, tag_start, position, value_end
        position = value_end


class _Blob:
    """A BlobProto located in the file: its shape now, its values read from the file each time they are asked for.

    ``np.asarray(blob)`` reads it; ``shape`` and ``ndim`` do not. A conversion holds one layer's values at a time
    (and the reference pass reads them again), so a 370 MB file is never all in memory besides the model.
    """

    def __init__(self, path: Path, buffer, start: int, end: int) -> None:
        self.path, self.shape4, self._shape, self.runs = path, [0, 0, 0, 0], None, []
        for number, wire, _, value_start, value_end in _fields(buffer, start, end):
            if number in (1, 2, 3, 4) and wire == _WIRE_VARINT:
                self.shape4[number - 1] = _varint(buffer, value_start, value_end)[0]
            elif number == 7 and wire == _WIRE_LEN:
                self._shape = tuple(schema("BlobShape").FromString(bytes(buffer[value_start:value_end])).dim)
            elif number == 5 and wire == _WIRE_LEN:  # packed floats
                self.runs.append(("<f4", value_start, (value_end - value_start) // 4, 0))
            elif number == 5 and wire == _WIRE_32:  # unpacked floats: a tag byte before each value
                self.runs.append(("<f4", value_start, 1, 1))
            elif number == 8 and wire == _WIRE_LEN:  # packed doubles
                self.runs.append(("<f8", value_start, (value_end - value_start) // 8, 0))
            elif number == 8 and wire == _WIRE_64:
                self.runs.append(("<f8", value_start, 1, 1))

    @property
    def shape(self) -> tuple[int, ...]:
        return self.dims()

    def dims(self) -> tuple[int, ...]:
        if self._shape is not None:
            return self._shape
        return tuple(self.shape4)  # 4-D (num, channels, height, width), as V1 files store blobs

    @property
    def ndim(self) -> int:
        return len(self.dims())

    def __array__(self, dtype=None, copy=None):
        values = self.read()
        return values if dtype is None else values.astype(dtype)

    def check(self) -> None:
        """Raises a ConversionError unless the file holds exactly as many values as the shape says."""
        stored = sum(count for _, _, count, _ in self.runs)
        expected = int(np.prod(self.dims()))
        if stored != expected:
            raise ConversionError(
                f"a blob of shape {self.dims()} holds {stored} values instead of {expected} (truncated file?)"
            )
        if self.runs:
            dtype, offset, count, tagged = self.runs[-1]
            end = offset + count * (np.dtype(dtype).itemsize + tagged)
            if end > self.path.stat().st_size:
                raise ConversionError("truncated: a blob's values run past the end of the file")

    def read(self) -> np.ndarray:
        """The values as float32, shaped like the blob."""
        values = np.empty(int(np.prod(self.dims())), np.float32)
        filled = 0
        with open(self.path, "rb") as file:
            index = 0
            while index < len(self.runs):
                dtype, offset, count, tagged = self.runs[index]
                if tagged:  # consecutive unpacked values: (tag, value) records read in one go
                    run = index
                    while (
                        run + 1 < len(self.runs)
                        and self.runs[run + 1][3]
                        and self.runs[run + 1][1] == (self.runs[run][1] + np.dtype(dtype).itemsize + 1)
                    ):
                        run += 1
                    count = run - index + 1
                    file.seek(offset - 1)
                    record = np.dtype([("tag", "u1"), ("value", dtype)])
                    chunk = np.fromfile(file, record, count)["value"]
                    index = run + 1
                elif dtype == "<f4" and filled + count <= values.size:  # straight into place: no second copy
                    file.seek(offset)
                    got = file.readinto(memoryview(values[filled : filled + count]).cast("B")) // 4
                    if got != count:
                        raise ConversionError("truncated: a blob's values run past the end of the file")
                    filled += count
                    index += 1
                    continue
                else:
                    file.seek(offset)
                    chunk = np.fromfile(file, dtype, count)
                    index += 1
                if filled + chunk.size > values.size:
                    raise ConversionError(f"a blob holds more values than its shape {self.dims()} has room for")
                values[filled : filled + chunk.size] = chunk
                filled += chunk.size
        if filled != values.size:
            raise ConversionError(
                f"a blob of shape {self.dims()} holds {filled} values instead of {values.size} (truncated file?)"
            )
        return values.reshape(self.dims())


def _open(path: Path):
    size = path.stat().st_size
    if size == 0:
        raise ConversionError(f"{path} is empty.")
    file = open(path, "rb")
    return file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ), size


def _walk_net(path: Path):
    """The net's layers without their blobs (parsed messages), their blobs (located), and the net's own fields."""
    file, buffer, size = _open(path)
    try:
        header, layers = bytearray(), []
        for number, wire, tag_start, value_start, value_end in _fields(buffer, 0, size):
            if wire == _WIRE_LEN and number in (2, 100):
                kind = "layers" if number == 2 else "layer"
                rest, blobs = bytearray(), []
                for inner, _, inner_tag, inner_start, inner_end in _fields(buffer, value_start, value_end):
                    if inner == _BLOBS_FIELD[kind]:
                        blobs.append(_Blob(path, buffer, inner_start, inner_end))
                    else:
                        rest += buffer[inner_tag:inner_end]
                message = schema("V1LayerParameter" if kind == "layers" else "LayerParameter").FromString(bytes(rest))
                layers.append((kind, message, blobs))
            else:
                header += buffer[tag_start:value_end]
        return schema("NetParameter").FromString(bytes(header)), layers
    except DecodeError as error:
        raise ConversionError(f"{path} is not a Caffe model: {error}") from None
    finally:
        buffer.close()
        file.close()


def _pair(param, name: str, layer: str, default: int | None = None, axes: str | None = None) -> tuple[int, int]:
    """Caffe's two spellings of a 2-D parameter: ``name`` (one value, or one per axis) or ``<axes>_h`` and ``_w``."""
    axes = axes or name
    if param.HasField(f"{axes}_h") and param.HasField(f"{axes}_w"):
        return int(getattr(param, f"{axes}_h")), int(getattr(param, f"{axes}_w"))
    value = getattr(param, name)
    values = list(value) if hasattr(value, "__len__") else ([value] if param.HasField(name) else [])
    if values:
        return int(values[0]), int(values[-1])
    if default is None:
        raise ConversionError(f"layer {layer!r} names no {name}")
    return default, default


def _geometry(param, layer: str) -> dict[str, tuple[int, int]]:
    """A convolution's or pooling's kernel, stride and padding, ``(h, w)`` each."""
    return {
        "kernel": _pair(param, "kernel_size", layer, axes="kernel"),
        "stride": _pair(param, "stride", layer, default=1),
        "pad": _pair(param, "pad", layer, default=0),
    }


def _params(message, kind: str, type_name: str) -> dict:
    """A layer's hyperparameters as plain values."""
    if kind == "conv":
        p = message.convolution_param
        if list(p.dilation) and any(d != 1 for d in p.dilation):
            raise ConversionError(f"layer {message.name!r} is a dilated convolution; no zoo model has one")
        return {"num_output": p.num_output, **_geometry(p, message.name), "group": p.group, "bias_term": p.bias_term}
    if kind == "pool":
        p = message.pooling_param
        if p.global_pooling:
            raise ConversionError(f"layer {message.name!r} pools globally; no zoo trunk does")
        return {"pool": {0: "max", 1: "avg", 2: "stochastic"}[p.pool], **_geometry(p, message.name)}
    if kind == "lrn":
        p = message.lrn_param
        if p.norm_region != 0:
            raise ConversionError(f"layer {message.name!r} normalises within channels; the zoo's LRN is across them")
        return {"local_size": p.local_size, "alpha": p.alpha, "beta": p.beta, "k": p.k}
    if kind == "fc":
        p = message.inner_product_param
        if p.transpose or p.axis != 1:
            raise ConversionError(f"layer {message.name!r} is an InnerProduct with transpose or axis != 1")
        return {"num_output": p.num_output, "bias_term": p.bias_term}
    if kind == "dropout":
        return {"ratio": message.dropout_param.dropout_ratio}
    return {}


def _type_name(kind: str, message) -> str:
    if kind == "layer":
        return message.type
    if message.HasField("layer"):
        raise ConversionError(
            "a V0 (pre-2014) Caffe file: convert it to the current format with Caffe's upgrade_net_proto_binary first"
        )
    enum = _pool().FindEnumTypeByName("caffe.V1LayerType")
    value = enum.values_by_number.get(message.type)
    return _V1_TYPES.get(value.name, value.name) if value is not None else f"V1 type {message.type}"


def _input_shape(net) -> tuple[int, int, int] | None:
    if net.input_shape:
        dims = list(net.input_shape[0].dim)
    elif len(net.input_dim) >= 4:
        dims = list(net.input_dim[:4])
    else:
        return None
    return tuple(int(d) for d in dims[1:4]) if len(dims) == 4 else None


def _layer_list(net, layers) -> tuple[list, tuple | None]:
    """``[(type name, message, located blobs)]`` in order, and the input shape a net or Input layer declares."""
    shape = _input_shape(net)
    result = []
    for kind, message, blobs in layers:
        type_name = _type_name(kind, message)
        if type_name == "Input" and message.input_param.shape:
            dims = list(message.input_param.shape[0].dim)
            shape = tuple(int(d) for d in dims[1:4]) if len(dims) == 4 else shape
        result.append((type_name, message, blobs))
    return result, shape


def read_prototxt(path: str | os.PathLike):
    """The ``NetParameter`` a ``deploy.prototxt`` describes (V1 or current layer syntax).

    Raises:
        ConversionError: the text is not a Caffe net definition.
    """
    path = Path(path)
    try:
        return text_format.Parse(path.read_text(errors="replace"), schema("NetParameter")(), allow_unknown_field=True)
    except text_format.ParseError as error:
        raise ConversionError(f"{path} is not a Caffe net definition (.prototxt): {error}") from None


def read_caffemodel(path: str | os.PathLike, prototxt: str | os.PathLike | None = None) -> SourceNet:
    """The chain of layers in a ``.caffemodel``, their blobs as NumPy arrays in Caffe's layout.

    Args:
        path: the ``.caffemodel`` (binary NetParameter).
        prototxt: the optional ``deploy.prototxt``. Given, it defines the layers and the input size
            (as Caffe does when it loads a model) and the model file supplies the weights by layer name.

    Raises:
        ConversionError: not a Caffe model, truncated, a V0 file, or a net that is not a chain.
    """
    path = Path(path)
    if not path.is_file():
        raise ConversionError(f"{path}: no such file.")
    net, located = _walk_net(path)
    layers, input_shape = _layer_list(net, located)
    if prototxt is not None:
        definition = read_prototxt(prototxt)
        blobs_by_name = {message.name: blobs for _, message, blobs in layers}
        defined = [(kind, message, []) for kind, message in (
            [("layers", m) for m in definition.layers] + [("layer", m) for m in definition.layer])]  # fmt: skip
        layers, declared = _layer_list(definition, defined)
        layers = [(type_name, message, blobs_by_name.get(message.name, [])) for type_name, message, _ in layers]
        input_shape = declared or input_shape
    if not layers:
        raise ConversionError(f"{path} holds no layers: it is not a Caffe model (or it is truncated).")
    chain, previous = [], None
    for type_name, message, blobs in layers:
        if type_name not in _KINDS:
            raise ConversionError(
                f"layer {message.name!r} has type {type_name!r}, which no zoo architecture has "
                f"(known: {', '.join(sorted(t for t, k in _KINDS.items() if k))})"
            )
        kind = _KINDS[type_name]
        if kind is None or (type_name == "SoftmaxWithLoss"):
            if type_name == "SoftmaxWithLoss":
                chain.append(SourceLayer(message.name, "softmax"))
            continue
        bottoms = [b for b in message.bottom if b != "label"]
        if previous is not None and bottoms and bottoms[0] != previous:
            raise ConversionError(
                f"layer {message.name!r} reads {bottoms[0]!r}, not the output of the layer before it ({previous!r}): "
                "the net is not a chain of layers, so it is no zoo architecture"
            )
        previous = message.top[0] if message.top else previous
        chain.append(SourceLayer(message.name, kind, _params(message, kind, type_name), list(blobs)))
    if not any(layer.blobs for layer in chain):
        raise ConversionError(f"{path} has layers but no weights: a net definition, not a trained model.")
    for layer in chain:  # every blob's size checked now, before anything is built (a truncated file fails here)
        for blob in layer.blobs:
            blob.check()
    return SourceNet("caffe", chain, input_shape=input_shape, description={"name": net.name})


def read_binaryproto(path: str | os.PathLike) -> np.ndarray:
    """A ``mean.binaryproto`` as ``(channels, height, width)`` float32 (Caffe's channel order).

    Raises:
        ConversionError: the file is not a BlobProto.
    """
    path = Path(path)
    file, buffer, size = _open(path)
    try:
        values = _Blob(path, buffer, 0, size).read()
    except (ConversionError, ValueError) as error:
        raise ConversionError(f"{path} is not a Caffe mean file (.binaryproto): {error}") from None
    finally:
        buffer.close()
        file.close()
    if values.ndim == 4 and values.shape[0] == 1:
        values = values[0]
    if values.ndim != 3 or not values.size:
        raise ConversionError(f"{path} is not a Caffe mean file: a blob of shape {values.shape}, not (1, C, H, W).")
    return values
