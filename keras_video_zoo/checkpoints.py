"""One resolver for every way of naming a model: a SOURCE becomes a verified local :class:`Checkpoint`.

A SOURCE is one of:

- a registered ``"model.tag"`` (``"slow_fusion_tiny.synthetic"``), looked up in the weights index;
- ``"hf://org/name"`` or ``"hf://org/name@revision"``, downloaded through huggingface_hub's cache
  (so ``HF_HUB_OFFLINE``, ``HF_ENDPOINT`` and revision pinning work as everywhere else);
- a checkpoint folder (written by ``save_pretrained``: Keras files plus ``keras_video_zoo.json``);
- a ``kvz train`` run folder (its final ``model.keras``);
- a ``.keras`` file (one written by the zoo carries its record inside; any other loads without one).

Every file a record lists is checked against its sha256 before anything reads it. This module
finds and verifies; building the model is :func:`keras_video_zoo.models.create_model`'s job, so
the factories' ``weights=``, ``create_model``, ``from_pretrained`` and every ``kvz --model`` share it.

Example:
>>> checkpoint = resolve_checkpoint("slow_fusion_tiny.synthetic")
>>> checkpoint.kind, checkpoint.record.labels[:2]
('tag', ('BlueCross', 'Contract'))
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from keras_video_zoo.checkpoint_folder import REQUIRED_FILES
from keras_video_zoo.keras_file import NotAKerasFileError, read_embedded_record
from keras_video_zoo.run_folder import RUN_INFO, RUN_MODEL, RunFolder
from keras_video_zoo.version import __version__
from keras_video_zoo.weights import (
    RECORD_FILENAME,
    ChecksumError,
    IndexEntry,
    UnknownWeightsError,
    WeightsSpec,
    default_index_path,
    get_index_entry,
    read_record,
    sha256_file,
)

HF_PREFIX = "hf://"
KERAS_SUFFIX = ".keras"
KINDS = ("tag", "hub", "folder", "run", "keras_file")
_TAG = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")


class PretrainedNotFoundError(ValueError):
    """The source names no checkpoint: a missing repo, revision, folder, file, record or tag."""


class PretrainedUnavailableError(OSError):
    """The checkpoint exists somewhere but cannot be reached: offline and not cached, or no connection."""


@dataclass(frozen=True)
class Checkpoint:
    """A found and verified checkpoint, not yet loaded.

    Attributes:
        source: what was asked for.
        kind: one of :data:`KINDS`.
        record: what the checkpoint is (labels, inputs, build arguments, metrics, ...); ``None`` for
            a ``.keras`` file that the zoo did not write.
        directory: the folder with ``config.json`` and ``model.weights.h5`` (tags, Hub repos, folders).
        keras_file: the ``.keras`` file (run folders and ``.keras`` sources).
        commit: the Hub commit the files come from.
    """

    source: str
    kind: str
    record: WeightsSpec | None
    directory: Path | None = None
    keras_file: Path | None = None
    commit: str | None = None


def looks_like_source(text: str) -> bool:
    """Whether ``text`` is a checkpoint SOURCE rather than a bare registry name (``"slow_fusion_tiny"``).

    Example:
    >>> looks_like_source("slow_fusion_tiny"), looks_like_source("slow_fusion_tiny.synthetic")
    (False, True)
    """
    return (
        text.startswith(HF_PREFIX)
        or text.endswith(KERAS_SUFFIX)
        or _TAG.match(text) is not None
        or os.sep in text
        or "/" in text
        or os.path.exists(text)
    )


def _kind(text: str) -> str:
    if text.startswith(HF_PREFIX):
        return "hub"
    path = Path(text)
    if path.is_dir():
        if (path / RECORD_FILENAME).is_file():
            return "folder"
        if RunFolder(path).is_run:
            return "run"
        raise PretrainedNotFoundError(
            f"{text} is a folder but neither a checkpoint (no {RECORD_FILENAME}: save one with "
            f"keras_video_zoo.hub.save_pretrained) nor a kvz train run folder (no {RUN_INFO})."
        )
    if text.endswith(KERAS_SUFFIX):
        if not path.is_file():
            raise PretrainedNotFoundError(f"{text} does not exist.")
        return "keras_file"
    if _TAG.match(text) and not path.exists():
        return "tag"
    if path.exists():
        raise PretrainedNotFoundError(f"{text} is a file but not a .keras model (nor a checkpoint folder).")
    if "/" in text or os.sep in text:
        hint = f" For a Hub repo write 'hf://{text}'." if text.count("/") == 1 else ""
        raise PretrainedNotFoundError(f"{text}: no such folder or file.{hint}")
    raise PretrainedNotFoundError(
        f"{text!r} is not a model SOURCE: use a registered 'model.tag' (kvz models lists them), "
        "'hf://org/name[@revision]', a checkpoint folder, a kvz train run folder, or a .keras file."
    )


def require_huggingface_hub():
    """Imports huggingface_hub (an optional dependency: the ``hub`` extra), or says how to install it."""
    try:
        import huggingface_hub
    except ImportError as error:
        raise ImportError(
            "Publishing to and loading from the Hugging Face Hub needs huggingface_hub: "
            "pip install 'keras-video-zoo[hub]'"
        ) from error
    return huggingface_hub


def _require_huggingface_hub():
    hub = require_huggingface_hub()
    from huggingface_hub import constants, errors

    return hub, constants, errors


@dataclass(frozen=True)
class HubOptions:
    """How to reach the Hub (the arguments of huggingface_hub's downloads).

    Attributes:
        cache_dir: the Hub cache folder; ``None``: huggingface_hub's (``HF_HUB_CACHE``).
        local_files_only: only use cached files; ``None`` follows ``HF_HUB_OFFLINE``.
        force_download: download again even when cached.
        token: a Hub token; ``None`` uses huggingface_hub's resolution (``HF_TOKEN``, saved login).
        endpoint: the Hub URL; ``None`` uses ``HF_ENDPOINT`` or huggingface.co.
    """

    cache_dir: str | os.PathLike | None = None
    local_files_only: bool | None = None
    force_download: bool = False
    token: str | bool | None = None
    endpoint: str | None = None


def _download_hub(
    repo_id: str, revision: str | None, options: HubOptions, record_sha256: str | None = None
) -> tuple[Path, WeightsSpec, str]:
    """Downloads the record, then every file it lists, all at the commit the revision resolves to."""
    hub, constants, errors = _require_huggingface_hub()
    offline = constants.HF_HUB_OFFLINE if options.local_files_only is None else options.local_files_only
    # huggingface_hub >= 1.0 splits EntryNotFoundError into remote and local errors; the local one is caught first.
    remote_missing = getattr(errors, "RemoteEntryNotFoundError", errors.EntryNotFoundError)
    where = f"hf://{repo_id}" + (f"@{revision}" if revision else "")
    common = {
        "repo_id": repo_id,
        "cache_dir": options.cache_dir,
        "local_files_only": offline,
        "force_download": options.force_download,
        "token": options.token,
        "endpoint": options.endpoint,
        "library_name": "keras_video_zoo",
        "library_version": __version__,
    }
    try:
        record_path = Path(hub.hf_hub_download(filename=RECORD_FILENAME, revision=revision, **common))
        commit = record_path.parent.name  # .../snapshots/<commit>/keras_video_zoo.json
        if record_sha256 is not None and sha256_file(record_path) != record_sha256:
            raise ChecksumError(
                f"{where}: its {RECORD_FILENAME} has sha256 {sha256_file(record_path)} but the weights index "
                f"registered {record_sha256}; the checkpoint is not the registered one."
            )
        record = read_record(record_path)
        for name in record.files:
            hub.hf_hub_download(filename=name, revision=commit, **common)
    except errors.RevisionNotFoundError as error:
        raise PretrainedNotFoundError(
            f"{where}: revision {revision!r} does not exist.{_branches_hint(repo_id, options)}"
        ) from error
    except errors.RepositoryNotFoundError as error:
        raise PretrainedNotFoundError(
            f"{where}: repository {repo_id!r} was not found on {options.endpoint or constants.ENDPOINT}. Check the "
            "name; for a private repo, log in (hf auth login) or set HF_TOKEN."
        ) from error
    except errors.LocalEntryNotFoundError as error:
        if offline:
            raise PretrainedUnavailableError(
                f"{where} is not in the Hub cache ({options.cache_dir or constants.HF_HUB_CACHE}) and downloads "
                "are off (HF_HUB_OFFLINE=1 or local_files_only=True). Download it once with network access, or "
                "unset HF_HUB_OFFLINE."
            ) from error
        raise PretrainedUnavailableError(
            f"{where}: the Hub at {options.endpoint or constants.ENDPOINT} cannot be reached and the files are not "
            f"in the cache. Check the connection (and HF_ENDPOINT). Details: {error}"
        ) from error
    except remote_missing as error:
        raise PretrainedNotFoundError(
            f"{where} has no {RECORD_FILENAME} (or misses a file it lists): it was not published by keras_video_zoo. "
            f"A plain Keras repo loads with keras.saving.load_model('hf://{repo_id}')."
        ) from error
    return record_path.parent, record, commit


def _branches_hint(repo_id: str, options: HubOptions) -> str:
    hub, _, _ = _require_huggingface_hub()
    try:
        refs = hub.HfApi(endpoint=options.endpoint, token=options.token).list_repo_refs(repo_id)
    except Exception:  # the hint is optional; the error it decorates already says what is wrong
        return ""
    names = [ref.name for ref in refs.branches] + [ref.name for ref in refs.tags]
    return f" Branches and tags: {', '.join(names)}; or pin a commit id." if names else ""


def _verify(record: WeightsSpec, directory: Path) -> None:
    missing = [name for name in REQUIRED_FILES if name not in record.files]
    if missing:
        raise ChecksumError(f"{record.name}: the record does not cover {missing}; a checkpoint must hash every file.")
    record.verify_files(directory)


def _registered(
    name: str, revision: str | None, options: HubOptions, index_path: Path
) -> tuple[Path, WeightsSpec, str | None]:
    entry: IndexEntry = get_index_entry(name, index_path)
    if entry.repo_id:
        return _download_hub(entry.repo_id, revision or entry.revision, options, entry.record_sha256)
    directory = index_path.parent / entry.path
    record_file = directory / RECORD_FILENAME
    if not record_file.is_file():
        raise PretrainedNotFoundError(
            f"{name} is registered at {directory}, which has no {RECORD_FILENAME}: the bundled weights are "
            "incomplete. Reinstall keras_video_zoo."
        )
    if sha256_file(record_file) != entry.record_sha256:
        raise ChecksumError(
            f"{name}: {record_file} has sha256 {sha256_file(record_file)} but the weights index registered "
            f"{entry.record_sha256}; the checkpoint is not the registered one."
        )
    return directory, read_record(directory), None


def _parse_hub(text: str, revision: str | None) -> tuple[str, str | None]:
    repo_id, _, pinned = text[len(HF_PREFIX) :].partition("@")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise PretrainedNotFoundError(f"{text!r}: a Hub source is 'hf://org/name' or 'hf://org/name@revision'.")
    if pinned and revision and pinned != revision:
        raise ValueError(f"{text!r} pins revision {pinned!r} but revision={revision!r} was passed too.")
    return repo_id, pinned or revision


def resolve_checkpoint(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    hub: HubOptions | None = None,
    index_path: str | os.PathLike | None = None,
) -> Checkpoint:
    """Finds (downloading if needed) and verifies the checkpoint ``source`` names, without building it.

    Args:
        source: a registered ``"model.tag"``, ``"hf://org/name[@revision]"``, a checkpoint folder,
            a ``kvz train`` run folder or a ``.keras`` file.
        revision: Hub branch, tag or commit id (or ``@revision`` in ``source``).
        hub: how to reach the Hub (:class:`HubOptions`).
        index_path: the weights index for ``"model.tag"`` sources (default: the bundled one).

    Raises:
        PretrainedNotFoundError: no such tag, repo, revision, folder, file or record (close tags listed).
        PretrainedUnavailableError: offline (or unreachable) and not cached.
        ChecksumError: a file differs from its recorded sha256.

    Example:
    >>> resolve_checkpoint("slow_fusion_tiny.sythetic")
    Traceback (most recent call last):
    ...
    keras_video_zoo.checkpoints.PretrainedNotFoundError: No checkpoint is registered as ...
    """
    text = os.fspath(source)
    options = hub or HubOptions()
    kind = _kind(text)
    if kind == "tag":
        try:
            directory, record, commit = _registered(
                text, revision, options, Path(index_path) if index_path is not None else default_index_path()
            )
        except UnknownWeightsError as error:
            raise PretrainedNotFoundError(str(error)) from None
        _verify(record, directory)
        return Checkpoint(text, kind, record, directory=directory, commit=commit)
    if kind == "hub":
        repo_id, pinned = _parse_hub(text, revision)
        directory, record, commit = _download_hub(repo_id, pinned, options)
        _verify(record, directory)
        return Checkpoint(text, kind, record, directory=directory, commit=commit)
    if kind == "folder":
        directory = Path(text)
        record = read_record(directory)
        _verify(record, directory)
        return Checkpoint(text, kind, record, directory=directory)
    keras_file = RunFolder(text).model_file if kind == "run" else Path(text)
    if not keras_file.is_file():
        raise PretrainedNotFoundError(
            f"{text} is a kvz train run that has not finished (no {RUN_MODEL} yet): rerun the same kvz train "
            "command to resume it."
        )
    try:
        record = read_embedded_record(keras_file)
    except NotAKerasFileError as error:
        raise PretrainedNotFoundError(str(error)) from None
    return Checkpoint(text, kind, record, keras_file=keras_file)


def read_record_of(source: str | os.PathLike, **kwargs) -> WeightsSpec:
    """The record of the checkpoint ``source`` names (see :func:`resolve_checkpoint`).

    Raises:
        PretrainedNotFoundError: the source has no record (a ``.keras`` file the zoo did not write).

    Example:
    >>> read_record_of("slow_fusion_tiny.synthetic").metrics["video_hit@1"]
    0.75
    """
    checkpoint = resolve_checkpoint(source, **kwargs)
    if checkpoint.record is None:
        raise PretrainedNotFoundError(f"{source} carries no keras_video_zoo record (labels, inputs, metrics).")
    return checkpoint.record
