"""Metrics against scikit-learn and direct computations, on random scores."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, balanced_accuracy_score, top_k_accuracy_score
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from keras_video_zoo.evaluation import metrics

CLASSES = 12


@pytest.fixture
def single_label(rng):
    labels = rng.integers(0, CLASSES, 300)
    labels[:CLASSES] = np.arange(CLASSES)  # every class occurs
    return rng.random((300, CLASSES)), labels


@pytest.fixture
def multi_label(rng):
    labels = [tuple(rng.choice(CLASSES, size=rng.integers(1, 4), replace=False).tolist()) for _ in range(200)]
    return rng.random((200, CLASSES)), labels


@pytest.mark.parametrize("k", [1, 3, 5])
def test_hit_at_k_matches_sklearn(single_label, k):
    scores, labels = single_label
    expected = top_k_accuracy_score(labels, scores, k=k, labels=np.arange(CLASSES))
    assert metrics.hit_at_k(scores, labels, k) == pytest.approx(expected)


@pytest.mark.parametrize("k", [1, 5])
def test_multi_label_hit_is_any_true_label_in_the_top_k(multi_label, k):
    scores, labels = multi_label
    top = np.argsort(-scores, axis=1)[:, :k]
    expected = np.mean([bool(set(row) & set(true)) for row, true in zip(top, labels, strict=True)])
    assert metrics.hit_at_k(scores, labels, k) == pytest.approx(expected)
    # with scikit-learn: a multi-label sample is a hit when it is a hit for any of its labels alone
    by_sklearn = [
        max(top_k_accuracy_score([c], row[None], k=k, labels=np.arange(CLASSES)) for c in true)
        for row, true in zip(scores, labels, strict=True)
    ]
    np.testing.assert_array_equal(metrics.hits_at_k(scores, labels, k), np.array(by_sklearn, dtype=bool))
    assert metrics.hit_at_k(scores, labels, CLASSES) == 1.0


def test_average_precision_matches_sklearn(single_label, multi_label):
    for scores, labels in (single_label, multi_label):
        truth = metrics.label_matrix(labels, CLASSES)
        ours = metrics.per_class_average_precision(scores, labels)
        theirs = [average_precision_score(truth[:, c], scores[:, c]) for c in range(CLASSES)]
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
        assert metrics.mean_average_precision(scores, labels) == pytest.approx(
            average_precision_score(truth, scores, average="macro")
        )


def test_average_precision_with_ties_and_missing_classes():
    scores = np.round(np.random.default_rng(1).random(60), 1)  # many ties
    positives = np.random.default_rng(2).random(60) > 0.6
    assert metrics.average_precision(scores, positives) == pytest.approx(average_precision_score(positives, scores))
    assert np.isnan(metrics.average_precision(scores, np.zeros(60, bool)))
    ap = metrics.per_class_average_precision([[0.2, 0.8, 0.0], [0.6, 0.4, 0.0]], [1, 0])
    assert np.isnan(ap[2]) and metrics.mean_average_precision([[0.2, 0.8, 0.0], [0.6, 0.4, 0.0]], [1, 0]) == 1.0


def test_confusion_matrix_and_mean_class_accuracy_match_sklearn(single_label):
    scores, labels = single_label
    predicted = scores.argmax(axis=1)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(labels, predicted, CLASSES),
        sklearn_confusion_matrix(labels, predicted, labels=range(CLASSES)),
    )
    assert metrics.mean_class_accuracy(scores, labels) == pytest.approx(balanced_accuracy_score(labels, predicted))


def test_group_map_and_ap_difference_table():
    ap = [0.1, 0.5, 0.9, np.nan]
    names = ["a", "b", "c", "d"]
    groups = {"ab": ["a", "b"], "cd": ["c", "d"]}
    assert metrics.group_mean_average_precision(ap, names, groups) == {"ab": pytest.approx(0.3), "cd": 0.9}
    with pytest.raises(ValueError, match=r"classes the dataset does not have: \['zz'\]"):
        metrics.group_mean_average_precision(ap, names, {"g": ["a", "zz"]})
    rows = metrics.ap_difference_table([0.1, 0.5, 0.9, 0.3], [0.4, 0.5, 0.2, np.nan], names)
    assert [(r.class_name, round(r.difference, 2)) for r in rows] == [("a", 0.3), ("b", 0.0), ("c", -0.7)]
    assert [
        r.class_name for r in metrics.ap_difference_table(np.zeros(10), np.arange(10) / 10, list("abcdefghij"), top=2)
    ] == [
        "j",
        "i",
        "b",
        "a",
    ]


def test_video_scores_average_clips_per_video(rng):
    clip_scores = rng.random((12, 4))
    ids = ["v2", "v1", "v2", "v3"] * 3
    video_ids, scores = metrics.video_scores(clip_scores, ids)
    assert video_ids == ["v2", "v1", "v3"]
    np.testing.assert_allclose(scores[0], clip_scores[[0, 2, 4, 6, 8, 10]].mean(axis=0))
    np.testing.assert_allclose(scores[2], clip_scores[[3, 7, 11]].mean(axis=0))


def test_bad_input():
    with pytest.raises(ValueError, match="outside the 3 classes"):
        metrics.hit_at_k(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match="Got 2 score rows but 1 labels"):
        metrics.hit_at_k(np.zeros((2, 3)), [0])
    with pytest.raises(ValueError, match=r"\(samples, classes\) array"):
        metrics.hit_at_k(np.zeros(3), [0])
    with pytest.raises(ValueError, match="Sample 0 has no label"):
        metrics.label_matrix([[]], 3)
    with pytest.raises(ValueError, match="predictions must lie in 0..1"):
        metrics.confusion_matrix([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match="2 clip score rows but 1 video ids"):
        metrics.video_scores(np.zeros((2, 3)), ["a"])
