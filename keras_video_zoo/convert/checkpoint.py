"""``convert_checkpoint``: a published Caffe or MatConvNet file becomes a zoo checkpoint folder.

One call reads the file (:mod:`.caffe`, :mod:`.matconvnet`), maps it onto a zoo model
(:mod:`.mappings`), checks the converted model against an independent NumPy forward pass with the
source's semantics (:mod:`.reference`), and writes a checkpoint folder with
:func:`~keras_video_zoo.hub.save_pretrained` whose record names the source file, its sha256,
licence, labels, preprocessing and the measured difference. ``--model OUT``,
``from_pretrained(OUT)``, ``kvz finetune --model OUT`` and ``kvz push --model OUT`` take it like
any checkpoint. Nothing is written unless every step succeeds.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import numpy as np
from tqdm.auto import tqdm

from keras_video_zoo.convert import caffe, matconvnet
from keras_video_zoo.convert.known_sources import KnownSource, find_source
from keras_video_zoo.convert.mappings import FLOW_MEAN_DEFAULT, IMAGENET_BGR_MEAN, Mapping, map_net
from keras_video_zoo.convert.reference import reference_forward
from keras_video_zoo.convert.source_net import ConversionError, SourceNet, file_head
from keras_video_zoo.hub.publish import save_pretrained
from keras_video_zoo.models import create_model
from keras_video_zoo.weights import WeightsSpec, sha256_file

TOLERANCE = 1e-4  # largest relative difference from the reference a conversion may show (float32 round-off: ~1e-6)
FORMATS = ("caffe", "matconvnet")


@dataclass(frozen=True)
class ConvertedCheckpoint:
    """What :func:`convert_checkpoint` wrote.

    Attributes:
        path: the checkpoint folder.
        record: its record (labels, inputs, preprocessing, the conversion in ``recipe``).
        mapping: the architecture and zoo model it became, and whether exactly.
        max_difference: largest relative difference from the reference forward pass (``None`` for
            inexact starts, which have nothing to equal).
    """

    path: Path
    record: WeightsSpec
    mapping: Mapping
    max_difference: float | None


def file_format(path: str | os.PathLike) -> str:
    """``"caffe"`` or ``"matconvnet"``, from the file's first bytes (the name is only a hint).

    Raises:
        ConversionError: the file is missing, empty or neither.
    """
    path = Path(path)
    head = file_head(path)
    if head.startswith(b"MATLAB"):
        return "matconvnet"
    if head[:1] in (b"\x0a", b"\x12", b"\x1a", b"\x22", b"\x42") or path.suffix.lower() == ".caffemodel":
        return "caffe"  # a NetParameter starts with its name, layers, inputs or input_shape field
    raise ConversionError(
        f"{path} is neither a Caffe model (.caffemodel) nor a MatConvNet network (.mat) (it starts with {head[:16]!r})."
    )


def read_source(path: str | os.PathLike, prototxt: str | os.PathLike | None = None) -> SourceNet:
    """The network in a ``.caffemodel`` (with its optional ``deploy.prototxt``) or MatConvNet ``.mat`` file."""
    if file_format(path) == "matconvnet":
        if prototxt is not None:
            raise ConversionError("--prototxt goes with Caffe models; a MatConvNet file describes its own layers.")
        return matconvnet.read_matconvnet(path)
    return caffe.read_caffemodel(path, prototxt)


def read_mean(path: str | os.PathLike) -> np.ndarray:
    """A mean file as ``(H, W, C)`` (or ``(C,)``) float32 in the net's channel order.

    Reads Caffe's ``.binaryproto``, a MATLAB ``.mat`` (``image_mean``, as the very deep two-stream
    code stores it, or its only array) and NumPy's ``.npy`` (``(C, H, W)`` as Caffe's Python tools save it).

    Raises:
        ConversionError: the file is none of these, or holds no mean.
    """
    path = Path(path)
    if not path.is_file():
        raise ConversionError(f"--mean {path}: no such file.")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            values = np.load(path, allow_pickle=False).astype(np.float32)
        except ValueError as error:
            raise ConversionError(f"--mean {path} is not a NumPy array file: {error}") from None
        return values.transpose(1, 2, 0) if values.ndim == 3 and values.shape[0] < values.shape[-1] else values
    if suffix == ".mat":
        import scipy.io

        try:
            data = {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__")}
        except (ValueError, TypeError, NotImplementedError) as error:
            raise ConversionError(f"--mean {path} is not a readable .mat file: {error}") from None
        arrays = {k: v for k, v in data.items() if isinstance(v, np.ndarray) and v.dtype.kind in "fiu"}
        key = "image_mean" if "image_mean" in arrays else (next(iter(arrays)) if len(arrays) == 1 else None)
        if key is None:
            raise ConversionError(f"--mean {path} holds {sorted(data)}; expected an 'image_mean' array.")
        return np.asarray(arrays[key], np.float32)
    values = caffe.read_binaryproto(path)  # (C, H, W)
    return values.transpose(1, 2, 0)


def _per_channel(mean: np.ndarray, channels: int, what: str) -> tuple[list[float], float]:
    """The mean per channel and the largest difference of the mean image from it."""
    mean = np.asarray(mean, np.float32)
    if mean.ndim >= 2:
        if mean.shape[-1] != channels:
            raise ConversionError(
                f"{what} has {mean.shape[-1]} channels (shape {mean.shape}); the net takes {channels}."
            )
        flat = mean.reshape(-1, channels)
        per_channel = flat.mean(axis=0)
        return [float(v) for v in per_channel], float(np.abs(flat - per_channel).max())
    values = mean.ravel()
    if values.size == 1:
        return [float(values[0])] * channels, 0.0
    if values.size != channels:
        raise ConversionError(f"{what} has {values.size} values; the net takes {channels} channels.")
    return [float(v) for v in values], 0.0


def _labels(path: str | os.PathLike | None, net: SourceNet, known: KnownSource | None, classes: int) -> tuple[str, ...]:
    if path is not None:
        names = tuple(line.strip() for line in Path(path).read_text().splitlines() if line.strip())
        if len(names) != classes:
            raise ConversionError(f"--labels {path} names {len(names)} classes but the model has {classes}.")
        return names
    if net.labels and len(net.labels) == classes:
        return net.labels
    published = {"imagenet": ("imagenet_classes.txt", 1000), "ucf101": ("ucf101_classes.txt", 101)}
    if known is not None and known.labels in published and published[known.labels][1] == classes:
        text = resources.files("keras_video_zoo.convert").joinpath(published[known.labels][0]).read_text()
        return tuple(line for line in text.splitlines() if line)
    return ()


def _preprocess(mapping: Mapping, net: SourceNet, known: KnownSource | None, mean_file, notes: list[str]) -> dict:
    """Sets the mean in the build arguments; returns the record's preprocessing entry."""
    channels = 2 * mapping.build["input_shape"][0] if mapping.input_kind == "flow" else 3
    if mean_file is not None:
        mean, origin = read_mean(mean_file), f"--mean {Path(mean_file).name}"
    elif net.mean is not None:
        mean, origin = net.mean, "the file's averageImage"
    elif known is not None and known.mean is not None:
        mean, origin = np.asarray(known.mean, np.float32), f"{known.name}'s published mean (no mean file given)"
    elif mapping.input_kind == "flow":
        mean, origin = np.asarray([FLOW_MEAN_DEFAULT], np.float32), "128, the field's convention (no mean file given)"
    else:
        bgr = np.asarray(IMAGENET_BGR_MEAN, np.float32)
        mean, origin = (bgr if mapping.channel_order == "bgr" else bgr[::-1]), "the ImageNet mean (no mean file given)"
        notes.append(
            "No mean file was given: the ImageNet per-channel mean is assumed; pass --mean to use the file's own."
        )
    per_channel, deviation = _per_channel(mean, channels, origin)
    entry: dict[str, Any] = {"mean_from": origin, "mean_image_max_deviation": round(deviation, 4)}
    if mapping.input_kind == "rgb":
        rgb = per_channel[::-1] if mapping.channel_order == "bgr" else per_channel
        mapping.build["mean"] = [round(v, 6) for v in rgb]
        entry["rgb"] = (
            "raw RGB pixels 0-255, shape (batch, T, H, W, 3); the model subtracts the RGB mean "
            f"{mapping.build['mean']} "
            f"(the source took {mapping.channel_order.upper()} input; conv1's channels were reordered)"
        )
    else:
        same = max(per_channel) - min(per_channel) < 1e-6
        mapping.build["flow_mean"] = round(per_channel[0], 6) if same else [round(v, 6) for v in per_channel]
        entry["flow"] = (
            "x/y flow fields quantised to uint8 with bound 20 (q = round(255 (v + 20) / 40), 128 = no motion), "
            f"shape (batch, L, H, W, 2); the model stacks them x1, y1, ... and subtracts {mapping.build['flow_mean']} "
            "without rescaling and without mean flow subtraction, as the source did"
        )
    if deviation:
        notes.append(
            f"The mean image was collapsed to one value per channel; it differs from it by up to {deviation:.2f}."
        )
    if known is not None and known.conventions:
        entry["source_conventions"] = known.conventions
    return entry


