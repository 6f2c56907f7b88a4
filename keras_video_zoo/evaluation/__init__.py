"""Evaluation: metrics, video-level evaluation and scoring, score fusion, reports and plots."""

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
from keras_video_zoo.evaluation.results_files import (
    ap_difference_markdown,
    read_results_json,
    results_markdown,
    write_report,
    write_results_json,
)
from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion, stream_scores, svm_fusion_layer
from keras_video_zoo.evaluation.video_evaluation import (
    evaluate_on_flow,
    evaluate_on_source,
    evaluate_on_videos,
    evaluate_two_stream,
    evaluate_video_scores,
    fuse_scores,
    predict_clip_scores,
)
from keras_video_zoo.evaluation.video_scoring import VideoScorer

__all__ = [
    "APDifference",
    "VideoScorer",
    "ap_difference_markdown",
    "ap_difference_table",
    "average_precision",
    "confusion_matrix",
    "evaluate_on_flow",
    "evaluate_on_source",
    "evaluate_on_videos",
    "evaluate_two_stream",
    "evaluate_video_scores",
    "fuse_scores",
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
