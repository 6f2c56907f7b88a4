"""An independent NumPy forward pass of a :class:`~.source_net.SourceNet`, with its framework's own semantics.

Nothing here uses Keras or the zoo's layers: convolutions, poolings and LRN are written out in
NumPy from the source frameworks' definitions, so a converted model checked against this pass is
checked against Caffe or MatConvNet, not against itself.

- **Caffe**: NCHW inputs (BGR for image nets), kernels ``(out, in / group, h, w)`` with grouped
  convolution, symmetric zero padding and floor output sizes; max pooling in ceil mode with
  windows clipped to the input (Caffe's ``PoolingLayer``, including its rule that the last window
  must start inside the padded input); LRN across channels ``x / (k + alpha / n * sum x^2) ** beta``;
  ``InnerProduct`` on the ``(C, H, W)`` flattening.
- **MatConvNet**: NHWC (MATLAB's ``H x W x C x N``) inputs, RGB, filters ``(h, w, in / groups, out)``,
  padding ``[top bottom left right]``, floor output sizes, max pooling with windows clipped to the
  input, LRN ``param = [N kappa alpha beta]`` as ``x / (kappa + alpha * sum x^2) ** beta``, fully
  connected layers as convolutions over the whole map.
"""

from __future__ import annotations

import math

import numpy as np

from keras_video_zoo.convert.source_net import SourceNet


