"""From a :class:`~.source_net.SourceNet` to a zoo model: one mapping per architecture.

- **CNN-M-2048** (VGG's ImageNet net; the two-stream paper's trunk) -> ``spatial_stream`` (3 input
  channels) or ``temporal_stream`` (2L channels): exact.
- **VGG-16** (the very deep two-stream nets, or VGG's ImageNet VGG-16) -> ``spatial_stream(trunk="vgg16")``
  or ``temporal_stream(trunk="vgg16")``: exact.
- **AlexNet / CaffeNet** (BVLC) conv1-conv5 -> a Karpathy et al. fusion model: a starting point, not an
  equivalence (other strides and LRN constants; fc layers new).

Each mapping checks every hyperparameter it relies on (kernel, stride, padding, groups, LRN
constants, ReLUs) and names the layer, the expected and the found value when one differs. The
build arguments (width, fc units, classes, input size, channels) are read off the file's shapes,
so width-scaled files convert too. Layouts: Caffe kernels ``(out, in, h, w)`` become Keras'
``(h, w, in, out)`` (grouped ones block-diagonal), Caffe's BGR input channels are reversed for
the zoo's RGB, and the first fully connected layer's rows move from Caffe's ``(C, H, W)``
flattening to Keras' ``(H, W, C)``; MatConvNet filters are already ``(h, w, in, out)`` on RGB.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from keras_video_zoo.convert.source_net import ConversionError, SourceLayer, SourceNet
from keras_video_zoo.models import (
    cnn_m_trunk,
    create_model,
    early_fusion,
    karpathy_trunk,
    late_fusion,
    single_frame,
    slow_fusion,
    vgg16_trunk,
)
from keras_video_zoo.models.common import scale_filters
from keras_video_zoo.registry import get_model_entry

ARCHITECTURES = ("cnn_m_2048", "vgg16", "alexnet")
VGG16_CONVS_PER_BLOCK = tuple(count for _, count in vgg16_trunk.BLOCKS)
PAPER_FILTERS = {  # Karpathy et al.'s trunk has AlexNet's filter counts
    "cnn_m_2048": cnn_m_trunk.FILTERS,
    "vgg16": tuple(filters for filters, _ in vgg16_trunk.BLOCKS),
    "alexnet": karpathy_trunk.FILTERS,
}
# (kernel, stride, pad) of each conv as Caffe writes it (MatConvNet: the same pad on all four sides).
_CONV_GEOMETRY = {
    "cnn_m_2048": [(7, 2, 0), (5, 2, 1), (3, 1, 1), (3, 1, 1), (3, 1, 1)],
    "vgg16": [(3, 1, 1)] * 13,
    "alexnet": [(11, 4, 0), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1)],
}
# The zoo trunk's pools: (kernel, stride, 'valid' or 'same').
_ZOO_POOLS = {"cnn_m_2048": [(3, 2, "valid"), (3, 2, "same"), (3, 2, "valid")], "vgg16": [(2, 2, "valid")] * 5}
KARPATHY_FACTORIES = (single_frame, early_fusion, late_fusion, slow_fusion)
FLOW_MEAN_DEFAULT = 128.0  # the published temporal streams subtract 128 from their uint8 flow (DATA.md)
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)  # VGG's and BVLC's per-channel ImageNet mean, BGR


@dataclass
class Mapping:
    """A zoo model's build arguments and weights, from a source net.

    Attributes:
        architecture: one of :data:`ARCHITECTURES`.
        model: the registry name to build (``"spatial_stream"``, ``"slow_fusion"``, ...).
        build: its build arguments.
        weights: zoo layer name -> a function returning its ``[kernel, bias]`` in Keras' layout (called once, when
            the layer is filled: a conversion holds one layer's arrays at a time).
        exact: whether the zoo model computes what the source does.
        input_kind: ``"rgb"`` or ``"flow"``.
        channel_order: the source's image channel order (``"bgr"`` or ``"rgb"``).
        notes: what the record should say about the conversion (approximations, assumptions).
    """

    architecture: str
    model: str
    build: dict[str, Any]
    weights: dict[str, Callable[[], list[np.ndarray]]]
    exact: bool
    input_kind: str
    channel_order: str
    notes: list[str] = field(default_factory=list)


def identify(net: SourceNet) -> str:
    """The architecture a net is, from its chain of layers; a ConversionError naming what it found otherwise."""
    signature = net.signature()
    kernels = [_kernel_size(net, layer) for layer in net.weighted()[:2]]
    if kernels[:1] == [7] and signature in (
        "conv lrn pool conv lrn pool conv conv conv pool fc fc fc",
        "conv lrn pool conv pool conv conv conv pool conv conv conv",  # MatConvNet: fc layers are convs
        "conv lrn pool conv lrn pool conv conv conv pool conv conv conv",
        "conv lrn pool conv pool conv conv conv pool fc fc fc",
    ):
        return "cnn_m_2048"
    vgg = " ".join("conv " * n + "pool" for n in VGG16_CONVS_PER_BLOCK)
    if signature in (vgg + " fc fc fc", vgg + " conv conv conv"):
        return "vgg16"
    if kernels[:1] == [11] and signature.split()[:6] in (
        ["conv", "lrn", "pool", "conv", "lrn", "pool"],  # AlexNet
        ["conv", "pool", "lrn", "conv", "pool", "lrn"],  # CaffeNet
    ):
        return "alexnet"
    raise ConversionError(
        f"the file's layers are [{signature}] with first kernels {kernels[:2]}; that is none of the architectures "
        "kvz convert knows: CNN-M-2048 (conv 7x7/2, LRN, pool, conv 5x5/2, [LRN], pool, 3 x conv 3x3, pool, 3 x fc), "
        "VGG-16 (13 x conv 3x3 in 5 blocks, 3 x fc) or AlexNet/CaffeNet (conv 11x11/4 ...)."
    )


def _kernel_size(net: SourceNet, layer: SourceLayer) -> int:
    shape = layer.blobs[0].shape
    return int(shape[-1]) if net.framework == "caffe" else int(shape[0])


def _fail(layer: SourceLayer, what: str, expected, found) -> ConversionError:
    return ConversionError(f"layer {layer.name!r}: expected {what} {expected}, found {found}; not this architecture")


# ------------------------------------------------------------------------------------------- layer geometry


def _check_conv(net: SourceNet, layer: SourceLayer, kernel: int, stride: int, pad: int) -> None:
    p = layer.params
    if net.framework == "caffe":
        found = (tuple(p["kernel"]), tuple(p["stride"]), tuple(p["pad"]))
        expected = ((kernel, kernel), (stride, stride), (pad, pad))
    else:
        found_kernel = tuple(layer.blobs[0].shape[:2]) if layer.blobs[0].ndim == 4 else (1, 1)
        found = (found_kernel, tuple(p["stride"]), tuple(p["pad"]))
        expected = ((kernel, kernel), (stride, stride), (pad,) * 4)
    if found != expected:
        raise _fail(layer, "(kernel, stride, pad)", expected, found)


def _source_pool(net: SourceNet, layer: SourceLayer, size: int) -> tuple[int, int]:
    """``(output size, first window start)`` of a source pool on ``size`` pixels (rows; columns alike)."""
    p = layer.params
    if net.framework == "caffe":
        kernel, stride, pad = p["kernel"][0], p["stride"][0], p["pad"][0]
        out = int(math.ceil((size + 2 * pad - kernel) / stride)) + 1
        if pad and (out - 1) * stride >= size + pad:
            out -= 1
        return out, -pad
    kernel, stride, (top, bottom, _, _) = p["pool_size"][0], p["stride"][0], p["pad"]
    return (size + top + bottom - kernel) // stride + 1, -top


def _zoo_pool(size: int, kernel: int, stride: int, padding: str) -> tuple[int, int]:
    if padding == "valid":
        return (size - kernel) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, -(total // 2)


def _check_max_pool(layer: SourceLayer) -> None:
    """Every zoo trunk max-pools; an average or stochastic pool would convert to different numbers."""
    method = layer.params.get("pool", layer.params.get("method"))
    if method != "max":
        raise _fail(layer, "pooling", "max", method)


def _walk_sizes(net: SourceNet, architecture: str, size: int) -> tuple[int | None, str | None]:
    """The final map size at ``size`` input pixels, or ``None`` and why the zoo's pooling differs there."""
    zoo_pools = iter(_ZOO_POOLS[architecture])
    for layer in _trunk(net):
        if layer.kind == "conv":
            kernel, stride, pad = _conv_shape(net, layer)[0], layer.params["stride"][0], layer.params["pad"][0]
            size = (size + 2 * pad - kernel) // stride + 1
        elif layer.kind == "pool":
            _check_max_pool(layer)
            kernel, stride, padding = next(zoo_pools)
            source, zoo = _source_pool(net, layer, size), _zoo_pool(size, kernel, stride, padding)
            if source != zoo:
                return (
                    None,
                    f"{layer.name} gives {source[0]} (first window at {source[1]}) where the zoo gives {zoo[0]}",
                )
            size = source[0]
        if size < 1:
            return None, "the map vanishes"
    return size, None


