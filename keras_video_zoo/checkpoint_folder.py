"""The zoo's checkpoint folder: Keras-native files plus the record that hashes them (``keras_video_zoo.json``).

The folder is what ``keras.saving.save_model(model, "hf://...")`` writes (``config.json``,
``metadata.json``, ``model.weights.h5``), so plain Keras loads it, plus the zoo's record with
every file's sha256. A Hub repo, a bundled checkpoint and a ``save_pretrained`` folder all have
this layout. This module is the one writer and reader of it: ``save_pretrained``/``push_to_hub``
write through it, the checkpoint resolver and the loader read through it.

Example:
>>> import tempfile
>>> from keras_video_zoo import create_model
>>> from keras_video_zoo.weights import WeightsSpec
>>> folder = tempfile.mkdtemp()
>>> record = write_checkpoint_folder(create_model("single_frame_tiny"), folder, WeightsSpec("single_frame_tiny"))
>>> sorted(record.files), read_checkpoint_config(folder)["class_name"]
(['config.json', 'metadata.json', 'model.weights.h5'], 'Functional')
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from keras_video_zoo.weights import RECORD_FILENAME, WeightsSpec

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.weights.h5"
# A record that does not hash these cannot vouch for the model it loads.
REQUIRED_FILES = (CONFIG_FILE, WEIGHTS_FILE)


def write_checkpoint_folder(model, directory: str | os.PathLike, record: WeightsSpec) -> WeightsSpec:
    """Saves ``model`` (a ``keras.Model``) into ``directory`` with ``record``, completed with every file's sha256.

    Other files in the folder (a model card) are left as they are.

    Returns:
        The record as written: ``record`` with its ``files``.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch, "model")
        model.save(saved, zipped=False)  # the Keras-native folder layout of hf:// saves
        names = sorted(str(path.relative_to(saved)) for path in saved.rglob("*") if path.is_file())
        for name in names:
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved / name, directory / name)
    record = record.with_files(directory, names)
    (directory / RECORD_FILENAME).write_text(json.dumps(record.to_dict(), indent=2) + "\n")
    return record


def read_checkpoint_config(directory: str | os.PathLike) -> dict[str, Any]:
    """The Keras config a checkpoint folder saves (``config.json``), as a dict."""
    return json.loads(Path(directory, CONFIG_FILE).read_text())
