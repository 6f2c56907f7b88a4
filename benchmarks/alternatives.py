"""Speed of the zoo against what a user would otherwise write, side by side in one run.

Four comparisons, each as ratios measured in the same process on the same cores:

1. **Models vs a naive Keras build** of the same architecture: per-frame
   ``keras.layers.TimeDistributed`` layers, ``keras.layers.Lambda`` slicing at the
   fusion points (late fusion: frames 0 and T-1; slow fusion: overlapping windows
   stacked on channels through shared Conv2Ds; early fusion: a reshape) and LRN as
   ``tf.nn.local_response_normalization`` in a Lambda. Same layer sizes and parameter
   count (asserted); weights are copied across and the outputs checked equal.
2. **Models vs PyTorch eager** (``torch.nn`` Conv2d/Conv3d/LocalResponseNorm/MaxPool,
   same parameter count, asserted; outputs checked equal with copied weights), with
   Keras both as compiled graphs (``predict_on_batch`` / ``train_on_batch``) and with
   ``jit_compile=True`` (XLA). PyTorch is optional: without it those columns are skipped.
3. **Input pipeline vs a plain Python generator over OpenCV** (``cv2.VideoCapture``,
   numpy crops and flips, ``tf.data.Dataset.from_generator``), beside decode-only,
   reusing ``benchmarks/pipeline.py``'s measurements.
4. **Achieved GFLOP/s vs the machine's measured peak** (a large float32 matmul and
   conv in TensorFlow, and PyTorch when installed).

Throughput is the median over timed steps taken in interleaved rounds (every
implementation of a model in turn), after warm-up, so load from other processes hits
them alike.

Run:
    python benchmarks/alternatives.py                  # ~10 minutes on 2 cores
    python benchmarks/alternatives.py --quick          # ~2 minutes: two tiny models, short runs
    python benchmarks/alternatives.py --update-readme  # also refresh README.md

Results go to benchmarks/results/alternatives.json and alternatives.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# PyTorch's OpenMP threads spin-wait between parallel regions by default; on a CPU shared with other work
# a descheduled spinner stalls every region (100x slower tiny models here). TensorFlow's thread pool does
# not spin this way, so let OpenMP threads sleep instead, as a fair comparison needs.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import keras_video_zoo  # noqa: F401  first: TensorFlow then loads with oneDNN on, as in users' processes

# isort: split
import cv2
import keras
import numpy as np
import tensorflow as tf
from experiments import cpu_vector_isa

from keras_video_zoo import create_model
from keras_video_zoo.layers import FrameWindowConv
from keras_video_zoo.layers.frame_window_convolution import same_padding
from keras_video_zoo.markdown import markdown_table, replace_marked_section
from keras_video_zoo.models.flops import count_flops
from keras_video_zoo.models.karpathy_trunk import KERNELS, STRIDES
from keras_video_zoo.runtime import tensorflow_onednn_enabled

try:  # PyTorch is an optional benchmark dependency.
    import torch
except ImportError:  # pragma: no cover - depends on the environment
    torch = None

ROOT = Path(__file__).resolve().parent.parent

README_MARKERS = ("<!-- benchmark:alternatives:start -->", "<!-- benchmark:alternatives:end -->")
TINY_MODELS = ("single_frame_tiny", "early_fusion_tiny", "late_fusion_tiny", "slow_fusion_tiny")
MULTIRES_MODEL = "single_frame_multires_tiny"
# Mid size: compute, not per-call overhead, dominates (about 1 GFLOP per clip).
MID_MODEL = ("slow_fusion_mid", "slow_fusion", {"width": 0.25, "fc_units": 512, "num_classes": 101})
MID_INPUT = (10, 112, 112, 3)


# ---------------------------------------------------------------------------------------------
# The architecture, read back from a zoo model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KarpathySpec:
    """What a naive or PyTorch build needs to reproduce a zoo Karpathy model.

    Read from the zoo model's layers by :func:`spec_of`, so both builds follow the zoo's
    arguments (width, fc units, classes, temporal kernels) without a second copy of them.
    """

    family: str  # single_frame, early_fusion, late_fusion, slow_fusion
    clip_shape: tuple[int, int, int, int]
    filters: tuple[int, ...]
    temporal_kernels: tuple[int, ...]
    temporal_strides: tuple[int, ...]
    lrn_beta: float
    fc_units: tuple[int, int]
    num_classes: int
    dropout: float
    scale: float  # the model's preprocessing: x * scale + offset
    offset: float
    multires: bool


def spec_of(model: keras.Model) -> KarpathySpec:
    """The :class:`KarpathySpec` of a zoo Karpathy model (full or multires resolution).

    Example:
    >>> spec = spec_of(create_model("slow_fusion_tiny"))
    >>> spec.family, spec.filters, spec.temporal_kernels
    ('slow_fusion', (12, 32, 48, 48, 32), (4, 2, 2))
    """
    names = {layer.name for layer in model.layers}
    multires = "fovea_crop" in names
    prefix = "fovea_" if multires else ""
    convs = [model.get_layer(f"{prefix}conv{i}") for i in range(1, 6)]
    temporal = [conv for conv in convs if isinstance(conv, FrameWindowConv)]
    if temporal:
        family = "slow_fusion"
    elif "late_fusion" in names or f"{prefix}late_fusion" in names:
        family = "late_fusion"
    elif "frames_to_channels" in names or f"{prefix}frames_to_channels" in names:
        family = "early_fusion"
    else:
        family = "single_frame"
    return KarpathySpec(
        family=family,
        clip_shape=tuple(model.input.shape[1:]),
        filters=tuple(conv.filters for conv in convs),
        temporal_kernels=tuple(conv.kernel_size[0] for conv in temporal),
        temporal_strides=tuple(conv.strides[0] for conv in temporal),
        lrn_beta=model.get_layer(f"{prefix}norm1").beta,
        fc_units=(model.get_layer("fc6").units, model.get_layer("fc7").units),
        num_classes=model.get_layer("predictions").units,
        dropout=model.get_layer("fc6_dropout").rate,
        scale=model.get_layer("preprocess").scale,
        offset=model.get_layer("preprocess").offset,
        multires=multires,
    )


def _windows(frames: int, kernel: int, stride: int) -> list[int]:
    """Start frames of a temporal conv's windows (valid in time)."""
    return list(range(0, frames - kernel + 1, stride))


