"""Checkpoint records (:class:`WeightsSpec`) and the weights index that points at them.

A checkpoint is a folder (bundled in the package, from the repository's ``weights/``) or a
Hub repo holding the Keras-native files (``config.json``, ``metadata.json``,
``model.weights.h5``) and the zoo's record, ``keras_video_zoo.json``: a :class:`WeightsSpec`
that says what the checkpoint is (labels, input spec, the build arguments that rebuild it,
preprocessing, evaluation protocol, metrics, recipe and dataset, parameter count) and the
sha256 of every file it covers, so loading one needs no other knowledge and a tampered file
is refused. The record is the single source of truth.

The index, ``index.json`` in the bundled weights folder, only points: it names checkpoints
``"model.tag"`` (e.g. ``"slow_fusion_tiny.synthetic"``) and says where each record is and
what its sha256 is::

    {"format": "keras_video_zoo.weights_index", "version": 2,
     "weights": [{"name": "slow_fusion_tiny.synthetic", "path": "slow_fusion_tiny.synthetic",
                  "record_sha256": "..."},
                 {"name": "slow_fusion.ucf101", "repo_id": "org/slow-fusion-ucf101",
                  "revision": "<commit>", "record_sha256": "..."}]}

Each entry is bundled (``path``, relative to the index's folder) or on the Hub (``repo_id``
and a pinned ``revision``). :mod:`keras_video_zoo.checkpoints` resolves names to checkpoints.
"""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
import importlib.resources
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

RECORD_FILENAME = "keras_video_zoo.json"
INDEX_FILENAME = "index.json"
INDEX_FORMAT = "keras_video_zoo.weights_index"
INDEX_VERSION = 2
RECORD_FORMAT = "keras_video_zoo.weights_spec"
RECORD_VERSION = 2
# Version 1 records also held the checkpoint's location (path, repo_id, revision), always null in the
# record itself (it now lives in the index only), and model_kwargs that were not complete build
# arguments (only num_classes). Version 1 records still read: without location, and without build
# arguments, so they load from their saved Keras config.
_V1_LOCATION_FIELDS = ("path", "repo_id", "revision")
BUNDLED_PACKAGE = "keras_video_zoo.bundled_weights"  # the repository's weights/ folder, shipped as package data
WEIGHTS_DIR_ENV = "KVZ_WEIGHTS_DIR"  # optional: another weights folder (with its own index.json)


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks.

    Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "empty"
    >>> _ = path.write_bytes(b"")
    >>> sha256_file(path)
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class InputSpec:
    """One model input: a clip of RGB frames or a stack of flow fields.

    Attributes:
        name: the Keras input name (``"clip"``, ``"flow"``, ...).
        frames: clip length T (flow fields L for a temporal stream).
        height: frame height in pixels.
        width: frame width in pixels.
        channels: 3 for RGB, 2 for (x, y) flow.
        dtype: what the model is fed (raw 0-255 pixels as uint8 or float; quantised flow as uint8).
    """

    name: str
    frames: int
    height: int
    width: int
    channels: int
    dtype: str = "uint8"

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.frames, self.height, self.width, self.channels)

    @classmethod
    def from_model(cls, model) -> tuple[InputSpec, ...]:
        """The input specs of a Keras model with ``(batch, T, H, W, C)`` inputs.

        Example:
        >>> from keras_video_zoo import create_model
        >>> InputSpec.from_model(create_model("slow_fusion_tiny"))[0].shape
        (10, 64, 64, 3)
        """
        specs = []
        for tensor in model.inputs:
            shape = tuple(tensor.shape[1:])
            if len(shape) != 4 or not all(isinstance(size, int) for size in shape):
                raise ValueError(
                    f"input {tensor.name!r} of model {model.name!r} has shape {shape}; a checkpoint records "
                    "(frames, height, width, channels) clips with every size known."
                )
            name = tensor.name.split(":")[0]
            specs.append(cls(name, *shape))
        return tuple(specs)