def _conv_shape(net: SourceNet, layer: SourceLayer) -> tuple[int, int, int, int]:
    """``(kernel, in_per_group, out, kernel_w)`` of a conv layer in either layout."""
    blob = layer.blobs[0]
    if net.framework == "caffe":
        out, group_in, kh, kw = blob.shape
    else:
        kh, kw, group_in, out = blob.shape if blob.ndim == 4 else (1, 1, *blob.shape)
    return kh, group_in, out, kw


def _trunk(net: SourceNet) -> list[SourceLayer]:
    """The layers up to the last pool; after it come the fully connected layers (MatConvNet: as convolutions)."""
    last_pool = max(i for i, layer in enumerate(net.layers) if layer.kind == "pool")
    return net.layers[: last_pool + 1]


def working_sizes(net: SourceNet, architecture: str, map_size: int | None, limit: int = 640) -> list[int]:
    """Input sizes at which the zoo trunk computes what the source does (and leaves ``map_size`` for fc6)."""
    sizes = []
    for size in range(16, limit + 1):
        final, problem = _walk_sizes(net, architecture, size)
        if problem is None and final is not None and (map_size is None or final == map_size):
            sizes.append(size)
    return sizes


def _check_input_size(net: SourceNet, architecture: str, size: int, map_size: int) -> None:
    final, problem = _walk_sizes(net, architecture, size)
    if problem is None and final == map_size:
        return
    works = working_sizes(net, architecture, map_size)
    reason = problem or f"it leaves a {final}x{final} map where fc6 takes {map_size}x{map_size}"
    shown = ", ".join(str(s) for s in works[:12]) + (" ..." if len(works) > 12 else "")
    raise ConversionError(
        f"at {size}x{size} input pixels the source's ceil-mode pooling and the zoo's pooling differ ({reason}), so "
        f"the conversion would not be exact; sizes that work: {shown or 'none'}. Give one with --input-size."
    )


