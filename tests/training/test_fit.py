"""fit: checks before training, resume after an interruption, logs, checkpoints, step recipes."""

import csv
import importlib.util
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_video_zoo import create_model
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.training import fit, multitask_labels, plan_steps
from keras_video_zoo.training.fit import _classes_for_log
from keras_video_zoo.training.recipes import get_recipe
from tests.helpers.test_case import as_numpy

STEPS = 3  # batches per epoch


def tiny_model(classes: int = 3):
    return create_model("single_frame_tiny", num_classes=classes, dropout=0.0)


def dataset(classes: int = 3, batches: int = STEPS, one_hot: bool = False):
    rng = np.random.default_rng(0)
    clips = rng.integers(0, 256, (4 * batches, 1, 64, 64, 3), dtype=np.uint8)
    labels = np.arange(4 * batches) % classes
    if one_hot:
        labels = np.eye(classes, dtype="float32")[labels]
    return tf.data.Dataset.from_tensor_slices((clips, labels)).batch(4)


class Interrupt(keras.callbacks.Callback):
    """Raises in the middle of epoch ``epoch`` (0-based), like a killed job."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch
        self.current = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.current == self.epoch and batch == 1:
            raise RuntimeError("interrupted")


def test_resumed_run_matches_an_uninterrupted_one(tmp_path):
    epochs = 3
    whole = tiny_model()
    fit(whole, dataset(), run_dir=tmp_path / "whole", epochs=epochs, classes=3, tensorboard=False, verbose=0)
    assert int(as_numpy(whole.optimizer.iterations)) == epochs * STEPS

    run_dir = tmp_path / "interrupted"
    first = tiny_model()
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(first, dataset(), run_dir=run_dir, epochs=epochs, classes=3, callbacks=[Interrupt(1)], verbose=0)
    assert int(as_numpy(first.optimizer.iterations)) == STEPS + 2  # died two batches into epoch 2
    assert (run_dir / "backup").is_dir()

    resumed = tiny_model()  # a fresh process would build a fresh model
    history = fit(resumed, dataset(), run_dir=run_dir, epochs=epochs, classes=3, verbose=0)
    assert len(history.history["loss"]) == 2  # epochs 2 and 3 only
    assert int(as_numpy(resumed.optimizer.iterations)) == int(as_numpy(whole.optimizer.iterations))
    with open(run_dir / "log.csv") as file:
        assert [int(row["epoch"]) for row in csv.DictReader(file)] == [0, 1, 2]
    assert json.loads((run_dir / "run.json").read_text())["classes"] == 3
    assert not (run_dir / "backup").exists()  # removed once the run is complete
    saved = keras.saving.load_model(run_dir / "checkpoints" / "last.keras")
    for a, b in zip(saved.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="the tensorboard package is not installed")
def test_tensorboard_logs(tmp_path):
    fit(tiny_model(), dataset(), run_dir=tmp_path, epochs=1, classes=3, tensorboard=True, verbose=0)
    assert list((tmp_path / "tensorboard").rglob("events.out.tfevents.*"))


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None, reason="the tensorboard package is installed")
def test_tensorboard_asked_for_but_missing(tmp_path):
    with pytest.raises(ValueError, match="pip install tensorboard"):
        fit(tiny_model(), dataset(), run_dir=tmp_path, epochs=1, tensorboard=True)
    assert not tmp_path.joinpath("log.csv").exists()


def test_step_recipe_stops_at_the_scaled_step(tmp_path):
    model = tiny_model()
    # 2 videos at the paper's batch of 256: 14K and 20K steps x 2 / 9537 -> 3 and 5 steps
    epochs, boundaries, stop = plan_steps(get_recipe("simonyan_finetune"), 4, None, dataset_size=2, batch_size=256)
    assert boundaries == (3,) and stop == 5 and epochs == 2
    fit(
        model,
        dataset().repeat(),
        dataset(),
        run_dir=tmp_path,
        recipe="simonyan_finetune",
        steps_per_epoch=4,
        dataset_size=2,
        batch_size=256,
        classes=3,
        tensorboard=False,
        verbose=0,
    )
    assert int(as_numpy(model.optimizer.iterations)) == 5  # stopped in the middle of epoch 2
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert (tmp_path / "checkpoints" / "best.keras").is_file()


def test_one_hot_labels_and_multitask_heads(tmp_path):
    model = tiny_model()
    fit(model, dataset(one_hot=True), run_dir=tmp_path / "a", epochs=1, tensorboard=False, verbose=0)
    assert model.loss.__class__.__name__ == "CategoricalCrossentropy"

    multitask = create_model("temporal_stream_multitask_tiny")
    flows = np.full((8, 10, 64, 64, 2), 128, np.uint8)
    labels = multitask_labels([1, 2, 3, 4, 0, 1, 2, 3], ["source", "target"] * 4, ["source", "target"])
    data = tf.data.Dataset.from_tensor_slices((flows, labels)).batch(4)
    history = fit(
        multitask,
        data,
        run_dir=tmp_path / "b",
        epochs=1,
        classes={"source": 10, "target": 5},
        tensorboard=False,
        verbose=0,
    )
    assert np.isfinite(history.history["loss"][0])


def test_bad_input_fails_before_training(tmp_path):
    model = tiny_model(classes=3)
    video_dataset = VideoDataset([VideoRecord("a.avi", (0,), "a")], ["run", "walk"])
    assert _classes_for_log(video_dataset) == ["run", "walk"]
    with pytest.raises(ValueError, match=r"has 2 classes but model 'single_frame_tiny' predicts 3.*num_classes=2"):
        fit(model, dataset(), run_dir=tmp_path / "r", epochs=1, classes=video_dataset)
    with pytest.raises(ValueError, match=r"vectors of 5 classes .* predicts 3"):
        fit(model, dataset(classes=5, one_hot=True), run_dir=tmp_path / "r", epochs=1)
    with pytest.raises(ValueError, match="Unknown recipe 'sgd'; known recipes"):
        fit(model, dataset(), run_dir=tmp_path / "r", recipe="sgd", epochs=1)
    with pytest.raises(ValueError, match="has no step schedule: pass epochs"):
        fit(model, dataset(), run_dir=tmp_path / "r")
    with pytest.raises(ValueError, match="length is unknown or infinite; pass steps_per_epoch"):
        fit(model, dataset().repeat(), run_dir=tmp_path / "r", epochs=1)
    assert not (tmp_path / "r").exists() and not model.compiled  # nothing was compiled or written