@dataclass(frozen=True)
class WeightsSpec:
    """What a checkpoint is and how it was made: the record behind ``"model.tag"``.

    Attributes:
        model: registry name of the architecture (``"slow_fusion_tiny"``), or the
            Keras model name for a model outside the registry.
        tag: the weights' tag (``"synthetic"``); ``name`` is ``"model.tag"``.
        labels: class names, ``labels[i]`` is output ``i``; empty when unknown.
        num_classes: classifier outputs (a dict per head for multi-task models).
        inputs: one :class:`InputSpec` per model input.
        num_params: parameter count, checked when the checkpoint loads.
        files: file name -> sha256 of every file the checkpoint covers.
        preprocessing: how raw videos become model inputs (sampling, size, pixel range).
        evaluation: the evaluation protocol (e.g. ``KarpathyProtocol(...).to_dict()``).
        metrics: results under that protocol, e.g. ``{"video_hit@1": 0.93}``.
        recipe: the training recipe, including the command that reproduces it.
        dataset: the training data, e.g. ``{"name": "kvz-synthetic-source", "split": 1}``.
        model_kwargs: the build arguments: ``create_model(model, **model_kwargs)`` rebuilds the
            architecture (any variant, registered or not); ``None`` when the model was not built
            by a zoo factory, which then loads from the saved Keras config.
        base_model: the checkpoint this one was fine-tuned from, if any.
        license: licence identifier for the weights.
        keras_version: the Keras version that saved it.
    """

    model: str
    tag: str = ""
    labels: tuple[str, ...] = ()
    num_classes: int | Mapping[str, int] | None = None
    inputs: tuple[InputSpec, ...] = ()
    num_params: int = 0
    files: Mapping[str, str] = field(default_factory=dict)
    preprocessing: Mapping[str, Any] = field(default_factory=dict)
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    recipe: Mapping[str, Any] = field(default_factory=dict)
    dataset: Mapping[str, Any] = field(default_factory=dict)
    model_kwargs: Mapping[str, Any] | None = None
    base_model: str | None = None
    license: str | None = None
    keras_version: str | None = None

    @property
    def name(self) -> str:
        """``"model.tag"``, the name the index registers."""
        return f"{self.model}.{self.tag}" if self.tag else self.model

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``format`` and ``version`` included)."""
        data = {"format": RECORD_FORMAT, "version": RECORD_VERSION, **asdict(self)}
        data["labels"] = list(self.labels)
        data["inputs"] = [asdict(spec) for spec in self.inputs]
        return json.loads(json.dumps(data))  # plain lists and dicts only

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeightsSpec:
        """Reads :meth:`to_dict`'s output; unknown keys are an error (a newer format).

        Example:
        >>> spec = WeightsSpec("slow_fusion_tiny", "demo", labels=("a", "b"), num_classes=2,
        ...                    inputs=(InputSpec("clip", 10, 64, 64, 3),))
        >>> WeightsSpec.from_dict(spec.to_dict()) == spec
        True
        """
        data = dict(data)
        fmt, version = data.pop("format", RECORD_FORMAT), data.pop("version", RECORD_VERSION)
        if fmt != RECORD_FORMAT or version not in (1, RECORD_VERSION):
            raise ValueError(
                f"weights record has format {fmt!r} version {version!r}; this keras_video_zoo reads "
                f"{RECORD_FORMAT!r} versions 1 and {RECORD_VERSION}. Upgrade keras_video_zoo."
            )
        if version == 1:
            for name in _V1_LOCATION_FIELDS:
                data.pop(name, None)
            data["model_kwargs"] = None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"weights record has unknown fields {unknown}; upgrade keras_video_zoo to read it.")
        if "model" not in data:
            raise ValueError("weights record has no 'model' field (the architecture's registry name).")
        data["labels"] = tuple(data.get("labels") or ())
        data["inputs"] = tuple(InputSpec(**spec) for spec in data.get("inputs") or ())
        return cls(**data)

    def with_files(self, directory: str | os.PathLike, names: Iterable[str]) -> WeightsSpec:
        """A copy whose ``files`` are the sha256 of ``names`` inside ``directory``."""
        return replace(self, files={name: sha256_file(Path(directory, name)) for name in sorted(names)})

    def verify_files(self, directory: str | os.PathLike) -> None:
        """Checks every recorded file against its sha256.

        Raises:
            ChecksumError: a file is missing or its contents differ from the record.
        """
        if not self.files:
            raise ChecksumError(f"{self.name}: the record lists no files and their sha256, so nothing can be verified.")
        for name, expected in self.files.items():
            path = Path(directory, name)
            if not path.is_file():
                raise ChecksumError(f"{self.name}: {name} is missing from {directory}; the checkpoint is incomplete.")
            actual = sha256_file(path)
            if actual != expected:
                raise ChecksumError(
                    f"{self.name}: {path} has sha256 {actual} but the record says {expected}; the file was modified "
                    "or corrupted, so it is refused. Delete it (or pass force_download=True) and download it again."
                )


class ChecksumError(ValueError):
    """A checkpoint file is missing or its sha256 differs from the record."""


class UnknownWeightsError(ValueError):
    """No checkpoint is registered under a ``"model.tag"`` name."""


class WeightsIndexError(RuntimeError):
    """The weights index is missing, unreadable or of an unknown format (a broken install)."""


def read_record(path: str | os.PathLike) -> WeightsSpec:
    """The :class:`WeightsSpec` in a record file, or in ``directory/keras_video_zoo.json``.

    Raises:
        FileNotFoundError: there is no record.
        ChecksumError: the record is not valid JSON or not a record.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_FILENAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist.")
    try:
        return WeightsSpec.from_dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise ChecksumError(f"{path} is not a valid weights record: {error}") from error


