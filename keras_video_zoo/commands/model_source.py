"""``--model SOURCE``, the same for every command that takes a model, and the errors it maps to exit code 2."""

from __future__ import annotations

import argparse

SOURCE_HELP = (
    "a registered model (kvz models) or name.tag (e.g. slow_fusion_tiny.synthetic), hf://org/name[@rev], "
    "a checkpoint folder, a kvz train run folder, or a .keras file"
)


class CommandError(Exception):
    """A problem with the command's input, reported as ``kvz <command>: <message>``.

    Attributes:
        exit_code: 2 for bad usage or input (the default), 1 when the work failed.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_model_argument(parser: argparse.ArgumentParser, *, required: bool = True, extra: str = "") -> None:
    parser.add_argument("--model", required=required, metavar="SOURCE", help=SOURCE_HELP + extra)


def load_model(source: str, **overrides):
    """``keras_video_zoo.create_model(source, **overrides)``, with every way it can fail as a :class:`CommandError`."""
    from keras_video_zoo.checkpoints import PretrainedUnavailableError
    from keras_video_zoo.models import create_model
    from keras_video_zoo.weights import ChecksumError, WeightsIndexError

    try:
        return create_model(source, **overrides)
    except (PretrainedUnavailableError, ChecksumError, WeightsIndexError) as error:
        raise CommandError(str(error), exit_code=1) from None
    except (ValueError, FileNotFoundError, ImportError) as error:
        raise CommandError(str(error)) from None


def class_names(model) -> tuple[list[str], bool]:
    """The model's class names from its record, or ``class_0 ...``; and whether they are real names."""
    from keras_video_zoo.models.pretrained import checkpoint_labels
    from keras_video_zoo.models.pretrained import class_names as model_class_names

    return model_class_names(model), bool(checkpoint_labels(model))
