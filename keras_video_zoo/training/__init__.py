"""Training: multi-task losses (more to come: recipes, transfer modes, distribution)."""

from keras_video_zoo.training.multitask import IGNORE_LABEL, multitask_labels, multitask_losses

__all__ = ["IGNORE_LABEL", "multitask_labels", "multitask_losses"]