# ---------------------------------------------------------------------------------------------- weights


def _conv_kernel(net: SourceNet, layer: SourceLayer, in_channels: int) -> np.ndarray:
    """``(h, w, in, out)``; grouped convolutions as block-diagonal kernels."""
    blob = np.asarray(layer.blobs[0])
    if net.framework == "caffe":
        per_group = blob.transpose(2, 3, 1, 0)  # (out, in/g, h, w) -> (h, w, in/g, out)
    else:
        per_group = blob if blob.ndim == 4 else blob.reshape(1, 1, *blob.shape)
    kh, kw, group_in, out = per_group.shape
    groups = in_channels // group_in
    if groups * group_in != in_channels or out % groups:
        raise _fail(layer, "input channels", in_channels, f"kernels for {group_in} per group")
    if groups == 1:
        return np.ascontiguousarray(per_group)
    kernel = np.zeros((kh, kw, in_channels, out), np.float32)
    group_out = out // groups
    for g in range(groups):
        rows, cols = slice(g * group_in, (g + 1) * group_in), slice(g * group_out, (g + 1) * group_out)
        kernel[:, :, rows, cols] = per_group[:, :, :, cols]
    return kernel


def _bias(layer: SourceLayer, out: int) -> np.ndarray:
    if len(layer.blobs) < 2:
        return np.zeros(out, np.float32)
    bias = np.asarray(layer.blobs[1], np.float32).ravel()
    if bias.size != out:
        raise _fail(layer, "bias values", out, bias.size)
    return bias


