"""Publish and load checkpoints: Hugging Face Hub repos, local folders, ``.keras`` files and registered ``"model.tag"``.

- :func:`push_to_hub` / :func:`save_pretrained` / :func:`save_keras_file`: Keras-native files,
  the zoo's record (:class:`~keras_video_zoo.weights.WeightsSpec`, with every file's sha256) and
  a model card.
- :func:`from_pretrained` / :func:`fetch_checkpoint`: through the one resolver
  (:mod:`keras_video_zoo.checkpoints`): Hub downloads through huggingface_hub's cache, hashes
  verified, ``safe_mode=True``, and a new head for transfer learning.

The tests drive the real huggingface_hub client against a loopback Hub server (``tests/helpers/loopback_hub.py``).
"""

from keras_video_zoo.checkpoints import Checkpoint, PretrainedNotFoundError, PretrainedUnavailableError
from keras_video_zoo.hub.load import fetch_checkpoint, from_pretrained
from keras_video_zoo.hub.model_card import build_model_card
from keras_video_zoo.hub.publish import Published, push_to_hub, save_keras_file, save_pretrained

__all__ = [
    "Checkpoint",
    "PretrainedNotFoundError",
    "PretrainedUnavailableError",
    "Published",
    "build_model_card",
    "fetch_checkpoint",
    "from_pretrained",
    "push_to_hub",
    "save_keras_file",
    "save_pretrained",
]
