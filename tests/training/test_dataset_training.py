"""A run from Python leaves a run folder that --model loads; a two-stream model trains its streams, then fuses."""

import json

import keras
import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.checkpoints import resolve_checkpoint
from keras_video_zoo.data.geometry import FrameGeometry
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.sources import VideoFiles
from keras_video_zoo.flow.sources import FlowFolders
from keras_video_zoo.flow.storage import write_flow_folder
from keras_video_zoo.opencv import cv2
from keras_video_zoo.run_folder import RunFolder
from keras_video_zoo.training.dataset_training import svm_split, train_on_dataset
from keras_video_zoo.training.video_training import train_on_flow

CLASSES = ["horizontal", "vertical"]


@pytest.fixture
def flow_data(tmp_path):
    records = []
    for index in range(6):
        fields = np.zeros((12, 72, 72, 2), np.float32)
        fields[:, 16:56, 16:56, index % 2] = 3.0
        write_flow_folder(tmp_path / "flow" / f"v{index}", fields, algorithm="dis")
        records.append(VideoRecord(str(tmp_path / f"v{index}.avi"), (index % 2,), f"v{index}"))
    return VideoDataset(records, CLASSES, name="toy"), tmp_path / "flow"


def test_train_on_source_leaves_a_run_folder_that_loads_and_is_not_trained_twice(flow_data, tmp_path):
    dataset, flow_root = flow_data
    model = create_model("temporal_stream_tiny", num_classes=2)
    run = RunFolder(tmp_path / "run")
    train_on_flow(model, dataset, flow_root, run_dir=run.path, epochs=1, batch_size=6, verbose=0, seed=1)
    assert run.is_finished and json.loads(run.info_file.read_text())["videos"]["flow"]["used"] == 6
    checkpoint = resolve_checkpoint(run.path)
    assert checkpoint.kind == "run" and checkpoint.record.labels == tuple(CLASSES)
    assert checkpoint.record.dataset == {"name": "toy", "videos": 6, "used": {"flow": 6}}
    assert checkpoint.record.recipe["name"] == "small_adam" and checkpoint.record.recipe["epochs"] == 1
    loaded = create_model(str(run.path))
    stacks = np.random.default_rng(0).integers(0, 255, (2, *model.input_shape[1:]), dtype=np.uint8)
    np.testing.assert_allclose(loaded.predict(stacks, verbose=0), model.predict(stacks, verbose=0), atol=1e-6)

    fresh = create_model("temporal_stream_tiny", num_classes=2)  # a rerun on the finished run: no training
    history = train_on_flow(fresh, dataset, flow_root, run_dir=run.path, epochs=1, batch_size=6, verbose=0)
    assert history.history == {}
    np.testing.assert_allclose(fresh.predict(stacks, verbose=0), model.predict(stacks, verbose=0), atol=1e-6)


def test_a_two_stream_model_trains_each_stream_in_its_own_run_then_fuses(flow_data, tmp_path):
    dataset, flow_root = flow_data
    side = 75
    for record in dataset:  # RGB videos for the spatial stream: any frames will do
        writer = cv2.VideoWriter(record.path, cv2.VideoWriter_fourcc(*"MJPG"), 25, (side, side))
        for t in range(12):
            writer.write(np.full((side, side, 3), 20 * t, np.uint8))
        writer.release()

    def sources(videos):
        return {"rgb": VideoFiles(videos, FrameGeometry.square_of(side)), "flow": FlowFolders(videos, flow_root)}

    run = RunFolder(tmp_path / "run")
    model = create_model("two_stream_tiny", num_classes=2)
    trained = train_on_dataset(
        model, dataset, sources, run_dir=run.path, epochs=1, batch_size=6, verbose=0, record={"base_model": "x"}
    )
    assert trained.model_file == run.model_file and trained.svm_videos is None
    assert {kind: report.to_dict()["used"] for kind, report in trained.reports.items()} == {"rgb": 6, "flow": 6}
    for kind in ("rgb", "flow"):
        assert run.stream(kind).is_finished  # each stream is a run of its own: loadable, and kept on a rerun
        assert (
            create_model(str(run.stream(kind).path)).input_shape
            == trained.model.get_layer(("spatial_stream_tiny", "temporal_stream_tiny")[kind == "flow"]).input_shape
        )
    record = resolve_checkpoint(run.path).record
    assert record.model == "two_stream_tiny" and record.model_kwargs["fusion"] == "average"
    assert record.dataset["used"] == {"rgb": 6, "flow": 6} and record.base_model == "x"
    assert json.loads(run.info_file.read_text())["videos"]["rgb"]["used"] == 6


def test_the_svm_split_needs_two_usable_videos_per_class(flow_data):
    dataset, _ = flow_data
    usable = {"v0", "v1", "v2"}  # class 1 ("vertical": v1, v3, v5) has one usable video
    with pytest.raises(ValueError, match="at least 2 videos of class 'vertical' that both streams can use"):
        svm_split(dataset, 0.5, 0, usable)
    fit, held = svm_split(dataset, 0.5, 0, {record.video_id for record in dataset})
    assert sorted([r.video_id for r in fit] + [r.video_id for r in held]) == sorted(r.video_id for r in dataset)


def test_a_model_that_is_no_clip_model_is_refused(flow_data, tmp_path):
    dataset, _ = flow_data
    tabular = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="not a clip model"):
        train_on_dataset(tabular, dataset, lambda videos: {}, run_dir=tmp_path, epochs=1)