def _fc_kernel(net: SourceNet, layer: SourceLayer, map_shape: tuple[int, int, int] | None) -> np.ndarray:
    """``(in, out)`` with rows in Keras' ``(H, W, C)`` flattening; ``map_shape`` is the map before it (first fc)."""
    blob = np.asarray(layer.blobs[0])
    if net.framework == "caffe":
        weight = blob.reshape(-1, blob.shape[-1]) if blob.ndim > 2 else blob  # V1: (1, 1, out, in)
        out = weight.shape[0]
        if map_shape is None:
            return np.ascontiguousarray(weight.T)
        height, width, channels = map_shape
        if weight.shape[1] != height * width * channels:
            raise _fail(
                layer, f"inputs (a {height}x{width}x{channels} map)", height * width * channels, weight.shape[1]
            )
        return np.ascontiguousarray(weight.reshape(out, channels, height, width).transpose(2, 3, 1, 0).reshape(-1, out))
    filters = blob if blob.ndim == 4 else blob.reshape(1, 1, *blob.shape)
    if map_shape is not None and filters.shape[:3] != tuple(map_shape):
        raise _fail(layer, "a filter over the whole map", tuple(map_shape), filters.shape[:3])
    return np.ascontiguousarray(filters.reshape(-1, filters.shape[-1]))


def _check_relus(net: SourceNet) -> None:
    """Every conv and fc but the last is followed by a ReLU, as in every zoo trunk."""
    layers = net.layers
    weighted = net.weighted()
    for layer in weighted[:-1]:
        index = layers.index(layer)
        following = [other.kind for other in layers[index + 1 : index + 2]]
        if following != ["relu"]:
            raise _fail(layer, "a ReLU after it", "relu", following[0] if following else "nothing")


def _check_lrn(layer: SourceLayer, net: SourceNet) -> float:
    """The LRN's beta; a ConversionError unless it is the zoo's n=5, k=2, alpha=1e-4 (alpha not divided by n)."""
    if net.framework == "caffe":
        p = layer.params
        n, k, alpha, beta = p["local_size"], p["k"], p["alpha"] / p["local_size"], p["beta"]
    else:
        n, k, alpha, beta = layer.params["lrn"]
    if int(n) != 5 or not math.isclose(k, 2.0) or not math.isclose(alpha, 1e-4, rel_tol=1e-4):
        raise _fail(layer, "LRN (n, k, alpha / n)", (5, 2.0, 1e-4), (int(n), k, alpha))
    return float(beta)


# ---------------------------------------------------------------------------------------------- mappings


def _trunk_layers(net: SourceNet) -> tuple[list[SourceLayer], list[SourceLayer]]:
    """(convolutions, fully connected layers): MatConvNet's fc layers are the convs after the last pool."""
    trunk = _trunk(net)
    convs = [layer for layer in trunk if layer.kind == "conv"]
    fcs = [layer for layer in net.layers[len(trunk) :] if layer.kind in ("conv", "fc")]
    return convs, fcs


def _width(convs: list[SourceLayer], net: SourceNet, paper: tuple[int, ...]) -> float:
    """The width multiplier whose scaled filter counts are the file's (so width-scaled files convert)."""
    outs = [_conv_shape(net, layer)[2] for layer in convs]
    width = outs[0] / paper[0]
    expected = scale_filters(paper, width)
    per_conv = [expected[i] for i in _block_index(len(convs), len(paper))]
    for layer, found, want in zip(convs, outs, per_conv, strict=True):
        if found != want:
            raise _fail(layer, f"filters (width {width:g} of {paper})", want, found)
    return width


def _block_index(convs: int, blocks: int) -> list[int]:
    if convs == blocks:
        return list(range(blocks))
    return [block for block, count in enumerate(VGG16_CONVS_PER_BLOCK) for _ in range(count)]


def _input_channels(net: SourceNet, convs: list[SourceLayer]) -> int:
    return _conv_shape(net, convs[0])[1]  # conv1 is never grouped


