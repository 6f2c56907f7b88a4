"""Evaluation: score fusion (more to come: multi-view inference, metrics, reports)."""

from keras_video_zoo.evaluation.score_fusion import fit_svm_fusion, stream_scores, svm_fusion_layer

__all__ = ["fit_svm_fusion", "stream_scores", "svm_fusion_layer"]
