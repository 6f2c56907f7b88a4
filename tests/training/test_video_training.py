"""train_on_videos / train_on_flow: one call from a dataset to a trained model, checked before any step."""

import numpy as np
import pytest

from keras_video_zoo import create_model
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.evaluation.video_evaluation import evaluate_on_flow
from keras_video_zoo.flow.storage import write_flow_folder
from keras_video_zoo.training.video_training import train_on_flow, train_on_videos


@pytest.fixture
def flow_data(tmp_path):
    """Two classes: a patch moving horizontally or vertically (a mirror keeps the class; the background is still)."""
    records = []
    for index in range(6):
        label = index % 2
        fields = np.zeros((12, 72, 72, 2), np.float32)
        fields[:, 16:56, 16:56, label] = 3.0 if index % 4 < 2 else -3.0  # x for "horizontal", y for "vertical"
        write_flow_folder(tmp_path / f"v{index}", fields, algorithm="dis")
        records.append(VideoRecord(f"v{index}.avi", (label,), f"v{index}"))
    return VideoDataset(records, ["horizontal", "vertical"]), tmp_path


def test_temporal_stream_trains_on_flow_stacks_and_is_evaluated_with_the_test_protocol(flow_data, tmp_path):
    dataset, flow_root = flow_data
    model = create_model("temporal_stream_tiny", num_classes=2, dropout=0.0)  # 0.5 stalls a 32-unit fc7 on 6 videos
    history = train_on_flow(
        model, dataset, flow_root, run_dir=tmp_path / "run", epochs=6, batch_size=6, stacks_per_video=4, verbose=0
    )
    assert len(history.history["loss"]) == 6 and (tmp_path / "run" / "log.csv").is_file()
    from keras_video_zoo.data.sampling import TwoStreamProtocol

    results = evaluate_on_flow(model, dataset, flow_root, TwoStreamProtocol(frames=10, clips=2), progress=False)
    assert results["num_videos"] == 6 and results["num_views"] == 6 * 2 and results["views_per_clip"] == 10
    assert results["video_hit@1"] == 1.0  # the axis of motion survives mean subtraction, crops and mirrored views


def test_wrong_kind_of_model_or_classes_is_refused_before_training(flow_data, tmp_path):
    dataset, flow_root = flow_data
    with pytest.raises(ValueError, match="train_on_videos trains one-input models on 3-channel clips"):
        train_on_videos(create_model("temporal_stream_tiny", num_classes=2), dataset, run_dir=tmp_path, epochs=1)
    with pytest.raises(ValueError, match="train_on_flow trains one-input models on 2-channel clips"):
        train_on_flow(create_model("single_frame_tiny", num_classes=2), dataset, flow_root, run_dir=tmp_path, epochs=1)
    with pytest.raises(ValueError, match="2"):
        train_on_flow(create_model("temporal_stream_tiny", num_classes=5), dataset, flow_root, run_dir=tmp_path)
