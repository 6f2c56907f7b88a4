"""Publish and load checkpoints: Hugging Face Hub repos, local folders and registered ``"model.tag"`` names.

- :func:`push_to_hub` / :func:`save_pretrained`: Keras-native files, the zoo's record
  (:class:`~keras_video_zoo.weights.WeightsSpec` with every file's sha256) and a model card.
- :func:`from_pretrained` / :func:`fetch_checkpoint`: download through huggingface_hub's
  cache (revisions, offline mode), verify hashes, load with ``safe_mode=True``, and
  replace the head for transfer learning.
- :mod:`keras_video_zoo.hub.testing`: a loopback Hub server for tests and notebooks.
"""

from keras_video_zoo.hub.load import (
    Checkpoint,
    PretrainedNotFoundError,
    PretrainedUnavailableError,
    fetch_checkpoint,
    from_pretrained,
    parse_source,
)
from keras_video_zoo.hub.model_card import build_model_card
from keras_video_zoo.hub.publish import Published, push_to_hub, save_pretrained

__all__ = [
    "Checkpoint",
    "PretrainedNotFoundError",
    "PretrainedUnavailableError",
    "Published",
    "build_model_card",
    "fetch_checkpoint",
    "from_pretrained",
    "parse_source",
    "push_to_hub",
    "save_pretrained",
]
