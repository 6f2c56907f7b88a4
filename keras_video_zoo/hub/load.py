"""Load a checkpoint: ``from_pretrained("hf://org/name[@revision]" | folder | "model.tag")``.

Every source becomes a local folder (Hub files come through huggingface_hub's
cache, so offline mode and revision pinning work as they do everywhere else);
every file is checked against the sha256 in the record before Keras reads it, and
the model is deserialised with ``safe_mode=True`` (no pickles, no Lambda layers).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from keras_video_zoo.hub.publish import require_huggingface_hub
from keras_video_zoo.weights import RECORD_FILENAME, ChecksumError, WeightsSpec, get_weights_spec, weights_dir

HF_PREFIX = "hf://"
_TAG_RE = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_\-]+$")
_UNSAFE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")
REQUIRED_FILES = ("config.json", "model.weights.h5")


class PretrainedNotFoundError(ValueError):
    """The source names no checkpoint: a missing repo, revision, folder or record."""


class PretrainedUnavailableError(OSError):
    """The checkpoint exists somewhere but cannot be reached: offline and not cached, or no connection."""


@dataclass(frozen=True)
class Source:
    """A parsed ``from_pretrained`` source.

    Attributes:
        kind: ``"hub"``, ``"folder"`` or ``"tag"``.
        location: ``"org/name"``, a folder path, or ``"model.tag"``.
        revision: Hub revision (branch, tag or commit), if any.
    """

    kind: str
    location: str
    revision: str | None = None


def parse_source(source: str | os.PathLike, revision: str | None = None) -> Source:
    """Tells a Hub repo, a checkpoint folder and a registered ``"model.tag"`` apart.

    Example:
    >>> parse_source("hf://org/tiny@v2")
    Source(kind='hub', location='org/tiny', revision='v2')
    >>> parse_source("slow_fusion_tiny.synthetic").kind
    'tag'
    """
    text = os.fspath(source)
    if text.startswith(HF_PREFIX):
        repo_id, _, pinned = text[len(HF_PREFIX) :].partition("@")
        if repo_id.count("/") != 1 or not all(repo_id.split("/")):
            raise PretrainedNotFoundError(f"{text!r}: a Hub source is 'hf://org/name' or 'hf://org/name@revision'.")
        if pinned and revision and pinned != revision:
            raise ValueError(f"{text!r} pins revision {pinned!r} but revision={revision!r} was passed too.")
        return Source("hub", repo_id, pinned or revision)
    if os.path.isdir(text):
        return Source("folder", text, revision)
    if _TAG_RE.match(text):
        return Source("tag", text, revision)
    hint = f" Did you mean 'hf://{text}'?" if text.count("/") == 1 and not os.path.exists(text) else ""
    raise PretrainedNotFoundError(
        f"{text!r} is not a checkpoint source: use 'hf://org/name[@revision]', a checkpoint folder (with "
        f"{RECORD_FILENAME}), or a registered 'model.tag' (see keras_video_zoo.weights.list_weights()).{hint}"
    )


@dataclass(frozen=True)
class Checkpoint:
    """A verified local checkpoint.

    Attributes:
        directory: the folder holding the files (a Hub cache snapshot for Hub sources).
        spec: its record; ``spec.labels`` names the classes.
        source: what was asked for.
        commit: the Hub commit the files come from, for Hub sources.
    """

    directory: Path
    spec: WeightsSpec
    source: str
    commit: str | None = None


def read_record(directory: str | os.PathLike) -> WeightsSpec:
    """The :class:`WeightsSpec` in ``directory/keras_video_zoo.json``."""
    path = Path(directory, RECORD_FILENAME)
    if not path.is_file():
        raise PretrainedNotFoundError(
            f"{directory} has no {RECORD_FILENAME}, so it is not a keras_video_zoo checkpoint (no record of its "
            "labels, inputs and file hashes). A plain Keras folder loads with keras.saving.load_model(folder)."
        )
    try:
        return WeightsSpec.from_dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as error:
        raise ChecksumError(f"{path} is not a valid weights record: {error}") from error


def _hub_modules():
    hub = require_huggingface_hub()
    from huggingface_hub import constants, errors

    return hub, constants, errors


def _download_hub(
    repo_id: str,
    revision: str | None,
    expected: WeightsSpec | None,
    *,
    cache_dir: str | os.PathLike | None,
    local_files_only: bool | None,
    force_download: bool,
    token: str | bool | None,
    endpoint: str | None,
) -> tuple[Path, WeightsSpec, str]:
    """Downloads the record, then every file it lists, all at the commit the revision resolves to."""
    hub, constants, errors = _hub_modules()
    from keras_video_zoo import __version__

    offline = constants.HF_HUB_OFFLINE if local_files_only is None else local_files_only
    # huggingface_hub >= 1.0 splits EntryNotFoundError into remote and local errors; the local one is caught first.
    remote_missing = getattr(errors, "RemoteEntryNotFoundError", errors.EntryNotFoundError)
    where = f"hf://{repo_id}" + (f"@{revision}" if revision else "")
    common = {
        "repo_id": repo_id,
        "cache_dir": cache_dir,
        "local_files_only": offline,
        "force_download": force_download,
        "token": token,
        "endpoint": endpoint,
        "library_name": "keras_video_zoo",
        "library_version": __version__,
    }
    try:
        record_path = Path(hub.hf_hub_download(filename=RECORD_FILENAME, revision=revision, **common))
        commit = record_path.parent.name  # .../snapshots/<commit>/keras_video_zoo.json
        spec = read_record(record_path.parent)
        for name in (expected or spec).files:
            hub.hf_hub_download(filename=name, revision=commit, **common)
    except errors.RevisionNotFoundError as error:
        raise PretrainedNotFoundError(
            f"{where}: revision {revision!r} does not exist.{_branches_hint(repo_id, token, endpoint)}"
        ) from error
    except errors.RepositoryNotFoundError as error:
        raise PretrainedNotFoundError(
            f"{where}: repository {repo_id!r} was not found on {endpoint or constants.ENDPOINT}. Check the name; "
            "for a private repo, log in (hf auth login) or set HF_TOKEN."
        ) from error
    except errors.LocalEntryNotFoundError as error:
        if offline:
            raise PretrainedUnavailableError(
                f"{where} is not in the Hub cache ({cache_dir or constants.HF_HUB_CACHE}) and downloads are off "
                "(HF_HUB_OFFLINE=1 or local_files_only=True). Download it once with network access, or unset "
                "HF_HUB_OFFLINE."
            ) from error
        raise PretrainedUnavailableError(
            f"{where}: the Hub at {endpoint or constants.ENDPOINT} cannot be reached and the files are not in the "
            f"cache. Check the connection (and HF_ENDPOINT). Details: {error}"
        ) from error
    except remote_missing as error:
        raise PretrainedNotFoundError(
            f"{where} has no {RECORD_FILENAME} (or misses a file it lists): it was not published by keras_video_zoo. "
            f"A plain Keras repo loads with keras.saving.load_model('hf://{repo_id}')."
        ) from error
    return record_path.parent, spec, commit


def _branches_hint(repo_id: str, token, endpoint) -> str:
    hub = require_huggingface_hub()
    try:
        refs = hub.HfApi(endpoint=endpoint, token=token).list_repo_refs(repo_id)
    except Exception:  # the hint is optional; the error above already says what is wrong
        return ""
    names = [ref.name for ref in refs.branches] + [ref.name for ref in refs.tags]
    return f" Branches and tags: {', '.join(names)}; or pin a commit id." if names else ""


def fetch_checkpoint(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool | None = None,
    force_download: bool = False,
    token: str | bool | None = None,
    endpoint: str | None = None,
    index_path: str | os.PathLike | None = None,
) -> Checkpoint:
    """Finds (downloading if needed) and verifies a checkpoint, without building the model.

    Args:
        source: ``"hf://org/name[@revision]"``, a checkpoint folder, or a registered ``"model.tag"``.
        revision: Hub branch, tag or commit id (or ``@revision`` in ``source``).
        cache_dir: Hub cache folder; defaults to huggingface_hub's (``HF_HUB_CACHE``).
        local_files_only: only use cached files; ``None`` follows ``HF_HUB_OFFLINE``.
        force_download: download again even when cached.
        token: Hub token; ``None`` uses huggingface_hub's resolution (``HF_TOKEN``, saved login).
        endpoint: Hub URL; ``None`` uses ``HF_ENDPOINT`` or huggingface.co.
        index_path: the weights index for ``"model.tag"`` sources.

    Raises:
        PretrainedNotFoundError: no such repo, revision, folder, record or tag.
        PretrainedUnavailableError: offline (or unreachable) and not cached.
        ChecksumError: a file differs from its recorded sha256.
    """
    parsed = parse_source(source, revision)
    hub_options = {
        "cache_dir": cache_dir,
        "local_files_only": local_files_only,
        "force_download": force_download,
        "token": token,
        "endpoint": endpoint,
    }
    if parsed.kind == "hub":
        directory, spec, commit = _download_hub(parsed.location, parsed.revision, None, **hub_options)
    elif parsed.kind == "folder":
        directory, spec, commit = Path(parsed.location), read_record(parsed.location), None
    else:
        expected = get_weights_spec(parsed.location, index_path)
        if expected.repo_id:
            directory, spec, commit = _download_hub(
                expected.repo_id, parsed.revision or expected.revision, expected, **hub_options
            )
        else:
            root = Path(index_path).parent if index_path is not None else weights_dir()
            directory, commit = root / (expected.path or ""), None
            spec = read_record(directory)
        if dict(spec.files) != dict(expected.files):
            raise ChecksumError(
                f"{parsed.location}: the checkpoint's record lists files {dict(spec.files)} but the weights index "
                f"registered {dict(expected.files)}; the checkpoint is not the registered one."
            )
        spec = expected  # the index is the authority for registered names
    missing = [name for name in REQUIRED_FILES if name not in spec.files]
    if missing:
        raise ChecksumError(f"{spec.name}: the record does not cover {missing}; a checkpoint must hash every file.")
    spec.verify_files(directory)
    return Checkpoint(Path(directory), spec, os.fspath(source), commit)


def _find_unsafe_layers(config: Any) -> list[str]:
    """Class names of Lambda-style layers anywhere in a Keras config."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") in _UNSAFE_LAYERS:
            found.append(config["class_name"])
        for value in config.values():
            found += _find_unsafe_layers(value)
    elif isinstance(config, list):
        for value in config:
            found += _find_unsafe_layers(value)
    return found


