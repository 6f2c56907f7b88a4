"""A folder per class (``root/<class>/<video>.mp4|avi|mkv|webm|mov``) with an optional split file.

The split file lists videos relative to ``root``, one per line, optionally followed by
the subset it belongs to (``run/clip1.mp4 train``); lines may end with CRLF. The class
is the first folder of each path. Class order: ``class_names=`` (a list or a class list
file) when given, else the folder names alphabetically ignoring case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from keras_video_zoo.data.layouts._common import (
    check_missing_policy,
    class_names_from,
    keep_existing,
    label_lookup,
    read_lines,
    unique_ids,
    video_files,
)
from keras_video_zoo.data.records import VideoDataset, VideoRecord


def _listed(split_file: Path, subset: str | None) -> list[str]:
    """Paths (relative to root) from a split file, keeping those of ``subset`` when given."""
    if not split_file.is_file():
        raise FileNotFoundError(f"split file {split_file} does not exist.")
    kept = []
    for number, line in enumerate(read_lines(split_file), 1):
        parts = line.rsplit(maxsplit=1)
        # A last word without "/" or "." is a subset tag; otherwise the whole line is a path (it may hold spaces).
        if len(parts) == 2 and not any(mark in parts[1] for mark in "/\\."):
            path, tag = parts
        else:
            path, tag = line, None
        if subset is not None and tag is None:
            raise ValueError(
                f"{split_file}:{number}: no subset after the path, so subset={subset!r} cannot be selected; "
                "write '<path> <subset>' lines or pass subset=None."
            )
        if subset is None or tag == subset:
            kept.append(path.replace("\\", "/"))
    return kept


def read_class_folders(
    root: str | Path,
    items: Callable[[Path], list[Path]],
    *,
    split_file: str | Path | None,
    subset: str | None,
    class_names: Sequence[str] | str | Path | None,
    on_missing: str,
    what: str,
) -> VideoDataset:
    """The engine of :func:`folder_per_class` and ``frame_folders``: ``items(class_folder)`` lists a class's videos."""
    check_missing_policy(on_missing)
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{what}: {root} is not a folder.")
    if subset is not None and split_file is None:
        raise ValueError(f"{what}: subset={subset!r} needs a split_file that says which videos belong to it.")
    listed = {folder.name: items(folder) for folder in sorted(root.iterdir()) if folder.is_dir()}
    folders = {name: videos for name, videos in listed.items() if videos}
    names = class_names_from(class_names, folders)
    lookup = label_lookup(names)
    if split_file is None:
        ordered = sorted((name for name in folders if lookup(name) is not None), key=lambda name: (lookup(name), name))
        relative = [item.relative_to(root).as_posix() for name in ordered for item in folders[name]]
        if class_names is not None:
            strays = sorted(name for name in folders if lookup(name) is None)
            if strays:
                raise ValueError(f"{what}: class folders not in class_names: {strays[:5]} ({len(strays)} in all).")
    else:
        relative = _listed(Path(split_file), subset)
    unknown = sorted({path.split("/")[0] for path in relative if lookup(path.split("/")[0]) is None})
    if unknown:
        raise ValueError(
            f"{what}: {len(unknown)} class(es) of the listed videos are not among the {len(names)} classes: "
            f"{unknown[:5]}. Paths must start with their class folder; check class_names."
        )
    records = [
        VideoRecord(str(root / path), (lookup(path.split("/")[0]),), video_id)
        for path, video_id in zip(relative, unique_ids(relative), strict=True)
    ]
    source = f"{split_file}" if split_file is not None else f"{root}"
    records = keep_existing(records, source, on_missing)
    name = f"{what}:{root.name}" + (f"/{subset}" if subset else "")
    return VideoDataset(records, names, name)


def folder_per_class(
    root: str | Path,
    split_file: str | Path | None = None,
    subset: str | None = None,
    *,
    class_names: Sequence[str] | str | Path | None = None,
    on_missing: str = "raise",
) -> VideoDataset:
    """Read ``root/<class>/<video>`` files, optionally only those a split file lists (for ``subset``).

    Args:
        root: the folder of class folders.
        split_file: lines ``<class>/<video> [<subset>]`` relative to ``root``; default every video found.
        subset: keep the split file's lines tagged with this word (``train``, ``val``, ``test`` ...).
        class_names: class order (list or class list file); default folder names alphabetically ignoring case.
        on_missing: ``"raise"`` (default) or ``"skip"`` listed videos missing on disk (with a warning).

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for path in ["walk/b.mp4", "Run/a.avi", "run_notes/readme.txt"]:
    ...     (root / path).parent.mkdir(exist_ok=True)
    ...     _ = (root / path).write_bytes(b"")
    >>> data = folder_per_class(root)
    >>> data.class_names, [record.video_id for record in data]
    (('Run', 'walk'), ['a', 'b'])
    """
    return read_class_folders(
        root,
        video_files,
        split_file=split_file,
        subset=subset,
        class_names=class_names,
        on_missing=on_missing,
        what="folder_per_class",
    )
