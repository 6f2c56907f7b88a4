"""The zoo's ``.keras`` file: a Keras archive with the checkpoint's record inside (``keras_video_zoo.json``).

``keras.saving.load_model`` reads it as any ``.keras`` file (Keras ignores the extra entry);
the zoo also reads its labels, input contract and build arguments. This module is the one
writer and reader of that entry: ``save_keras_file``, ``kvz train`` run folders and the
checkpoint resolver all go through it.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from keras_video_zoo.weights import RECORD_FILENAME, WeightsSpec


class NotAKerasFileError(ValueError):
    """The file is not a ``.keras`` archive."""


def read_embedded_record(keras_file: str | os.PathLike) -> WeightsSpec | None:
    """The record a zoo-written ``.keras`` file carries, or ``None`` for any other ``.keras`` file.

    Raises:
        NotAKerasFileError: the file is not a ``.keras`` archive (not a zip).
    """
    try:
        with zipfile.ZipFile(keras_file) as archive:
            if RECORD_FILENAME not in archive.namelist():
                return None
            return WeightsSpec.from_dict(json.loads(archive.read(RECORD_FILENAME)))
    except zipfile.BadZipFile as error:
        raise NotAKerasFileError(f"{keras_file} is not a .keras model file (not a zip archive).") from error


def embed_record(keras_file: str | os.PathLike, record: WeightsSpec) -> None:
    """Adds (or replaces) the record inside a ``.keras`` file.

    Its ``files`` are left empty: a file cannot hold its own hash.
    """
    path = Path(keras_file)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist() if name != RECORD_FILENAME}
    rewritten = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        data = record.to_dict() | {"files": {}}
        archive.writestr(RECORD_FILENAME, json.dumps(data, indent=2) + "\n")
    rewritten.replace(path)


def write_keras_file(model, path: str | os.PathLike, record: WeightsSpec) -> Path:
    """Saves ``model`` (a ``keras.Model``) to ``path`` with ``record`` inside, atomically.

    The file appears under its name only once complete, so a killed save never leaves a file
    that looks finished (a run folder counts as finished when its ``model.keras`` exists).
    """
    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial.keras")  # Keras insists on the .keras suffix
    model.save(partial)
    embed_record(partial, record)
    partial.replace(path)
    return path
