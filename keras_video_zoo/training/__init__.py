"""Training: recipes, the training loop, distribution, multi-task losses; the transfer modes (beside the heads, in
:mod:`keras_video_zoo.models.transfer`) are re-exported here."""

from keras_video_zoo.models.transfer import TRANSFER_MODES, prepare_transfer, trainable_report
from keras_video_zoo.training.distribution import (
    DataService,
    distribute_dataset,
    get_strategy,
    start_data_service,
    tf_config,
)
from keras_video_zoo.training.fit import StopAtStep, check_dataset_classes, default_loss_and_metrics, fit, plan_steps
from keras_video_zoo.training.multitask import IGNORE_LABEL, multitask_labels, multitask_losses
from keras_video_zoo.training.recipes import RECIPES, Recipe, get_recipe, precision_policy

__all__ = [
    "IGNORE_LABEL",
    "RECIPES",
    "TRANSFER_MODES",
    "DataService",
    "Recipe",
    "StopAtStep",
    "check_dataset_classes",
    "default_loss_and_metrics",
    "distribute_dataset",
    "fit",
    "get_recipe",
    "get_strategy",
    "multitask_labels",
    "multitask_losses",
    "plan_steps",
    "precision_policy",
    "prepare_transfer",
    "start_data_service",
    "tf_config",
    "trainable_report",
]
