"""Convert published Caffe and MatConvNet checkpoints into zoo checkpoints (``kvz convert``).

- :func:`convert_checkpoint`: a ``.caffemodel`` or MatConvNet ``.mat`` file -> a checkpoint folder
  that every ``--model`` and :func:`~keras_video_zoo.from_pretrained` takes.
- :data:`KNOWN_SOURCES`: the published checkpoints it knows, with their authors' conventions.
- :mod:`.caffe` and :mod:`.matconvnet` read the files without Caffe or MATLAB; :mod:`.reference`
  runs them in NumPy with the source framework's semantics, the check every conversion passes.

The names load their modules on first use (PEP 562), so ``kvz convert --list`` needs no TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "ConvertedCheckpoint": "checkpoint",
    "convert_checkpoint": "checkpoint",
    "read_mean": "checkpoint",
    "read_source": "checkpoint",
    "KNOWN_SOURCES": "known_sources",
    "KnownSource": "known_sources",
    "find_source": "known_sources",
    "Mapping": "mappings",
    "map_net": "mappings",
    "reference_forward": "reference",
    "ConversionError": "source_net",
    "SourceLayer": "source_net",
    "SourceNet": "source_net",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'keras_video_zoo.convert' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"keras_video_zoo.convert.{_PUBLIC[name]}"), name)
    globals()[name] = value
    return value