def _build(mapping: Mapping, progress: bool):
    model = create_model(mapping.model, **mapping.build)
    weighted = {layer.name for layer in model.layers if layer.weights}
    layers = tqdm(mapping.weights.items(), "converting", unit="layer", leave=False, disable=not progress)
    for name, produce in layers:
        layer, arrays = model.get_layer(name), produce()  # one layer's arrays at a time
        expected = [tuple(w.shape) for w in layer.weights]
        found = [tuple(a.shape) for a in arrays]
        if expected != found:
            raise ConversionError(f"zoo layer {name!r} takes {expected}; the mapping made {found}")
        for variable, array in zip(layer.weights, arrays, strict=True):
            variable.assign(array)
        del arrays
    missing = sorted(weighted - set(mapping.weights))
    if mapping.exact and missing:
        raise ConversionError(f"the mapping left zoo layers {missing} at their initial values")
    return model


def _reference_input(mapping: Mapping, net: SourceNet, clip: np.ndarray) -> np.ndarray:
    """The source's own input for the zoo's uint8 ``clip`` (one frame, or one flow stack)."""
    if mapping.input_kind == "rgb":
        pixels = clip[:, 0].astype(np.float32)  # (batch, H, W, 3) RGB
        if mapping.channel_order == "bgr":
            pixels = pixels[..., ::-1] - np.asarray(mapping.build["mean"][::-1], np.float32)
        else:
            pixels = pixels - np.asarray(mapping.build["mean"], np.float32)
    else:
        batch, fields, height, width, _ = clip.shape
        stacked = clip.astype(np.float32).transpose(0, 2, 3, 1, 4).reshape(batch, height, width, 2 * fields)
        pixels = stacked - np.asarray(mapping.build["flow_mean"], np.float32)
    return pixels.transpose(0, 3, 1, 2) if net.framework == "caffe" else pixels


