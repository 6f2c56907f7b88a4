"""A network read from another framework's file, in that framework's own terms.

Readers (:mod:`.caffe`, :mod:`.matconvnet`) turn a file into a :class:`SourceNet`: a chain of
:class:`SourceLayer` with the source's own parameters and blob layouts (Caffe kernels
``(out, in, h, w)``, MatConvNet filters ``(h, w, in, out)``), never converted. The mappings
(:mod:`.mappings`) translate them into a zoo model, and :mod:`.reference` runs them with the
source's own semantics, so a mapping is checked against something it did not compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAMEWORKS = ("caffe", "matconvnet")
KINDS = ("conv", "fc", "pool", "lrn", "relu", "dropout", "softmax")


class ConversionError(ValueError):
    """A file that cannot be converted: not a model, truncated, another architecture, a bad mean file."""


def file_head(path: Path, size: int = 128) -> bytes:
    """A file's first bytes; a ConversionError naming the file when it is missing or empty."""
    if not path.is_file():
        raise ConversionError(f"{path}: no such file.")
    with open(path, "rb") as file:
        head = file.read(size)
    if not head:
        raise ConversionError(f"{path} is empty.")
    return head


@dataclass
class SourceLayer:
    """One layer as the source framework defines it.

    Attributes:
        name: the layer's name in the file.
        kind: one of :data:`KINDS`.
        params: the layer's hyperparameters in the source's terms. Caffe: ``kernel``, ``stride``,
            ``pad`` (each ``(h, w)``), ``group``, ``pool`` (``"max"``), ``local_size``, ``alpha``,
            ``beta``, ``k``. MatConvNet: ``stride`` ``(h, w)``, ``pad`` ``(top, bottom, left, right)``,
            ``pool_size`` ``(h, w)``, ``method``, ``lrn`` ``(N, kappa, alpha, beta)``.
        blobs: the layer's arrays in the source's layout (kernel first, then bias): NumPy arrays, or arrays read
            from the file on demand (``shape`` and ``ndim`` without reading, ``np.asarray(blob)`` reads).
    """

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    blobs: list[Any] = field(default_factory=list)


@dataclass
class SourceNet:
    """A chain of layers from a Caffe or MatConvNet file, with what the file says about its input.

    Attributes:
        framework: ``"caffe"`` or ``"matconvnet"``.
        layers: the layers in execution order (data, loss and accuracy layers left out).
        input_shape: ``(channels, height, width)`` when the file declares it, else ``None``.
        mean: the mean the file carries (MatConvNet's ``averageImage``), ``(H, W, C)`` or ``(C,)``, else ``None``.
        labels: class names the file carries, else empty.
        description: what the file's own metadata says (name, format variant), for the record.
    """

    framework: str
    layers: list[SourceLayer]
    input_shape: tuple[int, int, int] | None = None
    mean: np.ndarray | None = None
    labels: tuple[str, ...] = ()
    description: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Layouts and conventions are read off the framework everywhere below: an unknown one is a bug.
        if self.framework not in FRAMEWORKS:
            raise ValueError(f"framework must be one of {FRAMEWORKS}; got {self.framework!r}.")

    def weighted(self, kind: str | None = None) -> list[SourceLayer]:
        """The layers with weights (conv and fc), optionally of one kind."""
        return [layer for layer in self.layers if layer.blobs and (kind is None or layer.kind == kind)]

    def signature(self) -> str:
        """The chain's shape as text, e.g. ``"conv lrn pool conv ... fc fc fc"`` (ReLU and dropout left out)."""
        return " ".join(layer.kind for layer in self.layers if layer.kind in ("conv", "fc", "pool", "lrn"))
