"""Evaluation: metrics, video-level evaluation, score fusion, reports and plots."""

from keras_video_zoo.evaluation.metrics import (
    APDifference,
    ap_difference_table,
    average_precision,
    confusion_matrix,
    group_mean_average_precision,
    hit_at_k,
    hits_at_k,
    label_matrix,
    mean_average_precision,
    mean_class_accuracy,
    per_class_accuracy,
    per_class_average_precision,
    top_k_classes,
    video_scores,
)
from keras_video_zoo.evaluation.reports import (
    ap_difference_markdown,
    read_results_json,
    results_markdown,
    write_report,
    write_results_json,
)
from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion, stream_scores, svm_fusion_layer
from keras_video_zoo.evaluation.video_evaluation import evaluate_video_scores, predict_clip_scores

__all__ = [
    "APDifference",
    "ap_difference_markdown",
    "ap_difference_table",
    "average_precision",
    "confusion_matrix",
    "evaluate_video_scores",
    "fit_svm_fusion",
    "group_mean_average_precision",
    "hit_at_k",
    "hits_at_k",
    "label_matrix",
    "mean_average_precision",
    "mean_class_accuracy",
    "per_class_accuracy",
    "per_class_average_precision",
    "predict_clip_scores",
    "read_results_json",
    "results_markdown",
    "stream_scores",
    "svm_fusion_layer",
    "top_k_classes",
    "video_scores",
    "write_report",
    "write_results_json",
]
