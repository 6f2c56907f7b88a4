"""Multi-view evaluation end to end: encoded videos -> protocol clips x views -> metrics -> report."""

import numpy as np

from keras_video_zoo import create_model
from keras_video_zoo.data.layouts.ucf101 import ucf101
from keras_video_zoo.data.pipelines import evaluation_dataset
from keras_video_zoo.data.sampling import ClipProtocol, KarpathyProtocol
from keras_video_zoo.data.synthetic_dataset import generate_dataset
from keras_video_zoo.evaluation import evaluate_video_scores, predict_clip_scores, read_results_json, write_report
from keras_video_zoo.models.clip_wrappers import pipeline_size, with_views


def test_karpathy_protocol_end_to_end(tmp_path):
    root = generate_dataset(tmp_path / "data", kind="target", videos_per_class=4, groups=2, size=(64, 64), frames=16)
    data = ucf101(root, split=1, subset="test")
    protocol = KarpathyProtocol(clips=2)
    network = create_model("slow_fusion_tiny", num_classes=data.num_classes)
    model = with_views(network, protocol.views)
    batches = evaluation_dataset(data, protocol, batch_size=8, frame_size=pipeline_size(network))
    scores, keys = predict_clip_scores(model, batches, progress=False)
    assert scores.shape == (len(data) * protocol.clips, data.num_classes)
    np.testing.assert_allclose(scores.sum(axis=1), 1, atol=1e-5)  # views averaged, still probabilities

    results = evaluate_video_scores(scores, keys, data, protocol=protocol)
    assert results["video_ids"] == [record.video_id for record in data]
    assert results["num_views"] == len(data) * protocol.clips
    assert 0 <= results["video_hit@1"] <= results["video_hit@5"] == 1.0  # 5 classes
    written = write_report(results, tmp_path / "report")
    saved = read_results_json(written["json"])
    assert ClipProtocol.from_dict(saved["protocol"]) == protocol  # the protocol travels with the results
    assert written["confusion_matrix"].stat().st_size > 1000