def load_checkpoint_model(checkpoint: Checkpoint, *, compile: bool = False) -> keras.Model:
    """Deserialises a verified checkpoint with ``safe_mode=True`` and checks its parameter count.

    Raises:
        ValueError: the config holds Lambda layers, or the model does not match the record.
    """
    config = json.loads((checkpoint.directory / "config.json").read_text())
    unsafe = _find_unsafe_layers(config)
    if unsafe:
        raise ValueError(
            f"{checkpoint.source}: config.json contains {sorted(set(unsafe))} layers, which run arbitrary Python; "
            "keras_video_zoo refuses them. Zoo models are built from registered layers only."
        )
    import keras_video_zoo.layers  # noqa: F401  (registers the zoo's serialisable layers)

    model = keras.saving.load_model(checkpoint.directory, compile=compile, safe_mode=True)
    if model.count_params() != checkpoint.spec.num_params:
        raise ChecksumError(
            f"{checkpoint.source}: the loaded model has {model.count_params():,} parameters but the record says "
            f"{checkpoint.spec.num_params:,}."
        )
    return model


def from_pretrained(
    source: str | os.PathLike,
    *,
    revision: str | None = None,
    num_classes: int | dict[str, int] | None = None,
    transfer: str | None = None,
    dropout: float | None = None,
    seed: int | None = None,
    compile: bool = False,
    cache_dir: str | os.PathLike | None = None,
    local_files_only: bool | None = None,
    force_download: bool = False,
    token: str | bool | None = None,
    endpoint: str | None = None,
    index_path: str | os.PathLike | None = None,
) -> keras.Model:
    """Loads a pretrained model, optionally with a new head for transfer learning.

    Args:
        source: ``"hf://org/name[@revision]"``, a checkpoint folder, or a
            registered ``"model.tag"`` such as ``"slow_fusion_tiny.synthetic"``.
        revision: Hub branch, tag or commit id to pin.
        num_classes: classes wanted. Differing from the checkpoint's needs ``transfer``.
        transfer: ``"scratch"``, ``"top"``, ``"top3"`` or ``"all"``
            (:func:`keras_video_zoo.training.transfer.prepare_transfer`): a new
            head when ``num_classes`` differs, and trainable flags per mode.
        dropout: drop rate before the trained layers (transfer only; default 0.9 for top/top3).
        seed: seed for a new head's initialisation (transfer only).
        compile: restore the saved compile configuration (no transfer only).
        cache_dir, local_files_only, force_download, token, endpoint, index_path:
            as in :func:`fetch_checkpoint`.

    Returns:
        The model; :func:`fetch_checkpoint` returns the record (labels, metrics, ...).

    Raises:
        ValueError: ``num_classes`` differs from the checkpoint's without ``transfer``,
            or an unknown transfer mode; and :func:`fetch_checkpoint`'s errors.

    Example:
    >>> import tempfile
    >>> from keras_video_zoo import create_model, from_pretrained
    >>> from keras_video_zoo.hub import save_pretrained
    >>> folder = tempfile.mkdtemp()
    >>> _ = save_pretrained(create_model("slow_fusion_tiny"), folder)
    >>> from_pretrained(folder).output_shape
    (None, 10)
    >>> from_pretrained(folder, num_classes=4, transfer="top").output_shape
    (None, 4)
    """
    from keras_video_zoo.training.transfer import TRANSFER_MODES, prepare_transfer

    if transfer is not None and transfer not in TRANSFER_MODES:
        raise ValueError(f"transfer must be one of {TRANSFER_MODES} or None; got {transfer!r}.")
    checkpoint = fetch_checkpoint(
        source,
        revision=revision,
        cache_dir=cache_dir,
        local_files_only=local_files_only,
        force_download=force_download,
        token=token,
        endpoint=endpoint,
        index_path=index_path,
    )
    has = checkpoint.spec.num_classes
    if num_classes is not None and num_classes != has and transfer is None:
        raise ValueError(
            f"{checkpoint.source} classifies {has} classes but num_classes={num_classes} was asked for. Pass "
            f"transfer='top', 'top3', 'all' or 'scratch' to replace the classifier (the paper's transfer modes), "
            "or leave num_classes out to keep the checkpoint's classes."
        )
    model = load_checkpoint_model(checkpoint, compile=compile and transfer is None)
    if transfer is not None:
        model = prepare_transfer(model, transfer, num_classes, dropout=dropout, seed=seed)
    return model
