"""One worker of the two-process MultiWorkerMirroredStrategy test (run by test_distribution.py).

Usage: python -m tests.training.multi_worker_run OUT_DIR [DISPATCHER]  (with TF_CONFIG set).
Trains a tiny zoo model a few steps with keras_video_zoo.training.fit and saves its weights.
With DISPATCHER (``grpc://host:port``) the input comes from that tf.data service.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(out_dir: str, dispatcher: str | None = None) -> None:
    import numpy as np
    import tensorflow as tf

    from keras_video_zoo import create_model
    from keras_video_zoo.training import distribute_dataset, fit, get_strategy

    index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    strategy = get_strategy("multi_worker")
    rng = np.random.default_rng(0)  # the same data on both workers; the strategy shards it
    clips = rng.integers(0, 256, (16, 1, 64, 64, 3), dtype=np.uint8)
    labels = rng.integers(0, 3, 16)
    data = tf.data.Dataset.from_tensor_slices((clips, labels)).batch(4)
    steps_per_epoch = None
    if dispatcher:
        # The service workers produce the batches; each trainer reads its own stream, so no sharding here.
        data = distribute_dataset(data.repeat(), dispatcher)
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        data = data.with_options(options)
        steps_per_epoch = 4
    with strategy.scope():
        model = create_model("single_frame_tiny", num_classes=3, dropout=0.0)
    # Workers start from different random weights; the strategy broadcasts worker 0's at the first step.
    fit(
        model,
        data,
        run_dir=os.path.join(out_dir, f"run{index}"),
        recipe="karpathy",
        epochs=2,
        steps_per_epoch=steps_per_epoch,
        classes=3,
        strategy=strategy,
        tensorboard=False,
        verbose=0,
    )
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    np.savez(os.path.join(out_dir, f"weights{index}.npz"), steps=int(model.optimizer.iterations.numpy()), **weights)
    print(f"worker {index} replicas {strategy.num_replicas_in_sync} done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
