"""One kvz training run on JAX, on one device or data-parallel over two host devices (test_data_parallel.py).

Run as ``python -m tests.training.data_parallel_run OUT {one,two}`` with ``KERAS_BACKEND=jax`` and
``XLA_FLAGS=--xla_force_host_platform_device_count=2``; writes the trained weights to ``OUT/weights.npz``.
"""

import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.training import fit


def main(out: Path, devices: str) -> None:
    assert keras.backend.backend() == "jax", keras.backend.backend()
    import jax

    if devices == "two":
        assert len(jax.devices()) == 2, jax.devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
    keras.utils.set_random_seed(0)
    model = create_model("slow_fusion_tiny", num_classes=3, dropout=0.0)
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, (16, 10, 64, 64, 3), dtype=np.uint8)
    data = tf.data.Dataset.from_tensor_slices((clips, np.arange(16) % 3)).batch(8)
    fit(model, data, run_dir=out / "run", recipe="simonyan", epochs=2, classes=3, tensorboard=False, verbose=0)
    step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    print(f"devices {devices}: {len(model.weights)} weights, step {step}")
    np.savez(out / "weights.npz", **{w.path: keras.ops.convert_to_numpy(w) for w in model.weights})


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
