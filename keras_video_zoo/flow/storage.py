"""Flow folders on disk: one 8-bit JPEG per component per field, and a JSON manifest.

Layout of one video's folder (the common tools' layout, so their output reads too)::

    <video_id>/manifest.json
    <video_id>/flow_x_00001.jpg, flow_y_00001.jpg, ...            forward field k: frame k -> k + 1
    <video_id>/backward_flow_x_00001.jpg, backward_flow_y_00001.jpg  (optional) frame k + 1 -> k

Field numbers are 1-based in file names and 0-based in the API. The manifest records
what is needed to decode the JPEGs (quantisation mode, bound ``B``, min/max ranges) and
how the flow was made (algorithm, resize, frame count). A folder without a manifest
(made by another tool) is read as bound-mode flow with a bound the caller gives.
Folders are written to a temporary sibling and renamed, so a folder that exists is complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_video_zoo.flow.quantisation import (
    DEFAULT_BOUND,
    QUANTISATION_MODES,
    check_bound,
    dequantize_flow,
    dequantize_minmax,
    quantize_flow,
    quantize_minmax,
)
from keras_video_zoo.opencv import cv2
from keras_video_zoo.vocabulary import DEFAULT_FLOW_JPEG_QUALITY as DEFAULT_JPEG_QUALITY

MANIFEST_NAME = "manifest.json"
FORMAT = "keras_video_zoo.flow/1"
DIRECTIONS = {"forward": "flow", "backward": "backward_flow"}  # direction -> file name prefix
TEMP_PREFIX = ".partial-"


def field_file_name(direction: str, component: str, index: int) -> str:
    """File name of 0-based field ``index``: ``field_file_name("forward", "x", 0) == "flow_x_00001.jpg"``."""
    return f"{DIRECTIONS[direction]}_{component}_{index + 1:05d}.jpg"


@dataclass(frozen=True)
class FlowManifest:
    """How a video's flow was made and how to decode it.

    Attributes:
        algorithm: extraction algorithm (e.g. ``"dis"``), or ``"unknown"`` for other tools' output.
        quantisation: ``"bound"`` (fixed ``±bound``) or ``"minmax"`` (per field and component).
        bound: ``B`` in pixels for bound mode; ``None`` for min/max.
        frame_count: frames of the (decoded) video; ``frame_count - 1`` fields each way.
        height, width: size of the stored fields.
        resize: how frames were resized before extraction: ``None``, ``{"size": [H, W]}``
            or ``{"short_side": S}``.
        jpeg_quality: JPEG quality of the stored components.
        backward: whether backward fields are stored too.
        ranges: min/max mode only: ``{"forward": [[x_lo, x_hi, y_lo, y_hi], ...], "backward": ...}``.
        source: the video the flow came from (informative).

    Example:
    >>> manifest = FlowManifest("dis", "bound", 20.0, frame_count=5, height=8, width=8)
    >>> manifest.field_count, FlowManifest.from_json(manifest.to_json()) == manifest
    (4, True)
    """

    algorithm: str
    quantisation: str
    bound: float | None
    frame_count: int
    height: int
    width: int
    resize: dict | None = None
    jpeg_quality: int = DEFAULT_JPEG_QUALITY
    backward: bool = False
    ranges: dict | None = None
    source: str | None = None
    format: str = FORMAT
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.quantisation not in QUANTISATION_MODES:
            raise ValueError(f"quantisation must be one of {QUANTISATION_MODES}; got {self.quantisation!r}.")
        if self.quantisation == "bound":
            object.__setattr__(self, "bound", check_bound(self.bound))
        elif self.ranges is None:
            raise ValueError("min/max quantisation needs the per-field ranges.")
        if self.frame_count < 2:
            raise ValueError(f"flow needs at least 2 frames; the manifest says frame_count={self.frame_count}.")

    @property
    def field_count(self) -> int:
        return self.frame_count - 1

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> FlowManifest:
        data = json.loads(text)
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        extra = {**data.get("extra", {}), **{key: value for key, value in data.items() if key not in known | {"extra"}}}
        return cls(**{key: value for key, value in data.items() if key in known}, extra=extra)

    def check_bound(self, bound: float | None) -> None:
        """A ValueError when a caller's expected ``bound`` disagrees with this manifest."""
        if bound is None:
            return
        if self.quantisation != "bound":
            raise ValueError(f"the flow is stored with per-frame min/max quantisation, not bound {bound}.")
        if not np.isclose(check_bound(bound), self.bound):
            raise ValueError(
                f"the flow was quantised with bound B={self.bound:g} (manifest) but B={bound:g} was asked for; "
                f"use bound={self.bound:g} (or re-extract the flow with --bound {bound:g})."
            )


