"""evaluate_video_scores: views averaged per video, every metric, the protocol recorded."""

from dataclasses import asdict, dataclass

import numpy as np
import pytest

from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.evaluation import evaluate_video_scores, metrics, predict_clip_scores


@dataclass
class Protocol:
    clips: int = 2
    crops: int = 2

    def to_dict(self):
        return asdict(self)


def test_views_are_averaged_per_video(rng):
    classes = ["run", "swim", "yoga"]
    records = [VideoRecord(f"v{i}.avi", (i % 3,), f"v{i}") for i in range(9)]
    data = VideoDataset(records, classes)
    views = 4
    ids = [f"v{i}" for i in range(9) for _ in range(views)]
    scores = rng.random((9 * views, 3))
    results = evaluate_video_scores(
        scores, ids, data, groups={"water": ["swim"], "land": ["run", "yoga"]}, protocol=Protocol()
    )
    video_ids, video_scores = metrics.video_scores(scores, ids)
    labels = [i % 3 for i in range(9)]
    assert results["video_ids"] == video_ids and results["class_names"] == classes
    assert results["num_videos"] == 9 and results["num_views"] == 36
    assert results["clip_hit@1"] == pytest.approx(np.mean(scores.argmax(1) == np.repeat(labels, views)))
    assert results["video_hit@1"] == pytest.approx(np.mean(video_scores.argmax(1) == labels))
    assert results["video_hit@5"] == 1.0  # 3 classes
    ap = metrics.per_class_average_precision(video_scores, labels)
    assert results["per_class_ap"] == {name: pytest.approx(value) for name, value in zip(classes, ap, strict=True)}
    assert results["group_mAP"]["water"] == pytest.approx(ap[1])
    land = [i for i in range(9) if labels[i] != 1]
    assert results["group_video_hit@1"]["land"] == pytest.approx(
        np.mean(video_scores[land].argmax(1) == np.array(labels)[land])
    )
    assert np.sum(results["confusion_matrix"]) == 9
    assert results["protocol"] == {"clips": 2, "crops": 2}


def test_multi_label_videos_have_no_confusion_matrix():
    results = evaluate_video_scores([[0.1, 0.5, 0.4], [0.7, 0.2, 0.1]], ["a", "b"], {"a": [1, 2], "b": [2]})
    assert results["video_hit@1"] == 0.5 and "confusion_matrix" not in results


def test_bad_input():
    with pytest.raises(ValueError, match="No labels for 1 scored videos"):
        evaluate_video_scores([[0.5, 0.5]], ["x"], {"a": 0})
    with pytest.raises(ValueError, match=r"must be \(views, 3 classes\)"):
        evaluate_video_scores([[0.5, 0.5]], ["a"], {"a": 0}, class_names=["p", "q", "r"])
    with pytest.raises(ValueError, match="protocol must be None, a dict or an object with to_dict"):
        evaluate_video_scores([[0.5, 0.5]], ["a"], {"a": 0}, protocol="karpathy")


def test_scores_from_batches_with_video_indices():
    import keras
    import tensorflow as tf

    model = keras.Sequential([keras.Input((3,)), keras.layers.Softmax()])
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.6, 0.3, 0.1]], "float32"))
    batches = tf.data.Dataset.from_tensor_slices((logits, np.array([0, 0, 1, 1], "int32"))).batch(3)
    scores, keys = predict_clip_scores(model, batches, progress=False)
    assert keys == [0, 0, 1, 1]
    np.testing.assert_allclose(scores, np.exp(logits), rtol=1e-5)
    data = VideoDataset([VideoRecord("a.avi", (1,), "a"), VideoRecord("b.avi", (2,), "b")], ["x", "y", "z"])
    results = evaluate_video_scores(scores, keys, data)
    assert results["video_ids"] == ["a", "b"] and results["video_hit@1"] == 0.5
    with pytest.raises(ValueError, match="No batches to score"):
        predict_clip_scores(model, [], progress=False)
