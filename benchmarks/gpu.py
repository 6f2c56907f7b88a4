"""Training speed on an accelerator: paper-size models, float32 and mixed_float16, XLA on and off.

One command that is meant to finish within 8 minutes on one GPU:

- **Models**: paper-size slow fusion, single-frame, single-frame multires, the spatial stream
  and the temporal stream (``--smoke``: their tiny variants, for a CPU check).
- **Configurations**: float32 and ``mixed_float16``, each with XLA off and on
  (``jit_compile``); batch 32 (``--batch``); every step starts from uint8 clips already on the
  device and augments them there (``with_augmentation``: random crop and flip as the model's first
  layer), as ``kvz train`` does.
- **Measure**: training clips/s, the median over ``--steps`` timed steps after warm-up (the first
  steps compile); a configuration that fails (out of memory, an op XLA lacks) is reported with its
  error, not hidden.
- **Is the GPU fed?** slow fusion trained from real decoding: ``training_dataset`` over generated
  videos, timing how long each step waits for its batch (input-wait share = wait / (wait + step)),
  with GPU utilisation sampled from ``nvidia-smi`` where it exists.
- **Budget**: ``--max-seconds`` (default 420): configurations not started by then are listed as
  skipped for time, so the run ends with its table.

Run:
    python benchmarks/gpu.py                    # on a GPU machine: paper-size models (about 7 minutes)
    python benchmarks/gpu.py --smoke            # tiny models on any machine: the CPU check the tests run
    python benchmarks/gpu.py --update-readme    # also refresh README.md

Results go to benchmarks/results/gpu.json and gpu.md (``--results-dir`` elsewhere).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import experiments as ex
import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.layouts import ucf101
from keras_video_zoo.data.pipelines import training_dataset
from keras_video_zoo.data.sampling import TrainingClips
from keras_video_zoo.data.sources import VideoFiles
from keras_video_zoo.data.synthetic_dataset import generate_dataset
from keras_video_zoo.markdown import markdown_table
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_augmentation

MODELS = ("slow_fusion", "single_frame", "single_frame_multires", "spatial_stream", "temporal_stream")
CONFIGURATIONS = [("float32", False), ("float32", True), ("mixed_float16", False), ("mixed_float16", True)]


def gpu_name() -> str | None:
    devices = tf.config.list_physical_devices("GPU")
    if not devices:
        return None
    return tf.config.experimental.get_device_details(devices[0]).get("device_name", devices[0].name)


class UtilisationSampler:
    """GPU utilisation (%) from ``nvidia-smi``, sampled in a thread while a block runs (None without one)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.samples = interval, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True) if shutil.which("nvidia-smi") else None

    def _run(self) -> None:
        query = ["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "--id=0"]
        while not self._stop.is_set():
            try:
                self.samples.append(float(subprocess.run(query, capture_output=True, text=True, timeout=5).stdout))
            except (ValueError, subprocess.SubprocessError):
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> UtilisationSampler:
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def mean(self) -> float | None:
        return statistics.mean(self.samples) if self.samples else None


def training_model(name: str, smoke: bool, jit: bool) -> keras.Model:
    """``name`` (or its tiny variant) behind on-device augmentation, compiled for training."""
    network = create_model(f"{name}_tiny" if smoke else name)
    flow = "uint8" if network.inputs[0].shape[-1] == 2 else None  # stored flow: uint8, 128 = no motion
    model = with_augmentation(network, flow=flow, seed=0)
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy", jit_compile=jit)
    return model


def clips_for(model: keras.Model, batch: int, rng: np.random.Generator) -> tuple[tf.Tensor, tf.Tensor]:
    """uint8 clips at the pipeline's size and labels, placed on the device once."""
    network = model.layers[-1]
    frames, _, _, channels = network.inputs[0].shape[1:]
    side = pipeline_size(network)
    clips = rng.integers(0, 256, (batch, frames, side, side, channels), dtype=np.uint8)
    if channels == 2:  # flow as it is stored: small motions around 128
        clips = np.clip(rng.normal(128, 8, clips.shape), 0, 255).astype(np.uint8)
    labels = rng.integers(0, network.outputs[0].shape[-1], batch)
    return tf.constant(clips), tf.constant(labels)


def time_training(model: keras.Model, clips, labels, warmup: int, steps: int) -> dict:
    started = time.perf_counter()
    for _ in range(warmup):
        model.train_on_batch(clips, labels)  # compiles
    first = time.perf_counter() - started
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        loss = model.train_on_batch(clips, labels)
        times.append(time.perf_counter() - start)
    if not np.isfinite(loss):
        raise FloatingPointError(f"the loss is {loss}")
    median = statistics.median(times)
    return {
        "clips_per_s": round(int(clips.shape[0]) / median, 1),
        "step_ms": round(median * 1e3, 2),
        "warmup_s": round(first, 1),
    }


def measure_configuration(name: str, policy: str, jit: bool, args) -> dict:
    row = {"model": f"{name}_tiny" if args.smoke else name, "policy": policy, "xla": jit}
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = training_model(name, args.smoke, jit)
        clips, labels = clips_for(model, args.batch, np.random.default_rng(0))
        row |= time_training(model, clips, labels, args.warmup, args.steps)
    except (tf.errors.OpError, ValueError, FloatingPointError, RuntimeError) as error:
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
    finally:
        keras.mixed_precision.set_global_policy("float32")
        keras.backend.clear_session(free_memory=True)
    return row


def input_pipeline_check(args, work: Path) -> dict:
    """Slow fusion fed by decoding generated videos: how long each step waits for its batch."""
    name = "slow_fusion"
    model = training_model(name, args.smoke, jit=False)
    network = model.layers[-1]
    size = (64, 80) if args.smoke else (240, 320)  # UCF-101's frames, at paper size
    root = generate_dataset(work / "videos", videos_per_class=2 if args.smoke else 8, size=size, frames=30)
    source = VideoFiles(ucf101(root, 1, "train"), FrameGeometry.square_of(pipeline_size(network)))
    frames = network.inputs[0].shape[1]
    sampler = TrainingClips(frames=frames)  # full batches only: a short last batch would retrace the step
    batches = training_dataset(source, sampler, batch_size=args.batch, seed=0, drop_remainder=True).repeat()
    iterator = iter(batches)
    clips, labels = next(iterator)
    for _ in range(args.warmup):
        model.train_on_batch(clips, labels)
    waits, steps = [], []
    with UtilisationSampler() as utilisation:
        for _ in range(args.steps):
            start = time.perf_counter()
            clips, labels = next(iterator)
            waits.append(time.perf_counter() - start)
            start = time.perf_counter()
            model.train_on_batch(clips, labels)
            steps.append(time.perf_counter() - start)
    keras.backend.clear_session(free_memory=True)
    wait, step = sum(waits), sum(steps)
    return {
        "model": name if not args.smoke else f"{name}_tiny",
        "videos": len(source.dataset),
        "clips_per_s": round(args.batch * len(steps) / (wait + step), 1),
        "input_wait_share": round(wait / (wait + step), 3),
        "gpu_utilisation_percent": None if utilisation.mean is None else round(utilisation.mean, 1),
    }


def to_markdown(document: dict) -> str:
    meta = document["meta"]
    rows = []
    for row in document["models"]:
        if "clips_per_s" in row:
            result = [f"{row['clips_per_s']:.1f}", f"{row['step_ms']:.1f}", f"{row['warmup_s']:.1f}"]
        else:
            result = [row.get("error") or row.get("skipped", "?"), "", ""]
        rows.append([row["model"], row["policy"], "on" if row["xla"] else "off", *result])
    table = markdown_table(["model", "precision", "XLA", "train clips/s", "step ms", "first steps s"], rows)
    feed = document["input_pipeline"]
    utilisation = feed["gpu_utilisation_percent"]
    feed_line = (
        f"Input pipeline ({feed['model']} trained from {feed['videos']} generated videos decoded by "
        f"`training_dataset`): {feed['clips_per_s']:.1f} clips/s, input-wait share {feed['input_wait_share']:.0%}"
        + (f", GPU utilisation {utilisation:.0f}%." if utilisation is not None else " (no nvidia-smi here).")
    )
    return (
        f"Measured {meta['date']} on {meta['device']} ({meta['machine']}), batch {meta['batch']}, "
        f"median of {meta['steps']} steps after {meta['warmup']} warm-up steps, augmentation on the device; "
        f"{'tiny models (smoke run)' if meta['smoke'] else 'paper-size models'}; {meta['seconds']} s in all. "
        f"`python benchmarks/gpu.py{' --smoke' if meta['smoke'] else ''}`.\n\n{table}\n\n{feed_line}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny models, few steps: a check on any machine")
    parser.add_argument("--batch", type=int, help="clips per step (default 32; 4 with --smoke)")
    parser.add_argument("--steps", type=int, help="timed steps (default 10; 2 with --smoke)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed first steps (compilation)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--max-seconds", type=float, default=420, help="start no configuration after this")
    parser.add_argument("--results-dir", type=Path, default=ex.RESULTS_DIR, help="where gpu.json and gpu.md go")
    parser.add_argument("--update-readme", action="store_true", help="replace the README's GPU section")
    args = parser.parse_args()
    args.batch = args.batch or (4 if args.smoke else 32)
    args.steps = args.steps or (2 if args.smoke else 10)
    device = gpu_name()
    if device is None and not args.smoke:
        print("gpu.py: no GPU is visible to TensorFlow; run with --smoke for the CPU check.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows = []
    for name in args.models:
        for policy, jit in CONFIGURATIONS:
            if time.perf_counter() - started > args.max_seconds:
                skipped = "not run: past --max-seconds"
                rows.append(
                    {"model": f"{name}_tiny" if args.smoke else name, "policy": policy, "xla": jit, "skipped": skipped}
                )
                continue
            rows.append(measure_configuration(name, policy, jit, args))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="kvz-gpu-bench-") as work:
        feed = input_pipeline_check(args, Path(work))
    print(json.dumps(feed), file=sys.stderr, flush=True)
    meta = {
        "date": datetime.date.today().isoformat(),
        "device": device or "CPU (no GPU)",
        "machine": ex.machine_description(),
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "smoke": args.smoke,
        "seconds": round(time.perf_counter() - started),
    }
    document = {"meta": meta, "models": rows, "input_pipeline": feed}
    section = to_markdown(document)
    ex.write_results("gpu", document, section, args.results_dir, update_readme=args.update_readme)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
