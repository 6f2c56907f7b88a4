"""Publish a model: a checkpoint folder (:func:`save_pretrained`) or a Hub repo (:func:`push_to_hub`).

Both write the Keras-native files, exactly as ``keras.saving.save_model(model,
"hf://...")`` does (``config.json``, ``metadata.json``, ``model.weights.h5``), so
``keras.saving.load_model`` reads them once keras_video_zoo is imported, plus the
zoo's record ``keras_video_zoo.json`` (a :class:`~keras_video_zoo.weights.WeightsSpec`
with the sha256 of every file) and a generated model card.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from keras_video_zoo.checkpoint_folder import write_checkpoint_folder
from keras_video_zoo.checkpoints import require_huggingface_hub
from keras_video_zoo.hub.model_card import build_model_card, is_generated_card
from keras_video_zoo.keras_file import write_keras_file
from keras_video_zoo.models.pretrained import describe_model
from keras_video_zoo.version import __version__
from keras_video_zoo.weights import WeightsSpec

CARD_FILENAME = "README.md"


def save_pretrained(
    model: keras.Model,
    directory: str | os.PathLike,
    *,
    card: bool = True,
    card_tags: Sequence[str] = (),
    repo_id: str | None = None,
    **record: Any,
) -> WeightsSpec:
    """Writes a checkpoint folder: Keras-native files, the zoo's record and a model card.

    Args:
        model: the model to save.
        directory: the folder; created if needed. Its Keras files and record are
            replaced; a README.md that the zoo did not generate is kept.
        card: whether to write README.md (a generated model card).
        card_tags: extra tags for the card's metadata.
        repo_id: the Hub repo the card's usage example names.
        **record: :func:`~keras_video_zoo.models.pretrained.describe_model` arguments
            (``tag``, ``labels``, ``metrics``, ``recipe``, ``dataset``, ...).

    Returns:
        The record written to ``keras_video_zoo.json``.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.hub import save_pretrained
    >>> folder = tempfile.mkdtemp()
    >>> spec = save_pretrained(create_model("slow_fusion_tiny", num_classes=3), folder, labels=["a", "b", "c"])
    >>> sorted(spec.files), spec.num_classes
    (['config.json', 'metadata.json', 'model.weights.h5'], 3)
    """
    directory = Path(directory)
    spec = write_checkpoint_folder(model, directory, describe_model(model, **record))
    readme = directory / CARD_FILENAME
    if card and (not readme.exists() or is_generated_card(readme.read_text(errors="replace"))):
        build_model_card(spec, repo_id, card_tags).save(readme)
    return spec


def save_keras_file(model: keras.Model, path: str | os.PathLike, **record: Any) -> WeightsSpec:
    """Saves ``model`` as one ``.keras`` file that carries its record (labels, inputs, build arguments).

    ``keras.saving.load_model`` reads the file as usual; ``keras_video_zoo.create_model(path)``
    and every ``kvz --model path`` also know its class names and input contract.

    Args:
        model: the model to save.
        path: the ``.keras`` file to write.
        **record: :func:`~keras_video_zoo.models.pretrained.describe_model` arguments.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model
    >>> from keras_video_zoo.hub import save_keras_file
    >>> path = tempfile.mkdtemp() + "/model.keras"
    >>> _ = save_keras_file(create_model("single_frame_tiny", num_classes=2), path, labels=["walk", "run"])
    >>> create_model(path).record.labels
    ('walk', 'run')
    """
    spec = describe_model(model, **record)
    write_keras_file(model, path, spec)
    return spec


@dataclass(frozen=True)
class Published:
    """Where :func:`push_to_hub` put a checkpoint.

    Attributes:
        repo_id: ``"org/name"``.
        revision: the branch committed to.
        commit: the commit's id; ``from_pretrained("hf://org/name@<commit>")`` pins it.
        url: the commit's URL.
        spec: the published record.
        card_written: whether README.md was (re)generated; ``False`` when the
            repo already had a card written by a person.
    """

    repo_id: str
    revision: str
    commit: str
    url: str
    spec: WeightsSpec
    card_written: bool


def _remote_card(api, repo_id: str, revision: str, scratch: Path) -> str | None:
    """The repo's README.md at ``revision``, or None when it has none."""
    if not api.file_exists(repo_id, CARD_FILENAME, revision=revision):
        return None
    path = api.hf_hub_download(repo_id, CARD_FILENAME, revision=revision, local_dir=scratch / "remote")
    return Path(path).read_text(errors="replace")


def push_to_hub(
    model: keras.Model,
    repo_id: str,
    *,
    revision: str | None = None,
    private: bool | None = None,
    token: str | bool | None = None,
    endpoint: str | None = None,
    commit_message: str | None = None,
    card_tags: Sequence[str] = (),
    **record: Any,
) -> Published:
    """Publishes ``model`` to a Hugging Face Hub repo in one commit.

    Writes ``config.json``, ``metadata.json``, ``model.weights.h5`` (Keras-native),
    ``keras_video_zoo.json`` (the record, with every file's sha256) and a generated
    ``README.md`` model card, unless the repo already has a card that a person
    wrote: that one is kept.

    Args:
        model: the model to publish.
        repo_id: ``"org/name"`` (created if missing).
        revision: branch to commit to (created from ``main`` if missing);
            defaults to ``main``.
        private: create the repo private (only applies when it is created).
        token: a Hub token; ``None`` uses huggingface_hub's own resolution
            (``HF_TOKEN``, then the token saved by ``hf auth login``).
        endpoint: the Hub URL; ``None`` uses huggingface_hub's (``HF_ENDPOINT``).
        commit_message: defaults to ``"Upload <model.tag> with keras_video_zoo"``.
        card_tags: extra tags for the card's metadata.
        **record: :func:`~keras_video_zoo.models.pretrained.describe_model` arguments (``tag``,
            ``labels``, ``preprocessing``, ``evaluation``, ``metrics``, ``recipe``, ``dataset``,
            ``base_model``, ``license``).

    Returns:
        :class:`Published`: repo, branch, commit id, URL and record.

    Example (needs a Hub token with write access, so not run here; ``tests/hub`` runs it against a
    loopback Hub server):
    >>> from keras_video_zoo import create_model, push_to_hub
    >>> published = push_to_hub(create_model("slow_fusion_tiny"), "me/tiny")  # doctest: +SKIP
    >>> sorted(published.spec.files)  # doctest: +SKIP
    ['config.json', 'metadata.json', 'model.weights.h5']
    """
    hub = require_huggingface_hub()
    api = hub.HfApi(endpoint=endpoint, token=token, library_name="keras_video_zoo", library_version=__version__)
    repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    branch = revision or "main"
    if branch != "main":
        api.create_branch(repo_id, branch=branch, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "checkpoint"
        remote_card = _remote_card(api, repo_id, branch, scratch)
        write_card = remote_card is None or is_generated_card(remote_card)
        spec = save_pretrained(model, folder, card=write_card, card_tags=card_tags, repo_id=repo_id, **record)
        operations = [
            hub.CommitOperationAdd(path_in_repo=str(path.relative_to(folder)), path_or_fileobj=str(path))
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        ]
        info = api.create_commit(
            repo_id,
            operations,
            commit_message=commit_message or f"Upload {spec.name} with keras_video_zoo",
            revision=branch,
        )
    return Published(repo_id, branch, info.oid, info.commit_url, spec, write_card)