def _stream(net: SourceNet, architecture: str, input_size: int | None) -> Mapping:
    """CNN-M-2048 and VGG-16 files: the exact spatial or temporal stream."""
    _check_relus(net)
    convs, fcs = _trunk_layers(net)
    if len(fcs) != 3:
        raise ConversionError(f"expected 3 fully connected layers after the last pool, found {len(fcs)}")
    geometry = _CONV_GEOMETRY[architecture]
    for layer, (kernel, stride, pad) in zip(convs, geometry, strict=True):
        _check_conv(net, layer, kernel, stride, pad)
    names = ["conv1", "conv2", "conv3", "conv4", "conv5"] if architecture == "cnn_m_2048" else vgg16_trunk.conv_names()
    width = _width(convs, net, PAPER_FILTERS[architecture])
    channels = _input_channels(net, convs)
    last_channels = _conv_shape(net, convs[-1])[2]
    if net.framework == "caffe":
        fan_in = fcs[0].blobs[0].shape[-1]  # (out, in), or (1, 1, out, in) in V1 files
        map_size = math.isqrt(fan_in // last_channels)
        if map_size * map_size * last_channels != fan_in:
            raise _fail(
                fcs[0], f"inputs (a square map of {last_channels} channels)", "k*k*" + str(last_channels), fan_in
            )
    else:
        map_size = _conv_shape(net, fcs[0])[0]
    declared = input_size or (net.input_shape[1] if net.input_shape else None)
    size = declared or 224
    _check_input_size(net, architecture, size, map_size)
    lrns = [layer for layer in net.layers if layer.kind == "lrn"]
    betas = {_check_lrn(layer, net) for layer in lrns}
    if len(betas) > 1:
        raise ConversionError(f"the LRN layers have different exponents {sorted(betas)}; the zoo's share one")
    fc_units = (_fc_out(net, fcs[0]), _fc_out(net, fcs[1]))
    classes = _fc_out(net, fcs[2])
    trunk = {} if architecture == "cnn_m_2048" else {"trunk": "vgg16"}
    common = {"width": width, "fc_units": list(fc_units), "num_classes": classes, **trunk}
    if betas:
        common["lrn_beta"] = betas.pop()
    if channels == 3:
        if architecture == "cnn_m_2048" and len(lrns) != 2:
            raise ConversionError("an RGB CNN-M-2048 has LRN after conv1 and conv2 (norm1, norm2); this file does not")
        model, build, kind = "spatial_stream", {"input_shape": [1, size, size, 3], **common}, "rgb"
    elif channels % 2 == 0:
        if architecture == "cnn_m_2048" and len(lrns) != 1:
            raise ConversionError(
                f"a CNN-M-2048 temporal stream has one LRN (norm1, no norm2); this file has {len(lrns)}"
            )
        fields = channels // 2
        build = {
            "input_shape": [fields, size, size, 2],
            "mean_flow_subtraction": False,
            **common,
        }
        model, kind = "temporal_stream", "flow"
    else:
        raise _fail(convs[0], "input channels", "3 (RGB) or 2L (flow)", channels)
    order = "bgr" if net.framework == "caffe" and kind == "rgb" else "rgb"

    def conv(layer: SourceLayer, in_channels: int, reverse: bool) -> Callable[[], list[np.ndarray]]:
        def arrays() -> list[np.ndarray]:
            kernel = _conv_kernel(net, layer, in_channels)
            kernel = np.ascontiguousarray(kernel[:, :, ::-1, :]) if reverse else kernel
            return [kernel, _bias(layer, kernel.shape[-1])]

        return arrays

    def fc(layer: SourceLayer, map_shape) -> Callable[[], list[np.ndarray]]:
        def arrays() -> list[np.ndarray]:
            kernel = _fc_kernel(net, layer, map_shape)
            return [kernel, _bias(layer, kernel.shape[-1])]

        return arrays

    weights, in_channels = {}, channels
    for layer, name in zip(convs, names, strict=True):
        weights[name] = conv(layer, in_channels, layer is convs[0] and order == "bgr")
        in_channels = _conv_shape(net, layer)[2]
    map_shape = (map_size, map_size, last_channels)
    for index, (layer, name) in enumerate(zip(fcs, ("fc6", "fc7", "predictions"), strict=True)):
        weights[name] = fc(layer, map_shape if index == 0 else None)
    return Mapping(architecture, model, build, weights, True, kind, order)


def _fc_out(net: SourceNet, layer: SourceLayer) -> int:
    shape = layer.blobs[0].shape
    return int(shape[-2] if net.framework == "caffe" else shape[-1])


def _karpathy(net: SourceNet, target: str, num_classes: int | None) -> Mapping:
    """AlexNet / CaffeNet conv1-conv5 as a starting point for a Karpathy et al. fusion model."""
    _check_relus(net)
    convs = net.weighted("conv") if net.framework == "caffe" else _trunk_layers(net)[0]
    if len(convs) != 5:
        raise ConversionError(
            f"AlexNet has 5 convolutions before its fully connected layers; this file has {len(convs)}"
        )
    for layer, (kernel, _, _) in zip(convs, _CONV_GEOMETRY["alexnet"], strict=True):
        found = _conv_shape(net, layer)[0]
        if found != kernel:
            raise _fail(layer, "kernel", kernel, found)
    width = _width(convs, net, PAPER_FILTERS["alexnet"])
    entry = get_model_entry(target)
    if entry.factory not in KARPATHY_FACTORIES:
        names = ", ".join(factory.__name__ for factory in KARPATHY_FACTORIES)
        raise ConversionError(
            f"AlexNet/CaffeNet weights start a Karpathy et al. fusion model ({names} and their variants); "
            f"{target!r} is not one."
        )
    lrn = next(layer for layer in net.layers if layer.kind == "lrn")
    beta = lrn.params["beta"] if net.framework == "caffe" else lrn.params["lrn"][3]
    build = {"width": width, "lrn_beta": float(beta), "pixel_scale": 1.0}  # AlexNet saw raw mean-subtracted pixels
    if num_classes is not None:
        build["num_classes"] = num_classes
    model = create_model(target, **build)
    order = "bgr" if net.framework == "caffe" else "rgb"

    def inflated(layer: SourceLayer, in_channels: int, reverse: bool, shape, name) -> Callable[[], list[np.ndarray]]:
        def arrays() -> list[np.ndarray]:
            kernel = _conv_kernel(net, layer, in_channels)
            kernel = np.ascontiguousarray(kernel[:, :, ::-1, :]) if reverse else kernel
            return [_inflate(kernel, shape, name), _bias(layer, kernel.shape[-1])]

        return arrays

    weights, in_channels = {}, 3
    for index, layer in enumerate(convs, 1):
        for zoo_layer in model.layers:
            if zoo_layer.name.split("_")[-1] == f"conv{index}":  # conv1, fovea_conv1, context_conv1
                shape = tuple(zoo_layer.kernel.shape)
                weights[zoo_layer.name] = inflated(
                    layer, in_channels, index == 1 and order == "bgr", shape, zoo_layer.name
                )
        in_channels = _conv_shape(net, layer)[2]
    notes = [
        f"conv1-conv5 from {net.description.get('name') or 'an AlexNet/CaffeNet file'}: a starting point, not an "
        "equivalence. The zoo's trunk has conv1 stride 3 'same' (AlexNet: 4, valid), 2x2 pooling (AlexNet: 3x3/2) and "
        "LRN k=2 (AlexNet: k=1); 2-D kernels are repeated over time and divided by the temporal extent, so a static "
        "clip gives the 2-D response. fc6, fc7 and the classifier are newly initialised: fine-tune before use.",
    ]
    del model
    return Mapping("alexnet", target, build, weights, False, "rgb", order, notes)


def _inflate(kernel: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    """A 2-D ``(h, w, in, out)`` kernel shaped as the zoo layer's: repeated over time and divided by its extent."""
    if kernel.shape == shape:
        return kernel
    if len(shape) == 5 and shape[1:] == kernel.shape:  # FrameWindowConv (t, h, w, in, out)
        return np.repeat(kernel[None] / shape[0], shape[0], axis=0).astype(np.float32)
    if (
        len(shape) == 4
        and shape[:2] == kernel.shape[:2]
        and shape[3] == kernel.shape[3]
        and shape[2] % kernel.shape[2] == 0
    ):
        frames = shape[2] // kernel.shape[2]  # early fusion: frames stacked on channels, frame-major
        return (np.tile(kernel, (1, 1, frames, 1)) / frames).astype(np.float32)
    raise ConversionError(f"zoo layer {name!r} has kernel {shape}; the file's kernel is {kernel.shape}")


def map_net(
    net: SourceNet, *, model: str | None = None, input_size: int | None = None, num_classes: int | None = None
) -> Mapping:
    """The zoo model a source net becomes.

    Args:
        net: the network read from its file.
        model: for AlexNet/CaffeNet files, the Karpathy model to start (default ``single_frame``);
            for the others it must be the stream the file is (or left out).
        input_size: the frame size; default: the file's declared input size, else 224.
        num_classes: AlexNet/CaffeNet only: the new head's classes (default: the model's).

    Raises:
        ConversionError: another architecture, or a layer that differs from it (named).
    """
    architecture = identify(net)
    if architecture == "alexnet":
        return _karpathy(net, model or "single_frame", num_classes)
    if num_classes is not None:
        raise ConversionError("num_classes applies to AlexNet/CaffeNet starts only; this file has its own classifier.")
    mapping = _stream(net, architecture, input_size)
    if model is not None and model != mapping.model:
        raise ConversionError(
            f"{net.description.get('name') or 'the file'} is a {mapping.model} ({architecture}); --model {model} "
            "names another kind of model."
        )
    return mapping