@dataclass(frozen=True)
class IndexEntry:
    """A pointer in the weights index: a ``"model.tag"`` name, where its record is, and the record's sha256.

    Attributes:
        name: ``"model.tag"``.
        record_sha256: sha256 of the checkpoint's ``keras_video_zoo.json``; the record lists the
            other files' hashes, so this one hash pins the whole checkpoint.
        path: bundled checkpoints: the folder, relative to the index's folder.
        repo_id: Hub checkpoints: ``"org/name"``.
        revision: Hub checkpoints: the pinned commit.
    """

    name: str
    record_sha256: str
    path: str | None = None
    repo_id: str | None = None
    revision: str | None = None

    def __post_init__(self) -> None:
        model, _, tag = self.name.partition(".")
        if not model or not tag:
            raise ValueError(f"a registered checkpoint is named 'model.tag'; got {self.name!r}.")
        if bool(self.path) == bool(self.repo_id):
            raise ValueError(f"{self.name}: a registered checkpoint is bundled (path=...) or on the Hub (repo_id=...).")
        if self.repo_id and not self.revision:
            raise ValueError(f"{self.name}: a Hub checkpoint is registered at a pinned revision (a commit id).")
        if len(self.record_sha256) != 64:
            raise ValueError(f"{self.name}: record_sha256 must be the record file's hex sha256.")

    def to_dict(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def weights_dir() -> Path:
    """The weights folder: ``$KVZ_WEIGHTS_DIR`` if set, else the bundled weights inside the installed package.

    Raises:
        WeightsIndexError: the package was installed without its bundled weights.
    """
    override = os.environ.get(WEIGHTS_DIR_ENV)
    if override:
        return Path(override)
    try:
        bundled = importlib.resources.files(BUNDLED_PACKAGE)
    except ModuleNotFoundError as error:
        raise WeightsIndexError(
            f"keras_video_zoo was installed without its bundled weights ({BUNDLED_PACKAGE} is missing): "
            "the wheel or checkout is incomplete. Reinstall it: pip install --force-reinstall keras-video-zoo."
        ) from error
    return Path(str(bundled))


def default_index_path() -> Path:
    """``index.json`` in :func:`weights_dir`."""
    return weights_dir() / INDEX_FILENAME


def _read_index(path: Path, *, missing_ok: bool = False) -> list[dict[str, Any]]:
    if not path.is_file():
        if missing_ok:
            return []
        where = f"${WEIGHTS_DIR_ENV} is {os.environ[WEIGHTS_DIR_ENV]!r}" if os.environ.get(WEIGHTS_DIR_ENV) else ""
        raise WeightsIndexError(
            f"the weights index {path} does not exist" + (f" ({where})" if where else "") + ": the bundled "
            "weights are missing. Reinstall keras_video_zoo (pip install --force-reinstall keras-video-zoo)"
            + (f", or point {WEIGHTS_DIR_ENV} at a folder with an {INDEX_FILENAME}." if where else ".")
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise WeightsIndexError(f"the weights index {path} cannot be read: {error}") from error
    fmt, version = (data.get("format"), data.get("version")) if isinstance(data, dict) else (None, None)
    if fmt != INDEX_FORMAT or version != INDEX_VERSION:
        raise WeightsIndexError(
            f"{path} is not a version-{INDEX_VERSION} {INDEX_FORMAT!r} file (format {fmt!r}, version {version!r}); "
            "version 1 indexes held whole records, version 2 holds pointers (keras_video_zoo.weights.register_weights)."
        )
    return list(data.get("weights") or [])


def load_index(index_path: str | os.PathLike | None = None) -> dict[str, IndexEntry]:
    """The registered checkpoints, by ``"model.tag"`` name.

    Args:
        index_path: an ``index.json``; defaults to the bundled one (:func:`default_index_path`).

    Raises:
        WeightsIndexError: the index is missing, unreadable or of another format.

    Example:
    >>> "slow_fusion_tiny.synthetic" in load_index()
    True
    """
    path = Path(index_path) if index_path is not None else default_index_path()
    try:
        entries = [IndexEntry(**entry) for entry in _read_index(path)]
    except (TypeError, ValueError) as error:
        raise WeightsIndexError(f"the weights index {path} has a malformed entry: {error}") from error
    return {entry.name: entry for entry in entries}


def list_weights(pattern: str | None = None, index_path: str | os.PathLike | None = None) -> list[str]:
    """Sorted registered ``"model.tag"`` names, optionally filtered by a shell-style pattern.

    Example:
    >>> list_weights("slow_fusion_tiny.*")
    ['slow_fusion_tiny.synthetic']
    """
    names = sorted(load_index(index_path))
    return names if pattern is None else [n for n in names if fnmatch.fnmatchcase(n, pattern)]


def get_index_entry(name: str, index_path: str | os.PathLike | None = None) -> IndexEntry:
    """The index entry for ``"model.tag"``.

    Raises:
        UnknownWeightsError: the name is not registered; the message lists close matches.

    Example:
    >>> get_index_entry("slow_fusion_tiny.synthetc")
    Traceback (most recent call last):
    ...
    keras_video_zoo.weights.UnknownWeightsError: No checkpoint is registered as 'slow_fusion_tiny.synthetc'. ...
    """
    index = load_index(index_path)
    if name in index:
        return index[name]
    model = name.partition(".")[0]
    same_model = [n for n in sorted(index) if n.partition(".")[0] == model]
    close = [n for n in difflib.get_close_matches(name, index, n=5, cutoff=0.6) if n not in same_model]
    hints = []
    if same_model:
        hints.append(f"Tags for {model!r}: {', '.join(same_model)}.")
    if close:
        hints.append(f"Did you mean: {', '.join(close)}?")
    if not hints:
        hints.append(f"Registered: {', '.join(sorted(index))}." if index else "The index is empty.")
    raise UnknownWeightsError(
        f"No checkpoint is registered as {name!r}. {' '.join(hints)} A model SOURCE is a registered 'model.tag' "
        "(kvz models), 'hf://org/name[@revision]', a checkpoint folder, a kvz train run folder or a .keras file."
    )


def register_weights(entry: IndexEntry, index_path: str | os.PathLike | None = None) -> Path:
    """Adds (or replaces) a pointer in the index file; returns the index path.

    Example:
    >>> import tempfile, pathlib
    >>> index = pathlib.Path(tempfile.mkdtemp()) / "index.json"
    >>> _ = register_weights(IndexEntry("my_model.v1", "0" * 64, repo_id="me/my-model", revision="abc123"), index)
    >>> list(load_index(index))
    ['my_model.v1']
    """
    path = Path(index_path) if index_path is not None else default_index_path()
    entries = [item for item in _read_index(path, missing_ok=True) if item.get("name") != entry.name]
    entries.append(entry.to_dict())
    data = {"format": INDEX_FORMAT, "version": INDEX_VERSION, "weights": sorted(entries, key=lambda e: e["name"])}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def register_folder(folder: str | os.PathLike, index_path: str | os.PathLike | None = None) -> IndexEntry:
    """Registers a checkpoint folder beside the index under its record's ``"model.tag"`` name.

    The folder must lie inside the index's folder (it is recorded as a relative path).

    Raises:
        ValueError: the record has no tag or lists no file hashes, or the folder is elsewhere.
    """
    path = Path(index_path) if index_path is not None else default_index_path()
    folder = Path(folder)
    record = read_record(folder)
    if not record.tag:
        raise ValueError(f"{folder}: a registered checkpoint needs a tag (the part after the dot of 'model.tag').")
    if not record.files:
        raise ValueError(f"{folder}: a registered checkpoint's record must list its files' sha256.")
    try:
        relative = folder.resolve().relative_to(path.parent.resolve())
    except ValueError:
        raise ValueError(f"{folder} is not inside {path.parent}, the index's folder.") from None
    entry = IndexEntry(record.name, sha256_file(folder / RECORD_FILENAME), path=relative.as_posix())
    register_weights(entry, path)
    return entry