def verify(model, mapping: Mapping, net: SourceNet, *, batch: int = 2, seed: int = 0) -> float:
    """The largest relative difference between the zoo model and the reference pass on random inputs.

    Compares fc7's activations and the logits (fc7 through the converted classifier's weights, before the
    softmax), each relative to its own largest magnitude.
    """
    rng = np.random.default_rng(seed)
    clip = rng.integers(0, 256, (batch, *model.input_shape[1:]), dtype=np.uint8)
    expected = reference_forward(net, _reference_input(mapping, net, clip))
    features = np.asarray(keras.Model(model.inputs, model.get_layer("fc7").output).predict(clip, verbose=0))
    kernel, bias = model.get_layer("predictions").get_weights()
    logits = features.astype(np.float64) @ kernel + bias
    differences = []
    for found, wanted in ((features, expected["features"]), (logits, expected["logits"])):
        scale = max(float(np.abs(wanted).max()), 1e-12)
        differences.append(float(np.abs(found - wanted).max()) / scale)
    return max(differences)


def convert_checkpoint(
    source: str | os.PathLike,
    out: str | os.PathLike,
    *,
    mean: str | os.PathLike | None = None,
    labels: str | os.PathLike | None = None,
    model: str | None = None,
    prototxt: str | os.PathLike | None = None,
    input_size: int | None = None,
    num_classes: int | None = None,
    known_source: str | None = None,
    tag: str | None = None,
    progress: bool = True,
) -> ConvertedCheckpoint:
    """Converts a published Caffe or MatConvNet checkpoint into a zoo checkpoint folder.

    Args:
        source: the ``.caffemodel`` or MatConvNet ``.mat`` file.
        out: the checkpoint folder to write (must not exist, or be empty).
        mean: the source's mean file (``.binaryproto``, ``.mat``, ``.npy``); default: the file's own
            (MatConvNet), else the known source's published mean.
        labels: a text file with one class name per line; default: the file's own, else the known
            source's published list (ImageNet synsets, UCF-101's classInd order).
        model: AlexNet/CaffeNet files: the Karpathy model to start (default ``single_frame``).
        prototxt: the Caffe ``deploy.prototxt``, whose layers and input size Caffe would use.
        input_size: frame size; default: the file's declared one, else 224.
        num_classes: AlexNet/CaffeNet files: the new head's classes.
        known_source: which :data:`~.known_sources.KNOWN_SOURCES` entry the file is, when renamed.
        tag: the checkpoint's tag (default: the dataset's name).
        progress: show a progress bar while the layers are read and converted.

    Returns:
        :class:`ConvertedCheckpoint`.

    Raises:
        ConversionError: the file is not a model, is truncated, is another architecture, the mean file
            does not fit, or the converted model differs from the reference; nothing is written.
    """
    source, out = Path(source), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConversionError(f"{out} already exists; give a new folder (nothing was written).")
    try:
        known = find_source(source.name, known_source)
    except ValueError as error:
        raise ConversionError(str(error)) from None
    net = read_source(source, prototxt)
    mapping = map_net(net, model=model, input_size=input_size, num_classes=num_classes)
    notes = list(mapping.notes)
    if mapping.input_kind == "flow" and known is not None and known.stacking:
        mapping.build["stacking"] = known.stacking  # the model records it: pipelines then feed the stacks it knows
    preprocessing = _preprocess(mapping, net, known, mean, notes)
    built = _build(mapping, progress)
    difference = verify(built, mapping, net) if mapping.exact else None
    if difference is not None and difference > TOLERANCE:
        raise ConversionError(
            f"the converted model differs from the {net.framework} reference by {difference:.2e} (relative), more "
            f"than {TOLERANCE:g}: the mapping is wrong for this file. Nothing was written."
        )
    classes = mapping.build.get("num_classes") if mapping.exact else None
    names = _labels(labels, net, known, classes) if classes else ()
    dataset = dict(known.dataset) if known is not None else {}
    conversion = {
        "file": source.name,
        "sha256": sha256_file(source),
        "format": net.framework + (f" {net.description['format']}" if "format" in net.description else ""),
        "architecture": mapping.architecture,
        "known_source": known.name if known is not None else None,
        "exact": mapping.exact,
        "max_relative_difference_from_reference": difference,
        "channel_order": mapping.channel_order,
        "notes": notes,
    }
    command = f"kvz convert {source.name} OUT" + (f" --mean {Path(mean).name}" if mean else "") + (
        f" --model {model}" if model else "")  # fmt: skip
    record = {
        "tag": tag
        or (
            dataset.get("name", "converted").replace("-", "_")
            + (f"_split{dataset['split']}" if "split" in dataset else "")
        ),
        "labels": names,
        "preprocessing": preprocessing,
        "dataset": dataset,
        "license": known.license if known is not None else None,
        "recipe": {"converted_from": conversion, "command": command},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        spec = save_pretrained(built, staging, **record)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ConvertedCheckpoint(out, dataclasses.replace(spec), mapping, difference)