def _caffe_conv(x: np.ndarray, weight: np.ndarray, bias, stride, pad, group: int) -> np.ndarray:
    batch, channels, height, width = x.shape
    out_channels, group_in, kh, kw = weight.shape
    if group_in * group != channels:
        raise ValueError(f"a kernel for {group_in * group} input channels on {channels}")
    (sh, sw), (ph, pw) = stride, pad
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (height + 2 * ph - kh) // sh + 1, (width + 2 * pw - kw) // sw + 1
    out = np.zeros((batch, out_channels, oh, ow), np.float32)
    group_out = out_channels // group
    for g in range(group):
        inputs = padded[:, g * group_in : (g + 1) * group_in]
        kernel = weight[g * group_out : (g + 1) * group_out]
        for i in range(kh):
            for j in range(kw):
                patch = inputs[:, :, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
                product = np.tensordot(kernel[:, :, i, j], patch, ([1], [1]))  # (group_out, batch, oh, ow)
                out[:, g * group_out : (g + 1) * group_out] += product.transpose(1, 0, 2, 3)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out


def _caffe_pool_size(size: int, kernel: int, stride: int, pad: int) -> int:
    pooled = int(math.ceil((size + 2 * pad - kernel) / stride)) + 1
    if pad and (pooled - 1) * stride >= size + pad:  # Caffe: the last window must start inside the image
        pooled -= 1
    return pooled


def _max_pool(x: np.ndarray, kernel, stride, start, out_size, axes=(2, 3)) -> np.ndarray:
    """Max over windows starting at ``start + k * stride`` (``start`` <= 0), clipped to the input."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_size
    ha, wa = axes
    height, width = x.shape[ha], x.shape[wa]
    top, left = -start[0], -start[1]
    extent_h, extent_w = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    shape = list(x.shape)
    shape[ha], shape[wa] = max(extent_h, top + height), max(extent_w, left + width)
    padded = np.full(shape, -np.inf, np.float32)
    index = [slice(None)] * x.ndim
    index[ha], index[wa] = slice(top, top + height), slice(left, left + width)
    padded[tuple(index)] = x
    out = None
    for i in range(kh):
        for j in range(kw):
            index[ha] = slice(i, i + sh * (oh - 1) + 1, sh)
            index[wa] = slice(j, j + sw * (ow - 1) + 1, sw)
            window = padded[tuple(index)]
            out = window if out is None else np.maximum(out, window)
    return out


def _lrn(x: np.ndarray, before: int, after: int, k: float, alpha: float, beta: float, axis: int) -> np.ndarray:
    squares = np.moveaxis(x.astype(np.float64) ** 2, axis, 0)
    channels = squares.shape[0]
    cumulative = np.concatenate([np.zeros_like(squares[:1]), np.cumsum(squares, axis=0)])
    index = np.arange(channels)
    sums = cumulative[np.minimum(index + after + 1, channels)] - cumulative[np.maximum(index - before, 0)]
    scale = np.moveaxis(k + alpha * sums, 0, axis)
    return (x * scale ** (-beta)).astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def _pointwise(kind: str, x: np.ndarray) -> np.ndarray:
    """ReLU and softmax, the same in both frameworks; dropout is the identity at test time."""
    if kind == "relu":
        return np.maximum(x, 0)
    if kind == "softmax":
        return _softmax(x.reshape(x.shape[0], -1))
    return x


def _caffe_forward(net: SourceNet, x: np.ndarray) -> dict[str, np.ndarray]:
    outputs = {}
    for layer in net.layers:
        p = layer.params
        if layer.kind == "conv":
            bias = np.asarray(layer.blobs[1]).ravel() if len(layer.blobs) > 1 else None
            x = _caffe_conv(x, np.asarray(layer.blobs[0]), bias, p["stride"], p["pad"], p["group"])
        elif layer.kind == "pool":
            if p["pool"] != "max":
                raise ValueError(f"{layer.name}: {p['pool']} pooling")
            size = [_caffe_pool_size(x.shape[2 + i], p["kernel"][i], p["stride"][i], p["pad"][i]) for i in range(2)]
            x = _max_pool(x, p["kernel"], p["stride"], (-p["pad"][0], -p["pad"][1]), size)
        elif layer.kind == "lrn":
            n = p["local_size"]
            x = _lrn(x, (n - 1) // 2, (n - 1) // 2, p["k"], p["alpha"] / n, p["beta"], axis=1)
        elif layer.kind == "fc":
            weight = np.asarray(layer.blobs[0])
            weight = weight.reshape(-1, weight.shape[-1])  # (out, in); V1 files store (1, 1, out, in)
            x = x.reshape(x.shape[0], -1) @ weight.T + (
                np.asarray(layer.blobs[1]).ravel() if len(layer.blobs) > 1 else 0
            )
        else:
            x = _pointwise(layer.kind, x)
        outputs[layer.name] = x
    return outputs


def _matconvnet_conv(x: np.ndarray, filters: np.ndarray, bias, stride, pad) -> np.ndarray:
    batch, height, width, channels = x.shape
    if filters.ndim == 2:  # a 1x1 filter bank saved squeezed
        filters = filters.reshape(1, 1, *filters.shape)
    kh, kw, group_in, out_channels = filters.shape
    groups = channels // group_in
    top, bottom, left, right = pad
    (sh, sw) = stride
    padded = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    oh, ow = (height + top + bottom - kh) // sh + 1, (width + left + right - kw) // sw + 1
    out = np.zeros((batch, oh, ow, out_channels), np.float32)
    group_out = out_channels // groups
    for g in range(groups):
        inputs = padded[..., g * group_in : (g + 1) * group_in]
        bank = filters[..., g * group_out : (g + 1) * group_out]
        for i in range(kh):
            for j in range(kw):
                patch = inputs[:, i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw]
                out[..., g * group_out : (g + 1) * group_out] += patch @ bank[i, j]
    if bias is not None:
        out += np.asarray(bias, np.float32).ravel()
    return out


def _matconvnet_forward(net: SourceNet, x: np.ndarray) -> dict[str, np.ndarray]:
    outputs = {}
    for layer in net.layers:
        p = layer.params
        if layer.kind == "conv":
            filters = np.asarray(layer.blobs[0])  # a fully connected layer's filter covers the whole map
            bias = np.asarray(layer.blobs[1]) if len(layer.blobs) > 1 else None
            x = _matconvnet_conv(x, filters, bias, p["stride"], p["pad"])
        elif layer.kind == "pool":
            if p["method"] != "max":
                raise ValueError(f"{layer.name}: {p['method']} pooling")
            top, bottom, left, right = p["pad"]
            size = [
                (x.shape[1] + top + bottom - p["pool_size"][0]) // p["stride"][0] + 1,
                (x.shape[2] + left + right - p["pool_size"][1]) // p["stride"][1] + 1,
            ]
            x = _max_pool(x, p["pool_size"], p["stride"], (-top, -left), size, axes=(1, 2))
        elif layer.kind == "lrn":
            depth, kappa, alpha, beta = p["lrn"]
            before = (int(depth) - 1) // 2
            x = _lrn(x, before, int(depth) - before - 1, kappa, alpha, beta, axis=3)
        else:
            x = _pointwise(layer.kind, x)
        outputs[layer.name] = x
    return outputs


def reference_forward(net: SourceNet, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """The net's outputs on preprocessed ``inputs``, computed with the source framework's semantics.

    Args:
        net: the network as read from its file.
        inputs: float32, NCHW for Caffe, NHWC for MatConvNet, already in the source's own input
            convention (channel order, mean subtracted).

    Returns:
        ``{"features": the last weighted layer's input, "logits": its output, "probabilities": softmax,
        <layer name>: output, ...}``, each flattened to ``(batch, -1)`` for the three summaries.

    Example:
    >>> import numpy as np
    >>> from keras_video_zoo.convert.source_net import SourceLayer, SourceNet
    >>> net = SourceNet("caffe", [SourceLayer("fc", "fc", {}, [np.eye(2, dtype="float32"), np.zeros(2, "float32")])])
    >>> reference_forward(net, np.array([[[[1.0]], [[2.0]]]], "float32"))["logits"]
    array([[1., 2.]], dtype=float32)
    """
    forward = _caffe_forward if net.framework == "caffe" else _matconvnet_forward
    outputs = forward(net, inputs.astype(np.float32))
    weighted = net.weighted()
    last = weighted[-1].name
    names = [layer.name for layer in net.layers]
    before = names[names.index(last) - 1] if names.index(last) > 0 else None
    batch = inputs.shape[0]
    logits = outputs[last].reshape(batch, -1)
    features = outputs[before].reshape(batch, -1) if before is not None else inputs.reshape(batch, -1)
    return {**outputs, "features": features, "logits": logits, "probabilities": _softmax(logits)}
