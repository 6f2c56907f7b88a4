"""A CSV manifest: ``path,label[,split]`` rows, with or without that header.

Labels are class names or 0-based integers; several labels for one video are joined
with ``;`` (multi-label). Relative paths are resolved against ``root`` (default: the
CSV's folder). Class order: ``class_names=`` when given; else integer labels index
themselves and names are ordered alphabetically ignoring case.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.layouts._common import (
    check_missing_policy,
    class_names_from,
    keep_existing,
    label_lookup,
    unique_ids,
)
from keras_video_zoo.data.records import VideoDataset, VideoRecord

_COLUMNS = ("path", "label", "split")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = [row for row in csv.reader(file) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError(f"manifest {path} is empty.")
    header = [cell.strip().lower() for cell in rows[0]]
    if "path" in header:
        missing = [column for column in ("path", "label") if column not in header]
        if missing:
            raise ValueError(f"manifest {path}: header {rows[0]} has no {missing} column.")
        columns, body, first_line = header, rows[1:], 2
    else:
        columns, body, first_line = list(_COLUMNS), rows, 1
    parsed = []
    for number, row in enumerate(body, first_line):
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"manifest {path}:{number}: expected 'path,label[,split]'; got {row!r}.")
        parsed.append({column: cell.strip() for column, cell in zip(columns, row, strict=False)})
    return parsed


def csv_manifest(
    path: str | Path,
    subset: str | None = None,
    *,
    root: str | Path | None = None,
    class_names: Sequence[str] | str | Path | None = None,
    label_separator: str = ";",
    on_missing: str = "raise",
) -> VideoDataset:
    """Read a CSV manifest of videos (or frame folders) and their labels.

    Args:
        path: the CSV file.
        subset: keep rows whose ``split`` column equals this; ``None`` keeps every row.
        root: folder that relative paths start from; default the CSV's folder.
        class_names: class order (list or class list file); see the module docstring for the default.
        label_separator: joins several labels of one video.
        on_missing: ``"raise"`` (default) or ``"skip"`` rows whose file is missing (with a warning).

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "list.csv").write_text("path,label,split\\na.mp4,walk,train\\nb.mp4,run;walk,test\\n")
    >>> for name in ("a.mp4", "b.mp4"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> data = csv_manifest(folder / "list.csv")
    >>> data.class_names, [record.labels for record in data], len(csv_manifest(folder / "list.csv", "test"))
    (('run', 'walk'), [(1,), (0, 1)], 1)
    """
    check_missing_policy(on_missing)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"manifest {path} does not exist.")
    rows = _rows(path)
    if subset is not None and not any("split" in row for row in rows):
        raise ValueError(f"manifest {path} has no split column, so subset={subset!r} cannot be selected.")
    # Classes come from every row, so that each subset of one manifest gets the same labels.
    found = {label.strip() for row in rows for label in row["label"].split(label_separator)}
    rows = [row for row in rows if subset is None or row.get("split") == subset]
    labels_as_written = [[label.strip() for label in row["label"].split(label_separator)] for row in rows]
    if class_names is None and found and all(label.isdigit() for label in found):
        names = [str(index) for index in range(max(int(label) for label in found) + 1)]
    else:
        names = class_names_from(class_names, found)
    lookup = label_lookup(names)

    def label_index(label: str) -> int | None:
        index = lookup(label)
        if index is None and label.isdigit() and int(label) < len(names):
            return int(label)
        return index

    unknown = sorted({label for labels in labels_as_written for label in labels if label_index(label) is None})
    if unknown:
        raise ValueError(f"manifest {path}: labels not among the {len(names)} classes: {unknown[:5]}.")
    base = Path(root) if root is not None else path.parent
    written = [row["path"].replace("\\", "/") for row in rows]
    records = [
        VideoRecord(str(base / video), tuple(dict.fromkeys(label_index(label) for label in labels)), video_id)
        for video, labels, video_id in zip(written, labels_as_written, unique_ids(written), strict=True)
    ]
    records = keep_existing(records, f"manifest {path}", on_missing)
    return VideoDataset(records, names, f"csv:{path.name}" + (f"/{subset}" if subset else ""))
