"""Publish a model: a checkpoint folder (:func:`save_pretrained`) or a Hub repo (:func:`push_to_hub`).

Both write the Keras-native files, exactly as ``keras.saving.save_model(model,
"hf://...")`` does (``config.json``, ``metadata.json``, ``model.weights.h5``), so
``keras.saving.load_model`` reads them once keras_video_zoo is imported, plus the
zoo's record ``keras_video_zoo.json`` (a :class:`~keras_video_zoo.weights.WeightsSpec`
with the sha256 of every file) and a generated model card.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from keras_video_zoo.hub.model_card import build_model_card, is_generated_card
from keras_video_zoo.weights import RECORD_FILENAME, InputSpec, WeightsSpec

KERAS_FILES = ("config.json", "metadata.json", "model.weights.h5")
CARD_FILENAME = "README.md"
DEFAULT_PREPROCESSING: Mapping[str, Any] = {
    "rgb": "raw RGB pixels 0-255 (uint8 or float), shape (batch, T, H, W, 3); mean subtraction is inside the model",
    "flow": "x/y flow fields quantised to uint8 with bound 20 (q = round(255 (v + 20) / 40), 128 = no motion); "
    "dequantised inside the model",
}


def require_huggingface_hub():
    """Imports huggingface_hub, or says how to install it."""
    try:
        import huggingface_hub
    except ImportError as error:  # an optional dependency (the "hub" extra)
        raise ImportError(
            "Publishing to and loading from the Hugging Face Hub needs huggingface_hub: "
            "pip install 'keras-video-zoo[hub]'"
        ) from error
    return huggingface_hub


def _head_classes(model: keras.Model) -> int | dict[str, int] | None:
    from keras_video_zoo.training.transfer import head_classes

    try:
        return head_classes(model)
    except ValueError:
        pass
    # A fused model (two-stream) has its heads inside the streams: read the classes off its single output.
    shape = model.output_shape
    if isinstance(shape, tuple) and len(shape) == 2 and isinstance(shape[1], int):
        return shape[1]
    return None  # include_top=False: a feature extractor has no classes


def describe_model(
    model: keras.Model,
    *,
    tag: str = "",
    labels: Sequence[str] | None = None,
    preprocessing: Mapping[str, Any] | None = None,
    evaluation: Mapping[str, Any] | None = None,
    metrics: Mapping[str, float] | None = None,
    recipe: Mapping[str, Any] | None = None,
    dataset: Mapping[str, Any] | str | None = None,
    base_model: str | None = None,
    license: str | None = None,
    model_kwargs: Mapping[str, Any] | None = None,
) -> WeightsSpec:
    """The record of ``model`` (without file hashes): inputs, classes and parameters read from the model.

    Raises:
        ValueError: ``labels`` does not have one name per class.
    """
    num_classes = _head_classes(model)
    labels = tuple(labels or ())
    if labels and num_classes != len(labels):
        raise ValueError(
            f"labels has {len(labels)} names but model {model.name!r} has {num_classes} classes; "
            "give one name per output class, in output order."
        )
    inputs = InputSpec.from_model(model)
    if preprocessing is None:  # the zoo's input contract, for the kinds of input this model takes
        kinds = {"rgb" if spec.channels == 3 else "flow" for spec in inputs}
        preprocessing = {kind: text for kind, text in DEFAULT_PREPROCESSING.items() if kind in kinds}
    if model_kwargs is None:
        model_kwargs = {"num_classes": num_classes} if num_classes is not None else {}
    return WeightsSpec(
        model=model.name,
        tag=tag,
        labels=labels,
        num_classes=num_classes,
        inputs=inputs,
        num_params=int(model.count_params()),
        preprocessing=dict(preprocessing),
        evaluation=dict(evaluation or {}),
        metrics=dict(metrics or {}),
        recipe=dict(recipe or {}),
        dataset={"name": dataset} if isinstance(dataset, str) else dict(dataset or {}),
        model_kwargs=dict(model_kwargs),
        base_model=base_model,
        license=license,
        keras_version=keras.__version__,
    )


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
        **record: :func:`describe_model` arguments (``tag``, ``labels``,
            ``metrics``, ``recipe``, ``dataset``, ...).

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
    directory.mkdir(parents=True, exist_ok=True)
    spec = describe_model(model, **record)
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch, "model")
        keras.saving.save_model(model, saved, zipped=False)  # the Keras-native folder layout of hf:// saves
        names = sorted(str(p.relative_to(saved)) for p in saved.rglob("*") if p.is_file())
        for name in names:
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved / name, directory / name)
    spec = spec.with_files(directory, names)
    (directory / RECORD_FILENAME).write_text(_dumps(spec.to_dict()))
    readme = directory / CARD_FILENAME
    if card and (not readme.exists() or is_generated_card(readme.read_text(errors="replace"))):
        build_model_card(spec, repo_id, card_tags).save(readme)
    return spec


def _dumps(data: Mapping[str, Any]) -> str:
    import json

    return json.dumps(data, indent=2) + "\n"


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
        **record: :func:`describe_model` arguments (``tag``, ``labels``,
            ``preprocessing``, ``evaluation``, ``metrics``, ``recipe``,
            ``dataset``, ``base_model``, ``license``).

    Returns:
        :class:`Published`: repo, branch, commit id, URL and record.

    Example:
    >>> from keras_video_zoo import create_model, from_pretrained, push_to_hub
    >>> from keras_video_zoo.hub.testing import LoopbackHub
    >>> with LoopbackHub() as hub:  # a local test server; leave endpoint out to publish to the real Hub
    ...     published = push_to_hub(create_model("slow_fusion_tiny"), "me/tiny", endpoint=hub.url, token=hub.token)
    ...     sorted(published.spec.files)
    ['config.json', 'metadata.json', 'model.weights.h5']
    """
    hub = require_huggingface_hub()
    from keras_video_zoo import __version__

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
