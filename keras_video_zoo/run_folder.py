"""The run folder: what training writes and every ``--model RUN_DIR`` reads, in one place.

Layout::

    run_dir/
      run.json            what was run (recipe, steps, classes), written before training; the
                          videos used and the final model's path are added when it finishes
      log.csv             one row per epoch (appended across resumed runs)
      tensorboard/        TensorBoard event files (when the tensorboard package is installed)
      checkpoints/last.keras, checkpoints/best.keras (with validation data)
      backup/             Keras BackupAndRestore state (weights, optimizer, epoch); removed when done
      model.keras         the finished model with its record inside: the run is finished
      spatial/, temporal/ a two-stream run's streams, each a run folder of its own

:func:`keras_video_zoo.training.fit.fit` and
:func:`keras_video_zoo.training.video_training.train_on_source` write it;
:func:`keras_video_zoo.checkpoints.resolve_checkpoint` reads it.

Example:
>>> import tempfile
>>> run = RunFolder(tempfile.mkdtemp())
>>> run.start({"recipe": "small_adam"}); run.add_info(epochs_done=1)
>>> run.is_run, run.is_finished, run.read_info()
(True, False, {'recipe': 'small_adam', 'epochs_done': 1})
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from keras_video_zoo.keras_file import write_keras_file
from keras_video_zoo.weights import WeightsSpec

RUN_INFO = "run.json"
RUN_MODEL = "model.keras"
STREAM_FOLDERS = {"rgb": "spatial", "flow": "temporal"}  # a two-stream run's streams, trained apart


class RunFolder:
    """One training run's folder (see the module's layout)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def info_file(self) -> Path:
        return self.path / RUN_INFO

    @property
    def model_file(self) -> Path:
        return self.path / RUN_MODEL

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def log_file(self) -> Path:
        return self.path / "log.csv"

    @property
    def backup(self) -> Path:
        return self.path / "backup"

    @property
    def tensorboard(self) -> Path:
        return self.path / "tensorboard"

    @property
    def is_run(self) -> bool:
        """Whether training started here (``run.json`` exists)."""
        return self.info_file.is_file()

    @property
    def is_finished(self) -> bool:
        """Whether the run finished (its ``model.keras`` exists)."""
        return self.model_file.is_file()

    def stream(self, kind: str) -> RunFolder:
        """The run folder of a two-stream run's ``"rgb"`` or ``"flow"`` stream."""
        return RunFolder(self.path / STREAM_FOLDERS[kind])

    def read_info(self) -> dict[str, Any]:
        return json.loads(self.info_file.read_text()) if self.is_run else {}

    def start(self, info: dict[str, Any]) -> None:
        """Creates the folder and writes ``run.json`` (a resumed run rewrites it with the same plan)."""
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self._write_info(info)

    def add_info(self, **fields: Any) -> None:
        self._write_info(self.read_info() | fields)

    def finish(self, model, record: WeightsSpec, **info: Any) -> Path:
        """Writes the finished model (with its record) and adds ``info`` to ``run.json``; returns the model's path."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_keras_file(model, self.model_file, record)
        self.add_info(**info, model=str(self.model_file))
        return self.model_file

    def _write_info(self, info: dict[str, Any]) -> None:
        partial = self.info_file.with_suffix(".json.tmp")
        partial.write_text(json.dumps(info, indent=2, default=str))
        partial.replace(self.info_file)