# ---------------------------------------------------------------------------------------------
# 1. The naive Keras build
# ---------------------------------------------------------------------------------------------


def build_naive_keras(spec: KarpathySpec) -> keras.Model:
    """The model as a user would write it by hand: TimeDistributed, Lambda slicing, tf.nn LRN.

    Layer names match the zoo's for the layers with weights, so :func:`copy_weights_to_naive`
    can copy them across.

    Example:
    >>> zoo = create_model("late_fusion_tiny")
    >>> build_naive_keras(spec_of(zoo)).count_params() == zoo.count_params()
    True
    """
    frames, height, width, _ = spec.clip_shape
    inputs = keras.Input(shape=spec.clip_shape, name="clip")
    x = keras.layers.Rescaling(spec.scale, offset=spec.offset, name="preprocess")(inputs)
    if not spec.multires:
        features = _naive_stream(spec, x, "", pool5=True)
    else:
        top, left = height // 4, width // 4
        fovea = keras.layers.Lambda(lambda c: c[:, :, top : top + height // 2, left : left + width // 2, :])(x)

        def context_resize(c):
            folded = tf.reshape(c, (-1, height, width, c.shape[-1]))
            resized = tf.image.resize(folded, (height // 2, width // 2), method="area")
            return tf.reshape(resized, (-1, frames, height // 2, width // 2, c.shape[-1]))

        context = keras.layers.Lambda(context_resize)(x)
        views = [_naive_stream(spec, fovea, "fovea_", pool5=False), _naive_stream(spec, context, "context_", False)]
        features = keras.layers.Concatenate(name="fovea_context")(views)
    x = keras.layers.Flatten(name="flatten")(features)
    for units, name in zip(spec.fc_units, ("fc6", "fc7"), strict=True):
        x = keras.layers.Dropout(spec.dropout)(x)
        x = keras.layers.Dense(units, activation="relu", name=name)(x)
    x = keras.layers.Dropout(spec.dropout)(x)
    outputs = keras.layers.Dense(spec.num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"naive_{spec.family}")


def _per_frame(layer: keras.layers.Layer, x):
    """``layer`` on each frame when ``x`` still has a time axis (TimeDistributed), else directly."""
    return keras.layers.TimeDistributed(layer)(x) if len(x.shape) == 5 else layer(x)


def _naive_lrn(beta: float) -> keras.layers.Layer:
    return keras.layers.Lambda(
        lambda x: tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=beta)
    )


def _stack_steps(clip, start: int, kernel: int):
    """Time steps ``start .. start + kernel - 1`` stacked on the channel axis, frame-major."""
    return tf.concat([clip[:, start + t] for t in range(kernel)], -1)


def _naive_stream(spec: KarpathySpec, clip, prefix: str, pool5: bool):
    frames, channels = clip.shape[1], clip.shape[-1]
    if spec.family == "single_frame":
        x = keras.layers.Lambda(lambda c: c[:, 0])(clip)
    elif spec.family == "early_fusion":
        x = keras.layers.Lambda(
            lambda c: tf.reshape(tf.transpose(c, (0, 2, 3, 1, 4)), (-1, *c.shape[2:4], frames * channels))
        )(clip)
    elif spec.family == "late_fusion":
        x = keras.layers.Lambda(lambda c: tf.stack([c[:, 0], c[:, frames - 1]], axis=1))(clip)
    else:
        x = clip
    for index in range(5):
        filters, kernel, stride = spec.filters[index], KERNELS[index], STRIDES[index]
        name = f"{prefix}conv{index + 1}"
        if index < len(spec.temporal_kernels):
            # Slow fusion by hand: slice overlapping windows of time steps, stack each window's steps on the
            # channel axis, run one shared Conv2D on every window, and stack the results back into time.
            conv = keras.layers.Conv2D(filters, kernel, stride, padding="same", activation="relu", name=name)
            t_kernel, t_stride = spec.temporal_kernels[index], spec.temporal_strides[index]
            outputs = [
                conv(
                    keras.layers.Lambda(lambda c, s=start, k=t_kernel: tf.concat([c[:, s + t] for t in range(k)], -1))(
                        x
                    )
                )
                for start in _windows(x.shape[1], t_kernel, t_stride)
            ]
            x = outputs[0] if len(outputs) == 1 else keras.layers.Lambda(lambda maps: tf.stack(maps, 1))(outputs)
        else:
            conv = keras.layers.Conv2D(filters, kernel, stride, padding="same", activation="relu", name=name)
            x = _per_frame(conv, x)
        if index < 2:
            x = _per_frame(_naive_lrn(spec.lrn_beta), x)
        if index < 2 or (index == 4 and pool5):
            x = _per_frame(keras.layers.MaxPooling2D(2), x)
    if spec.family == "late_fusion":  # the two frames' maps side by side on channels, frame-major
        x = keras.layers.Lambda(lambda maps: tf.concat([maps[:, 0], maps[:, 1]], -1))(x)
    return x


def copy_weights_to_naive(zoo: keras.Model, naive: keras.Model) -> None:
    """Copies every zoo layer's weights to the naive layer of the same name.

    A slow-fusion Conv3D kernel (t, h, w, c, f) becomes the naive window Conv2D's
    (h, w, t * c, f): the window's time steps are stacked frame-major on channels.
    """
    for layer in naive.layers:
        if isinstance(layer, keras.layers.TimeDistributed):
            layer = layer.layer
        if not layer.weights:
            continue
        kernel, *rest = zoo.get_layer(layer.name).get_weights()
        if kernel.ndim == 5:
            t, h, w, c, f = kernel.shape
            kernel = kernel.transpose(1, 2, 0, 3, 4).reshape(h, w, t * c, f)
        layer.set_weights([kernel, *rest])


# ---------------------------------------------------------------------------------------------
# 2. The PyTorch build
# ---------------------------------------------------------------------------------------------


def build_torch(spec: KarpathySpec):
    """The model in PyTorch eager mode: torch.nn layers, channels-first, same parameters.

    Takes (batch, T, H, W, 3) uint8 clips like the zoo model and returns logits
    (softmax belongs in the loss); ``flatten`` uses the zoo's channels-last order so
    that copied fc6 weights line up.
    """
    nn = torch.nn
    functional = torch.nn.functional

    class SamePadConv(nn.Module):
        """A Conv2d/Conv3d with TensorFlow's 'same' padding in space (extra pixel after), valid in time."""

        def __init__(self, in_channels, filters, kernel, stride, t_kernel=None, t_stride=1, size=(1, 1)):
            super().__init__()
            self.pad = [p for axis in (1, 0) for p in same_padding(size[axis], kernel, stride)]
            if t_kernel is None:
                self.conv = nn.Conv2d(in_channels, filters, kernel, stride)
            else:
                self.pad += [0, 0]
                self.conv = nn.Conv3d(in_channels, filters, (t_kernel, kernel, kernel), (t_stride, stride, stride))

        def forward(self, x):
            return functional.relu(self.conv(functional.pad(x, self.pad)))

    class Tower(nn.Module):
        def __init__(self, in_channels: int, size: tuple[int, int], pool5: bool):
            super().__init__()
            self.convs = nn.ModuleList()
            self.temporal = len(spec.temporal_kernels)
            for index in range(5):
                kernel, stride = KERNELS[index], STRIDES[index]
                t_kernel = spec.temporal_kernels[index] if index < self.temporal else None
                t_stride = spec.temporal_strides[index] if index < self.temporal else 1
                self.convs.append(
                    SamePadConv(in_channels, spec.filters[index], kernel, stride, t_kernel, t_stride, size)
                )
                in_channels = spec.filters[index]
                size = tuple(math.ceil(s / stride) for s in size)
                if index < 2:
                    size = tuple(s // 2 for s in size)
            # Karpathy's alpha is not divided by n; torch's is.
            self.lrn = nn.LocalResponseNorm(5, alpha=5 * 1e-4, beta=spec.lrn_beta, k=2.0)
            self.pool5 = pool5

        def forward(self, x):
            for index, conv in enumerate(self.convs):
                x = conv(x)
                if index + 1 == self.temporal:
                    x = x.squeeze(2)  # time fully fused
                if index < 2:
                    x = self.lrn(x)
                if index < 2 or (index == 4 and self.pool5):
                    x = functional.max_pool3d(x, (1, 2, 2)) if x.dim() == 5 else functional.max_pool2d(x, 2)
            return x

    class KarpathyTorch(nn.Module):
        def __init__(self):
            super().__init__()
            frames, height, width, channels = spec.clip_shape
            size = (height // 2, width // 2) if spec.multires else (height, width)
            in_channels = frames * channels if spec.family == "early_fusion" else channels
            streams = ("fovea_", "context_") if spec.multires else ("",)
            self.towers = nn.ModuleDict(
                {name or "full": Tower(in_channels, size, not spec.multires) for name in streams}
            )
            with torch.no_grad():
                probe = torch.zeros(1, *spec.clip_shape, dtype=torch.uint8)
                flat = self.features(probe).shape[1]
            self.fc6 = nn.Linear(flat, spec.fc_units[0])
            self.fc7 = nn.Linear(spec.fc_units[0], spec.fc_units[1])
            self.predictions = nn.Linear(spec.fc_units[1], spec.num_classes)
            self.dropout = nn.Dropout(spec.dropout)

        def stream(self, tower, x):  # x: (N, T, C, H, W) float
            batch, frames = x.shape[:2]
            if spec.family == "single_frame":
                return tower(x[:, 0])
            if spec.family == "early_fusion":
                return tower(x.reshape(batch, -1, *x.shape[3:]))  # channel t * C + c
            if spec.family == "late_fusion":
                pair = x[:, [0, frames - 1]].reshape(batch * 2, *x.shape[2:])
                maps = tower(pair)
                return maps.reshape(batch, -1, *maps.shape[2:])  # frame-major channels
            return tower(x.transpose(1, 2))  # (N, C, T, H, W) for Conv3d

        def features(self, clips):
            x = clips.float() * spec.scale + spec.offset
            x = x.permute(0, 1, 4, 2, 3)  # (N, T, C, H, W)
            if not spec.multires:
                maps = self.stream(self.towers["full"], x)
            else:
                height, width = x.shape[-2:]
                top, left = height // 4, width // 4
                fovea = x[..., top : top + height // 2, left : left + width // 2]
                folded = x.reshape(-1, *x.shape[2:])
                context = functional.interpolate(folded, size=(height // 2, width // 2), mode="area")
                context = context.reshape(*x.shape[:3], *context.shape[-2:])
                maps = torch.cat(
                    [self.stream(self.towers["fovea_"], fovea), self.stream(self.towers["context_"], context)], 1
                )
            return maps.permute(0, 2, 3, 1).flatten(1)  # channels-last order, as Keras flattens

        def forward(self, clips):
            x = self.dropout(self.features(clips))
            x = self.dropout(functional.relu(self.fc6(x)))
            x = self.dropout(functional.relu(self.fc7(x)))
            return self.predictions(x)

    return KarpathyTorch()


def torch_params(module) -> int:
    """Parameters of a torch module (Keras' ``count_params``)."""
    return sum(parameter.numel() for parameter in module.parameters())


def copy_weights_to_torch(zoo: keras.Model, module) -> None:
    """Copies the zoo model's conv and dense weights into :func:`build_torch`'s module."""
    targets = {"fc6": module.fc6, "fc7": module.fc7, "predictions": module.predictions}
    for stream, tower in module.towers.items():
        prefix = "" if stream == "full" else stream
        for index, conv in enumerate(tower.convs):
            targets[f"{prefix}conv{index + 1}"] = conv.conv
    with torch.no_grad():
        for name, target in targets.items():
            kernel, bias = zoo.get_layer(name).get_weights()
            # Keras kernels end in (in, out); torch's start with (out, in).
            order = (kernel.ndim - 1, kernel.ndim - 2, *range(kernel.ndim - 2))
            target.weight.copy_(torch.from_numpy(kernel.transpose(order).copy()))
            target.bias.copy_(torch.from_numpy(bias))


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def interleaved_times(
    steps: dict[str, Callable[[], object]], warmup: int, rounds: int, round_seconds: float = 0.25, most: int = 10
) -> dict[str, dict[str, float]]:
    """Median and least seconds per call of each step, timed in rounds that take the steps in turn.

    In each round a step runs as many calls as fit in ``round_seconds`` (judged from its last warm-up
    call; 1 to ``most``), so fast steps get many samples and a pathologically slow one (XLA's CPU
    Conv3D) does not dominate the run; taking the steps in turn, in a new order each round, spreads
    other load on the machine, and what each step leaves behind, over all of them alike.

    Example:
    >>> times = interleaved_times({"sleep": lambda: time.sleep(0.001)}, warmup=1, rounds=2)
    >>> 0.001 <= times["sleep"]["min"] <= times["sleep"]["median"] < 0.1, times["sleep"]["calls"] > 2
    (True, True)
    """
    calls = {}
    for name, step in steps.items():
        seconds = 0.0
        for _ in range(warmup):
            start = time.perf_counter()
            step()
            seconds = time.perf_counter() - start
        calls[name] = max(1, min(most, int(round_seconds / max(seconds, 1e-6))))
    times = {name: [] for name in steps}
    shuffle = random.Random(0)
    for _ in range(rounds):
        # Each round takes the steps in a new order, and a step's first call after another's goes untimed
        # where it has calls to spare: a step taken straight after PyTorch's training step ran up to 1.4x
        # slower than the same model elsewhere (measured), and in a fixed order that was always the zoo's
        # inference.
        for name in shuffle.sample(list(steps), len(steps)):
            step = steps[name]
            if calls[name] > 1:
                step()
            for _ in range(calls[name]):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {
        name: {"median": statistics.median(values), "min": min(values), "calls": len(values)}
        for name, values in times.items()
    }


def _keras_steps(model: keras.Model, clips, labels, jit: bool) -> tuple[Callable, Callable]:
    """Inference and SGD training-step callables of a Keras model (with XLA when ``jit``)."""
    model.compile(
        optimizer=keras.optimizers.SGD(1e-3, momentum=0.9), loss="sparse_categorical_crossentropy", jit_compile=jit
    )
    return (lambda: model.predict_on_batch(clips)), (lambda: model.train_on_batch(clips, labels))


def _torch_steps(module, clips, labels) -> tuple[Callable, Callable]:
    """The same two callables in PyTorch: softmax scores without autograd, and one SGD step."""
    optimizer = torch.optim.SGD(module.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def infer():
        module.eval()
        with torch.inference_mode():
            return torch.softmax(module(torch.from_numpy(clips)), -1).numpy()

    def train():
        module.train()
        optimizer.zero_grad()
        loss = loss_fn(module(torch.from_numpy(clips)), torch.from_numpy(labels))
        loss.backward()
        optimizer.step()
        return loss.item()

    return infer, train


def compare_model(name: str, build: Callable[[], keras.Model], batch: int, warmup: int, rounds: int) -> dict:
    """Zoo vs naive Keras (graph and XLA) vs PyTorch on one model: clips/s and output agreement.

    ``build`` makes the zoo model; each Keras variant gets its own instance (one compile each), with the
    first zoo instance's weights, so that the outputs can be compared.
    """
    zoo = build()
    spec = spec_of(zoo)
    params = zoo.count_params()
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, (batch, *spec.clip_shape), dtype=np.uint8)
    labels = rng.integers(0, spec.num_classes, batch)
    reference = zoo.predict_on_batch(clips)
    result = {
        "model": name,
        "input": list(spec.clip_shape),
        "params": params,
        "gflops_per_clip": count_flops(zoo) / 1e9,
        "batch": batch,
    }
    steps = {}
    # "naive_again" is a second, identical naive build: how far two copies of one model differ in this
    # run (the A/A spread), to tell a real difference from the machine's noise.
    for key in ("zoo", "zoo_xla", "naive", "naive_again", "naive_xla"):
        if key.startswith("zoo"):
            model = zoo if key == "zoo" else build()
            model.set_weights(zoo.get_weights())
        else:
            model = build_naive_keras(spec)
            assert model.count_params() == params, f"{name}: naive Keras has {model.count_params():,} != {params:,}"
            copy_weights_to_naive(zoo, model)
            result[f"{key}_max_abs_diff"] = float(np.abs(model.predict_on_batch(clips) - reference).max())
            assert result[f"{key}_max_abs_diff"] < 1e-4, f"{name}: the naive Keras build computes another function"
        infer, train = _keras_steps(model, clips, labels, jit=key.endswith("xla"))
        try:
            infer()  # compiles: XLA has no kernel for some ops (ResizeArea)
        except tf.errors.OpError as error:
            missing = re.search(r"No registered '(\w+)' OpKernel for (\w+)", str(error))
            reason = f"no {missing[1]} kernel for {missing[2]}" if missing else type(error).__name__
            result.setdefault("unsupported", {})[key] = reason
            print(f"{name}: {key} does not compile: {reason}", file=sys.stderr)
            continue
        steps[f"{key}/infer"], steps[f"{key}/train"] = infer, train
    if torch is not None:
        module = build_torch(spec)
        assert torch_params(module) == params, f"{name}: PyTorch has {torch_params(module):,} != {params:,} params"
        copy_weights_to_torch(zoo, module)
        infer, train = _torch_steps(module, clips, labels.astype(np.int64))
        result["torch_max_abs_diff"] = float(np.abs(infer() - reference).max())
        assert result["torch_max_abs_diff"] < 1e-4, f"{name}: the PyTorch build computes another function"
        steps["torch/infer"], steps["torch/train"] = infer, train
    times = interleaved_times(steps, warmup, rounds)
    result["clips_per_s"] = {key: batch / t["median"] for key, t in times.items()}  # the table's measure
    result["best_clips_per_s"] = {key: batch / t["min"] for key, t in times.items()}
    result["timed_steps"] = {key: t["calls"] for key, t in times.items()}
    keras.backend.clear_session(free_memory=True)
    return result


# ---------------------------------------------------------------------------------------------
# 3. Input pipeline vs a Python generator over OpenCV
# ---------------------------------------------------------------------------------------------


def opencv_generator(
    paths: list[str], labels: list[int], clip_frames: int, crop: int, resize: int, augment: bool, seed: int
) -> Iterator[tuple[np.ndarray, int]]:
    """What video tutorials write: open each video with cv2, read up to the clip's end, crop and flip in numpy.

    Augmentation follows ClipAugmentation: centre square, resize to ``resize``, random ``crop`` square, flip.
    """
    rng = np.random.default_rng(seed)
    for index in rng.permutation(len(paths)):
        capture = cv2.VideoCapture(paths[index])
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        start = int(rng.integers(0, max(count - clip_frames, 0) + 1))
        frames = []
        for position in range(start + clip_frames):
            ok, frame = capture.read()
            if not ok:
                break
            if position >= start:
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        capture.release()
        while len(frames) < clip_frames:  # a short video: repeat its last frame
            frames.append(frames[-1])
        clip = np.stack(frames)
        if augment:
            height, width = clip.shape[1:3]
            side = min(height, width)
            top, left = (height - side) // 2, (width - side) // 2
            clip = np.stack([cv2.resize(f[top : top + side, left : left + side], (resize, resize)) for f in clip])
            y, x = rng.integers(0, resize - crop + 1, 2)
            clip = clip[:, y : y + crop, x : x + crop]
            if rng.random() < 0.5:
                clip = clip[:, :, ::-1]
        yield np.ascontiguousarray(clip), labels[index]


def generator_dataset(paths, labels, clip_frames, frame_shape, batch, crop, resize, augment, seed) -> tf.data.Dataset:
    """The generator wrapped with ``tf.data.Dataset.from_generator``, batched and prefetched."""
    shape = (clip_frames, crop, crop, 3) if augment else (clip_frames, *frame_shape, 3)
    return (
        tf.data.Dataset.from_generator(
            lambda: opencv_generator(paths, labels, clip_frames, crop, resize, augment, seed),
            output_signature=(tf.TensorSpec(shape, tf.uint8), tf.TensorSpec((), tf.int64)),
        )
        .batch(batch)
        .prefetch(tf.data.AUTOTUNE)
    )


def compare_pipelines(videos_per_class: int, rounds: int, batch: int, workers: int) -> tuple[list[dict], dict]:
    """clips/s of decode-only, the zoo's pipeline and the OpenCV generator, in interleaved epochs."""
    from pipeline import decode_only_epoch, pipeline_epoch  # benchmarks/pipeline.py

    from keras_video_zoo.data.geometry import FrameGeometry
    from keras_video_zoo.data.layouts import ucf101
    from keras_video_zoo.data.pipelines import training_dataset
    from keras_video_zoo.data.sampling import TrainingClips
    from keras_video_zoo.data.sources import VideoFiles
    from keras_video_zoo.data.synthetic_dataset import generate_dataset
    from keras_video_zoo.layers.clip_augmentation import ClipAugmentation

    height, width, frames, clip_frames, crop = 240, 320, 100, 10, 170
    resize = round(crop * 200 / 170)
    data = Path(tempfile.gettempdir()) / f"kvz-bench-videos-{height}x{width}-{frames}"
    root = generate_dataset(data, kind="source", videos_per_class=6, size=(height, width), frames=frames)
    dataset = ucf101(root, split=1, subset="all")
    per_class: dict[int, int] = {}
    keep = []  # --quick uses fewer videos of each class
    for record in dataset.records:
        per_class[record.label] = per_class.get(record.label, 0) + 1
        if per_class[record.label] <= videos_per_class:
            keep.append(record)
    dataset = type(dataset)(keep, dataset.class_names) if len(keep) < len(dataset.records) else dataset
    paths, labels = [r.path for r in dataset.records], [r.label for r in dataset.records]
    sampler = TrainingClips(frames=clip_frames)
    layer = ClipAugmentation(crop, resize, seed=0)
    augment = tf.function(lambda clips: tf.reduce_sum(layer(clips, training=True)[:, 0, 0, 0]))
    geometry = FrameGeometry.square_of(resize)  # the zoo ships frames fitted to the crop's pipeline square
    zoo = training_dataset(VideoFiles(dataset, geometry), sampler, batch_size=batch, parallel_videos=workers, seed=0)
    paths_to_time = {
        "decode only (read_frames, threads)": None,
        "zoo: videos -> uint8 batches (tf.data)": (zoo, None),
        "zoo: videos -> augmented batches": (zoo, augment),
        "generator: cv2 -> uint8 batches (from_generator)": (
            generator_dataset(paths, labels, clip_frames, (height, width), batch, crop, resize, False, 0),
            None,
        ),
        "generator: cv2 -> numpy-augmented batches": (
            generator_dataset(paths, labels, clip_frames, (height, width), batch, crop, resize, True, 0),
            None,
        ),
    }
    rates = {name: [] for name in paths_to_time}
    with ThreadPoolExecutor(workers) as pool:
        for round_index in range(rounds + 1):  # round 0 warms up
            for name, path in paths_to_time.items():
                rate = (
                    decode_only_epoch(dataset, sampler, geometry, pool, round_index)
                    if path is None
                    else pipeline_epoch(*path)
                )
                if round_index:
                    rates[name].append(rate)
    # As benchmarks/pipeline.py: the best epoch is the least disturbed by other load; the median is shown too.
    decode = max(rates["decode only (read_frames, threads)"])
    results = [
        {
            "path": name,
            "clips_per_s": max(values),
            "median_clips_per_s": statistics.median(values),
            "vs_decode_only": max(values) / decode,
        }
        for name, values in rates.items()
    ]
    meta = {"videos": len(dataset), "size": [height, width], "video_frames": frames, "clip_frames": clip_frames}
    return results, {**meta, "batch": batch, "workers": workers, "rounds": rounds, "crop": crop}


# ---------------------------------------------------------------------------------------------
# 4. Peak GFLOP/s
# ---------------------------------------------------------------------------------------------


def measure_peaks(repeats: int, size: int) -> dict:
    """GFLOP/s of a float32 ``size``-square matmul and a 3x3 conv (TF, and torch when installed)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(2))
    images = rng.standard_normal((8, 56, 56, 128), dtype=np.float32)
    kernel = rng.standard_normal((3, 3, 128, 128), dtype=np.float32)
    matmul_flops = 2 * size**3
    conv_flops = 2 * 8 * 56 * 56 * 128 * 128 * 9
    ta, tb, timages, tkernel = (tf.constant(v) for v in (a, b, images, kernel))
    tf_matmul = tf.function(lambda: tf.reduce_sum(tf.matmul(ta, tb)))
    tf_conv = tf.function(lambda: tf.reduce_sum(tf.nn.conv2d(timages, tkernel, 1, "SAME")))
    steps = {"tensorflow matmul": lambda: tf_matmul().numpy(), "tensorflow conv": lambda: tf_conv().numpy()}
    if torch is not None:
        pa, pb = torch.from_numpy(a), torch.from_numpy(b)
        pimages = torch.from_numpy(images.transpose(0, 3, 1, 2).copy())
        pkernel = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
        with torch.inference_mode():
            steps["torch matmul"] = lambda: (pa @ pb).sum().item()
            steps["torch conv"] = lambda: torch.nn.functional.conv2d(pimages, pkernel, padding=1).sum().item()
            times = interleaved_times(steps, 1, repeats, round_seconds=0.0)
    else:
        times = interleaved_times(steps, 1, repeats, round_seconds=0.0)
    # The peak is the least disturbed (fastest) call.
    return {name: (matmul_flops if "matmul" in name else conv_flops) / t["min"] / 1e9 for name, t in times.items()}


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def machine_description() -> dict:
    """CPU model, cores, GPUs and library versions, for the results' header."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpus = tf.config.list_physical_devices("GPU")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "isa": cpu_vector_isa(),
        "onednn": tensorflow_onednn_enabled(),
        "onednn_max_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "gpus": len(gpus),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "torch": torch.__version__ if torch is not None else None,
    }


def _rate(result: dict, key: str) -> float | None:
    return result["clips_per_s"].get(key)


def _fmt(value: float | None, spec: str = ".1f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def _ratio(result: dict, numerator: str, denominator: str) -> float | None:
    top, bottom = _rate(result, numerator), _rate(result, denominator)
    return None if top is None or bottom is None else top / bottom


def _speedups(result: dict, other: str, of: str = "zoo") -> str:
    """``of clips/s / other clips/s`` for inference and training, e.g. ``1.20x / 1.05x``."""
    if other in result.get("unsupported", {}):
        return f"fails: {result['unsupported'][other]}"
    infer = _fmt(_ratio(result, f"{of}/infer", f"{other}/infer"), ".2f", "x")
    return f"{infer} / {_fmt(_ratio(result, f'{of}/train', f'{other}/train'), '.2f', 'x')}"


def to_markdown(models: list[dict], pipelines: list[dict], peaks: dict, meta: dict) -> str:
    m = meta["machine"]
    header = (
        f"Measured {meta['date']} on {m['cpu']} ({m['cores']} cores, {m['isa']}, TensorFlow's oneDNN "
        f"{'on' if m['onednn'] else 'off'}"
        + (f" capped at {m['onednn_max_isa']}" if m["onednn_max_isa"] else "")
        + f", {'no GPU' if not m['gpus'] else 'GPU'}), "
        f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, "
        + (
            f"PyTorch {m['torch']} ({meta['torch_threads']} threads as TensorFlow, "
            f"OMP_WAIT_POLICY={meta['omp_wait_policy']})"
            if m["torch"]
            else "no PyTorch"
        )
        + f"; batch {meta['batch']}; each figure is the median step time over {meta['rounds']} interleaved rounds "
        f"(up to 10 steps a round, 1 for steps over 0.25 s) after {meta['warmup']} warm-up steps. "
        "Regenerate with `python benchmarks/alternatives.py --update-readme`."
    )
    speed_columns = [
        "model",
        "params",
        "GFLOPs/clip",
        "zoo clips/s (infer / train)",
        "zoo ÷ naive Keras",
        "naive ÷ naive again (A/A)",
        "zoo ÷ naive Keras + XLA",
        "zoo + XLA ÷ zoo",
        "zoo ÷ PyTorch eager",
        "zoo train GFLOP/s (% of TF conv peak)",
    ]
    conv_peak = peaks.get("tensorflow conv")
    rows = []
    for r in models:
        train_gflops = 3 * r["gflops_per_clip"] * _rate(r, "zoo/train")
        if "zoo_xla" in r.get("unsupported", {}):
            xla_gain = f"fails: {r['unsupported']['zoo_xla']}"
        else:
            xla_gain = f"{_fmt(_ratio(r, 'zoo_xla/infer', 'zoo/infer'), '.2f', 'x')} / "
            xla_gain += _fmt(_ratio(r, "zoo_xla/train", "zoo/train"), ".2f", "x")
        rows.append(
            [
                r["model"],
                f"{r['params']:,}",
                f"{r['gflops_per_clip']:.3f}",
                f"{_rate(r, 'zoo/infer'):.0f} / {_rate(r, 'zoo/train'):.0f}",
                _speedups(r, "naive"),
                _speedups(r, "naive_again", of="naive") if "naive_again/infer" in r["clips_per_s"] else "–",
                _speedups(r, "naive_xla"),
                xla_gain,
                _speedups(r, "torch") if "torch/infer" in r["clips_per_s"] else "– (no PyTorch)",
                f"{train_gflops:.1f} ({100 * train_gflops / conv_peak:.0f}%)" if conv_peak else f"{train_gflops:.1f}",
            ]
        )
    speed = markdown_table(speed_columns, rows)
    peak_rows = [[name, f"{value:.1f}"] for name, value in peaks.items()]
    peak_table = markdown_table(["peak (float32)", "GFLOP/s"], peak_rows)
    legend = (
        "Models: clips/s of the zoo model divided by clips/s of the same architecture written another way, "
        "inference / training step (> 1: the zoo is faster). Naive Keras: TimeDistributed per-frame layers, "
        "Lambda slicing at the fusion points, `tf.nn.local_response_normalization` in a Lambda; XLA: "
        "`compile(jit_compile=True)`. Same parameter count in every build (asserted) and the same outputs "
        "with copied weights (checked). A/A: a second naive build timed alongside, divided into the first: "
        "how far two copies of one model differ in this run, so a zoo ratio that far from 1 is a tie."
    )
    sections = [header, legend, speed]
    sections += ["Measured peak of this machine:", peak_table]
    if pipelines:
        p = meta["pipeline"]
        pipe_rows = [
            [r["path"], f"{r['clips_per_s']:.1f}", f"{r['median_clips_per_s']:.1f}", f"{r['vs_decode_only']:.2f}"]
            for r in pipelines
        ]
        sections += [
            f"Input pipeline: {p['videos']} generated XviD videos of {p['video_frames']} frames at "
            f"{p['size'][0]}x{p['size'][1]}, one random {p['clip_frames']}-frame clip per video, batch {p['batch']}, "
            f"{p['workers']} workers, crops to {p['crop']}x{p['crop']}; best and median of {p['rounds']} epochs per "
            "path, taken in turn after a warm-up epoch. The generator reads one video at a time in Python; the zoo's "
            "augmentation runs as a training step's first layer would (here on the same CPU).",
            markdown_table(["path", "clips/s (best)", "clips/s (median)", "best vs decode only"], pipe_rows),
        ]
    return "\n\n".join(sections) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two tiny models, fewer steps and videos (~2 minutes)")
    parser.add_argument("--batch", type=int, default=8, help="clips per step")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the input-pipeline comparison")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "alternatives")
    parser.add_argument("--update-readme", action="store_true", help="replace the README's alternatives section")
    args = parser.parse_args()

    warmup, rounds = (2, 3) if args.quick else (2, 6)
    tf_threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    if torch is None:
        print(
            "PyTorch is not installed: skipping the PyTorch columns (pip install torch==2.13.0 to add them).",
            file=sys.stderr,
        )
    else:
        torch.set_num_threads(tf_threads)
        print(f"PyTorch uses {tf_threads} threads, as many as TensorFlow's intra-op pool.", file=sys.stderr)

    started = time.perf_counter()
    peaks = measure_peaks(repeats=3 if args.quick else 5, size=1024 if args.quick else 2048)
    print("peaks (GFLOP/s):", {k: round(v, 1) for k, v in peaks.items()}, file=sys.stderr, flush=True)

    names = ("single_frame_tiny", "slow_fusion_tiny") if args.quick else TINY_MODELS
    cases = [(name, lambda name=name: create_model(name)) for name in names]
    if not args.quick:
        cases.append((MULTIRES_MODEL, lambda: create_model(MULTIRES_MODEL)))
        label, family, kwargs = MID_MODEL
        cases.append((label, lambda: create_model(family, input_shape=MID_INPUT, **kwargs)))
    models = []
    for name, build in cases:
        r = compare_model(name, build, args.batch, warmup, rounds)
        models.append(r)
        rates = "  ".join(f"{key} {value:7.1f}" for key, value in r["clips_per_s"].items())
        print(f"{name:28s} {rates}", file=sys.stderr, flush=True)

    pipelines, pipeline_meta = [], None
    if not args.no_pipeline:
        pipelines, pipeline_meta = compare_pipelines(
            videos_per_class=2 if args.quick else 6, rounds=1 if args.quick else 3, batch=16, workers=2
        )
        for r in pipelines:
            print(f"{r['path']:50s} {r['clips_per_s']:7.1f} clips/s", file=sys.stderr, flush=True)

    meta = {
        "date": datetime.date.today().isoformat(),
        "machine": machine_description(),
        "torch_threads": tf_threads if torch is not None else None,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "batch": args.batch,
        "warmup": warmup,
        "rounds": rounds,
        "quick": args.quick,
        "pipeline": pipeline_meta,
        "seconds": round(time.perf_counter() - started),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "peaks_gflops_per_s": peaks, "models": models, "pipelines": pipelines}
    args.output.with_suffix(".json").write_text(json.dumps(document, indent=2) + "\n")
    section = to_markdown(models, pipelines, peaks, meta)
    args.output.with_suffix(".md").write_text(section)
    print(section)
    if args.update_readme:
        replace_marked_section(ROOT / "README.md", README_MARKERS, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