class FlowFolderWriter:
    """Writes a video's flow folder one field at a time, atomically: memory for one field, whatever the length.

    Fields are quantised and written as JPEGs as they come (:meth:`add`); :meth:`finish` writes
    the manifest and renames the folder into place, so a folder is either complete or absent
    (an interrupted writer leaves a ``.partial-`` folder, which extraction removes on rerun).

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "video"
    >>> with FlowFolderWriter(folder, algorithm="dis") as writer:
    ...     for _ in range(2):
    ...         writer.add("forward", np.zeros((8, 8, 2), np.float32))
    ...     manifest = writer.finish()
    >>> sorted(p.name for p in folder.iterdir())[:3], manifest.frame_count
    (['flow_x_00001.jpg', 'flow_x_00002.jpg', 'flow_y_00001.jpg'], 3)
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        *,
        algorithm: str,
        quantisation: str = "bound",
        bound: float = DEFAULT_BOUND,
        jpeg_quality: int = DEFAULT_JPEG_QUALITY,
        backward: bool = False,
        resize: dict | None = None,
        source: str | None = None,
        overwrite: bool = False,
    ) -> None:
        if quantisation not in QUANTISATION_MODES:
            raise ValueError(f"quantisation must be one of {QUANTISATION_MODES}; got {quantisation!r}.")
        if not 1 <= int(jpeg_quality) <= 100:
            raise ValueError(f"jpeg_quality must be 1-100; got {jpeg_quality}.")
        self.folder = Path(folder)
        if self.folder.exists() and not overwrite:
            raise FileExistsError(f"{self.folder} already exists; pass overwrite=True to replace it.")
        self.algorithm, self.quantisation, self.bound = algorithm, quantisation, check_bound(bound)
        self.jpeg_quality, self.backward, self.resize, self.source = int(jpeg_quality), backward, resize, source
        self.counts = {"forward": 0, "backward": 0}
        self.ranges: dict | None = {"forward": [], "backward": []} if quantisation == "minmax" else None
        self.shape: tuple[int, int] | None = None
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = self.folder.parent / f"{TEMP_PREFIX}{self.folder.name}-{uuid.uuid4().hex[:8]}"
        self.temporary.mkdir()

    def __enter__(self) -> FlowFolderWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.temporary.exists():  # not finished: nothing partial survives
            shutil.rmtree(self.temporary, ignore_errors=True)

    def add(self, direction: str, field_pixels: np.ndarray) -> None:
        """Quantises one ``(H, W, 2)`` float field (pixels) and writes its x and y JPEGs."""
        if direction not in DIRECTIONS or (direction == "backward" and not self.backward):
            raise ValueError(
                f"direction must be 'forward'{' or backward' if self.backward else ''}; got {direction!r}."
            )
        field_pixels = np.asarray(field_pixels)
        if field_pixels.ndim != 3 or field_pixels.shape[-1] != 2:
            raise ValueError(f"a flow field is (H, W, 2); got {field_pixels.shape}.")
        if self.shape is None:
            self.shape = field_pixels.shape[:2]
        elif field_pixels.shape[:2] != self.shape:
            raise ValueError(f"every field of a video has one size; got {field_pixels.shape[:2]} after {self.shape}.")
        if self.ranges is not None:
            quantized, field_range = quantize_minmax(field_pixels)
            self.ranges[direction].append(field_range)
        else:
            quantized = quantize_flow(field_pixels, self.bound)
        index = self.counts[direction]
        for channel, component in enumerate("xy"):
            path = self.temporary / field_file_name(direction, component, index)
            if not cv2.imwrite(str(path), quantized[..., channel], [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]):
                raise OSError(f"could not write {path}")
        self.counts[direction] = index + 1

    def finish(self, *, damage: str | None = None) -> FlowManifest:
        """Writes the manifest and moves the folder into place; returns the manifest.

        Args:
            damage: what was wrong with the video (``describe_damage``), kept in the manifest's
                ``extra`` so a later run that keeps the folder still reports it.
        """
        fields = self.counts["forward"]
        if self.backward and self.counts["backward"] != fields:
            raise ValueError(f"{self.counts['backward']} backward fields for {fields} forward ones.")
        if fields < 1 or self.shape is None:
            raise ValueError("a flow folder holds at least one field (two frames).")
        ranges = None
        if self.ranges is not None:
            ranges = {d: self.ranges[d] for d in (("forward", "backward") if self.backward else ("forward",))}
        manifest = FlowManifest(
            algorithm=self.algorithm,
            quantisation=self.quantisation,
            bound=self.bound if self.quantisation == "bound" else None,
            frame_count=fields + 1,
            height=int(self.shape[0]),
            width=int(self.shape[1]),
            resize=self.resize,
            jpeg_quality=self.jpeg_quality,
            backward=self.backward,
            ranges=ranges,
            source=self.source,
            extra={"damage": damage} if damage else {},
        )
        (self.temporary / MANIFEST_NAME).write_text(manifest.to_json() + "\n")
        if self.folder.exists():
            shutil.rmtree(self.folder)
        os.replace(self.temporary, self.folder)
        return manifest


def write_flow_folder(
    folder: str | os.PathLike,
    forward: np.ndarray,
    backward: np.ndarray | None = None,
    *,
    algorithm: str,
    quantisation: str = "bound",
    bound: float = DEFAULT_BOUND,
    jpeg_quality: int = DEFAULT_JPEG_QUALITY,
    resize: dict | None = None,
    source: str | None = None,
    overwrite: bool = False,
) -> FlowManifest:
    """Quantises float flow fields and writes them with a manifest, atomically (:class:`FlowFolderWriter`).

    Args:
        folder: the video's flow folder (created; its parent must exist or is created).
        forward: ``(N - 1, H, W, 2)`` float forward fields in pixels.
        backward: optional backward fields of the same shape.
        algorithm, resize, source: recorded in the manifest.
        quantisation: ``"bound"`` or ``"minmax"``.
        bound: ``B`` for bound mode.
        jpeg_quality: 1-100.
        overwrite: replace an existing folder; otherwise an existing folder is an error.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "video"
    >>> manifest = write_flow_folder(folder, np.zeros((2, 8, 8, 2), np.float32), algorithm="dis")
    >>> manifest.frame_count, manifest.field_count
    (3, 2)
    """
    forward = np.asarray(forward)
    if forward.ndim != 4 or forward.shape[-1] != 2 or len(forward) < 1:
        raise ValueError(f"forward flow must be (fields, H, W, 2) with at least one field; got {forward.shape}.")
    if backward is not None and np.shape(backward) != forward.shape:
        raise ValueError(f"backward flow {np.shape(backward)} must match forward flow {forward.shape}.")
    options = {"quantisation": quantisation, "bound": bound, "jpeg_quality": jpeg_quality, "resize": resize}
    with FlowFolderWriter(
        folder, algorithm=algorithm, backward=backward is not None, source=source, overwrite=overwrite, **options
    ) as writer:
        for index, field_pixels in enumerate(forward):
            writer.add("forward", field_pixels)
            if backward is not None:
                writer.add("backward", backward[index])
        return writer.finish()


_FIELD_FILE = re.compile(r"^(flow|backward_flow)_([xy])_(\d+)\.jpg$")


def _scan(folder: Path) -> dict[str, dict[str, set[int]]]:
    """0-based field numbers present per direction and component."""
    found: dict[str, dict[str, set[int]]] = {d: {"x": set(), "y": set()} for d in DIRECTIONS}
    prefixes = {prefix: direction for direction, prefix in DIRECTIONS.items()}
    for entry in os.scandir(folder):
        match = _FIELD_FILE.match(entry.name)
        if match:
            found[prefixes[match.group(1)]][match.group(2)].add(int(match.group(3)) - 1)
    return found


def _describe(numbers: set[int], limit: int = 5) -> str:
    names = sorted(numbers)
    return ", ".join(f"{n + 1:05d}" for n in names[:limit]) + (
        f" (+{len(names) - limit} more)" if len(names) > limit else ""
    )


class FlowFolder:
    """A checked flow folder: its manifest and the fields it holds.

    Opening checks that the x and y files pair up and are numbered 1..n without gaps,
    and that the manifest (if any) agrees with the files and with ``bound``.

    Args:
        folder: the video's flow folder.
        bound: the bound the caller expects. Required for folders without a manifest
            (other tools' output, assumed bound mode); checked against the manifest otherwise.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "video"
    >>> _ = write_flow_folder(folder, np.full((3, 8, 8, 2), 2.0, np.float32), algorithm="dis")
    >>> flow = FlowFolder(folder, bound=20)
    >>> flow.field_count, flow.read([0, 2]).shape, round(float(flow.read_pixels([1]).mean()), 1)
    (3, (2, 8, 8, 2), 2.0)
    """

    def __init__(self, folder: str | os.PathLike, bound: float | None = None) -> None:
        self.path = Path(folder)
        if not self.path.is_dir():
            raise FileNotFoundError(f"no flow folder at {self.path}; extract flow with `kvz flow` first.")
        manifest_path = self.path / MANIFEST_NAME
        found = _scan(self.path)
        for direction, components in found.items():
            missing_y, missing_x = components["x"] - components["y"], components["y"] - components["x"]
            if missing_x or missing_y:
                parts = [f"{DIRECTIONS[direction]}_x for {_describe(missing_x)}"] if missing_x else []
                parts += [f"{DIRECTIONS[direction]}_y for {_describe(missing_y)}"] if missing_y else []
                raise ValueError(
                    f"{self.path}: x and y flow files do not pair up: missing {'; '.join(parts)} "
                    f"({len(components['x'])} x files, {len(components['y'])} y files). Re-extract this video."
                )
            numbers = components["x"]
            if numbers and numbers != set(range(len(numbers))):
                gaps = set(range(max(numbers) + 1)) - numbers
                raise ValueError(f"{self.path}: {DIRECTIONS[direction]} fields are missing: {_describe(gaps)}.")
        counts = {direction: len(components["x"]) for direction, components in found.items()}
        if manifest_path.exists():
            self.manifest = FlowManifest.from_json(manifest_path.read_text())
            self.manifest.check_bound(bound)
            expected = {
                "forward": self.manifest.field_count,
                "backward": self.manifest.field_count * self.manifest.backward,
            }
            if counts != expected:
                raise ValueError(
                    f"{self.path}: the manifest promises {expected} fields but the folder holds {counts}. "
                    "Re-extract this video."
                )
        else:
            if counts["forward"] == 0:
                raise ValueError(f"{self.path} holds no flow_x_NNNNN.jpg / flow_y_NNNNN.jpg files.")
            if bound is None:
                raise ValueError(
                    f"{self.path} has no {MANIFEST_NAME} (made by another tool?): give the quantisation bound it "
                    "was written with, e.g. bound=20."
                )
            height, width = self._read_component(field_file_name("forward", "x", 0)).shape
            self.manifest = FlowManifest(
                "unknown", "bound", bound, counts["forward"] + 1, height, width, backward=counts["backward"] > 0
            )
            if counts["backward"] not in (0, counts["forward"]):
                raise ValueError(f"{self.path}: {counts['backward']} backward but {counts['forward']} forward fields.")

    @property
    def field_count(self) -> int:
        return self.manifest.field_count

    def _read_component(self, name: str) -> np.ndarray:
        image = cv2.imread(str(self.path / name), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise ValueError(f"{self.path / name} is not a readable JPEG; re-extract this video.")
        return image

    def _check_indices(self, indices, direction: str) -> list[int]:
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {tuple(DIRECTIONS)}; got {direction!r}.")
        if direction == "backward" and not self.manifest.backward:
            raise ValueError(f"{self.path} holds no backward flow; extract it with `kvz flow --backward`.")
        indices = list(range(self.field_count)) if indices is None else [int(i) for i in indices]
        bad = [i for i in indices if not 0 <= i < self.field_count]
        if bad:
            raise IndexError(f"{self.path} has fields 0..{self.field_count - 1}; asked for {bad[:5]}.")
        return indices

    def read(self, indices=None, direction: str = "forward") -> np.ndarray:
        """The stored uint8 fields ``(len(indices), H, W, 2)`` (all fields for ``None``)."""
        fields = []
        for index in self._check_indices(indices, direction):
            x = self._read_component(field_file_name(direction, "x", index))
            y = self._read_component(field_file_name(direction, "y", index))
            if x.shape != y.shape:
                raise ValueError(f"{self.path}: field {index + 1:05d} has x {x.shape} but y {y.shape}.")
            fields.append(np.stack([x, y], axis=-1))
        return np.stack(fields) if fields else np.zeros((0, self.manifest.height, self.manifest.width, 2), np.uint8)

    def read_pixels(self, indices=None, direction: str = "forward") -> np.ndarray:
        """Fields dequantised to float32 pixels."""
        indices = self._check_indices(indices, direction)
        quantized = self.read(indices, direction)
        if self.manifest.quantisation == "bound":
            return dequantize_flow(quantized, self.manifest.bound)
        ranges = np.asarray(self.manifest.ranges[direction], np.float32)[indices]
        return dequantize_minmax(quantized, ranges)

    def ranges(self, direction: str = "forward") -> np.ndarray:
        """Min/max ranges ``(fields, 4)`` for decoding; for bound mode ``[-B, B, -B, B]`` per field."""
        if self.manifest.quantisation == "minmax":
            return np.asarray(self.manifest.ranges[direction], np.float32).reshape(-1, 4)
        bound = self.manifest.bound
        return np.tile(np.float32([-bound, bound, -bound, bound]), (self.field_count, 1))


def is_complete(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` is a finished flow folder (it has a manifest; partial ones never do)."""
    return (Path(folder) / MANIFEST_NAME).is_file()


def remove_partial_folders(root: str | os.PathLike) -> list[Path]:
    """Deletes temporary folders left in ``root`` by interrupted writes; returns them."""
    root = Path(root)
    leftovers = [p for p in root.glob(f"{TEMP_PREFIX}*") if p.is_dir()] if root.is_dir() else []
    for path in leftovers:
        shutil.rmtree(path, ignore_errors=True)
    return leftovers
