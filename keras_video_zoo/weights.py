"""Pretrained checkpoints: one :class:`WeightsSpec` record per checkpoint, and the weights index.

A checkpoint is a folder (bundled under ``weights/``) or a Hub repo holding the
Keras-native files (``config.json``, ``metadata.json``, ``model.weights.h5``) and
the zoo's record, ``keras_video_zoo.json``: a :class:`WeightsSpec` that says what
the checkpoint is (labels, input spec, preprocessing, evaluation protocol, metrics,
recipe and dataset, parameter count) and the sha256 of every file it covers, so
loading one needs no other knowledge and a tampered file is refused.

The index, ``weights/index.json``, registers checkpoints under ``"model.tag"``
names (e.g. ``"slow_fusion_tiny.synthetic"``), which ``create_model``, the
factories' ``weights=`` and ``from_pretrained`` accept::

    {"format": "keras_video_zoo.weights_index", "version": 1,
     "weights": [{"model": "slow_fusion_tiny", "tag": "synthetic",
                  "path": "slow_fusion_tiny.synthetic", ...WeightsSpec fields...}]}

Each entry is bundled (``path``, relative to the index's folder) or on the Hub
(``repo_id`` and a pinned ``revision``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

RECORD_FILENAME = "keras_video_zoo.json"
INDEX_FILENAME = "index.json"
INDEX_FORMAT = "keras_video_zoo.weights_index"
RECORD_FORMAT = "keras_video_zoo.weights_spec"
FORMAT_VERSION = 1
WEIGHTS_DIR_ENV = "KVZ_WEIGHTS_DIR"


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
        model_kwargs: factory arguments that rebuild the architecture
            (``create_model(model, **model_kwargs)``), for ``weights=`` loading.
        base_model: the checkpoint this one was fine-tuned from, if any.
        license: licence identifier for the weights.
        path: bundled checkpoints: the folder, relative to the index's folder.
        repo_id: Hub checkpoints: ``"org/name"``.
        revision: Hub checkpoints: the pinned commit (or branch/tag).
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
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    base_model: str | None = None
    license: str | None = None
    path: str | None = None
    repo_id: str | None = None
    revision: str | None = None
    keras_version: str | None = None

    @property
    def name(self) -> str:
        """``"model.tag"``, the name the index registers."""
        return f"{self.model}.{self.tag}" if self.tag else self.model

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``format`` and ``version`` included)."""
        data = {"format": RECORD_FORMAT, "version": FORMAT_VERSION, **asdict(self)}
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
        fmt, version = data.pop("format", RECORD_FORMAT), data.pop("version", FORMAT_VERSION)
        if fmt != RECORD_FORMAT or version != FORMAT_VERSION:
            raise ValueError(
                f"weights record has format {fmt!r} version {version!r}; this keras_video_zoo reads "
                f"{RECORD_FORMAT!r} version {FORMAT_VERSION}. Upgrade keras_video_zoo."
            )
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


def weights_dir() -> Path:
    """The bundled weights folder: ``$KVZ_WEIGHTS_DIR``, else ``weights/`` beside the package."""
    override = os.environ.get(WEIGHTS_DIR_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[1] / "weights"


def _read_index(index_path: Path) -> dict[str, Any]:
    if not index_path.is_file():
        return {"format": INDEX_FORMAT, "version": FORMAT_VERSION, "weights": []}
    data = json.loads(index_path.read_text())
    if data.get("format") != INDEX_FORMAT or data.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{index_path} is not a version-{FORMAT_VERSION} {INDEX_FORMAT!r} file (format {data.get('format')!r}, "
            f"version {data.get('version')!r})."
        )
    return data


def load_index(index_path: str | os.PathLike | None = None) -> dict[str, WeightsSpec]:
    """The registered checkpoints, by ``"model.tag"`` name.

    Args:
        index_path: an ``index.json``; defaults to ``weights_dir() / "index.json"``.

    Example:
    >>> import tempfile, pathlib
    >>> index = pathlib.Path(tempfile.mkdtemp()) / "index.json"
    >>> load_index(index)
    {}
    """
    path = Path(index_path) if index_path is not None else weights_dir() / INDEX_FILENAME
    specs = [WeightsSpec.from_dict(entry) for entry in _read_index(path)["weights"]]
    return {spec.name: spec for spec in specs}


def list_weights(pattern: str | None = None, index_path: str | os.PathLike | None = None) -> list[str]:
    """Sorted registered ``"model.tag"`` names, optionally filtered by a shell-style pattern."""
    import fnmatch

    names = sorted(load_index(index_path))
    return names if pattern is None else [n for n in names if fnmatch.fnmatchcase(n, pattern)]


def get_weights_spec(name: str, index_path: str | os.PathLike | None = None) -> WeightsSpec:
    """The index entry for ``"model.tag"``.

    Raises:
        UnknownWeightsError: the name is not registered; the message lists the registered ones.

    Example:
    >>> import tempfile, pathlib
    >>> get_weights_spec("slow_fusion_tiny.nope", pathlib.Path(tempfile.mkdtemp()) / "index.json")
    Traceback (most recent call last):
    ...
    keras_video_zoo.weights.UnknownWeightsError: No pretrained weights are registered as 'slow_fusion_tiny.nope'. ...
    """
    index = load_index(index_path)
    if name in index:
        return index[name]
    known = ", ".join(sorted(index)) if index else "none yet"
    model = name.partition(".")[0]
    same_model = [n for n in sorted(index) if n.partition(".")[0] == model]
    hint = f" Tags for {model!r}: {', '.join(same_model)}." if same_model else ""
    raise UnknownWeightsError(
        f"No pretrained weights are registered as {name!r}.{hint} Registered weights: {known}. "
        "Pass weights=None for random initialisation, a '.weights.h5' path, a checkpoint folder, or 'hf://org/name'."
    )


def register_weights(spec: WeightsSpec, index_path: str | os.PathLike | None = None) -> Path:
    """Adds (or replaces) ``spec`` in the index file; returns the index path.

    Bundled entries need ``spec.path`` (relative to the index's folder), Hub
    entries ``spec.repo_id`` and ``spec.revision``.
    """
    if bool(spec.path) == bool(spec.repo_id):
        raise ValueError(f"{spec.name}: a registered checkpoint is bundled (path=...) or on the Hub (repo_id=...).")
    if not spec.tag:
        raise ValueError(f"{spec.model}: a registered checkpoint needs a tag (the part after the dot).")
    if not spec.files:
        raise ValueError(f"{spec.name}: a registered checkpoint must list its files' sha256.")
    path = Path(index_path) if index_path is not None else weights_dir() / INDEX_FILENAME
    data = _read_index(path)
    entries = [entry for entry in data["weights"] if f"{entry['model']}.{entry.get('tag', '')}" != spec.name]
    entries.append(spec.to_dict())
    data["weights"] = sorted(entries, key=lambda entry: (entry["model"], entry["tag"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
