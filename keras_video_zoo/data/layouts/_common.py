"""What the layout readers share: reading list files, class orders, missing-video checks."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from keras_video_zoo.data.records import VideoRecord
from keras_video_zoo.data.video_files import video_files as list_video_files

MISSING_POLICIES = ("raise", "skip")


def read_lines(path: Path) -> list[str]:
    """Non-empty lines without CRLF/LF endings or surrounding spaces (list files come from Windows tools too).

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "list.txt"
    >>> _ = path.write_bytes(b"a.avi 1\\r\\n\\r\\nb.avi 2 \\r\\n")
    >>> read_lines(path)
    ['a.avi 1', 'b.avi 2']
    """
    # utf-8-sig drops a BOM some editors add; splitlines handles \\r\\n, \\n and \\r.
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def case_insensitive_order(names: Iterable[str]) -> list[str]:
    """Alphabetical ignoring case, as UCF-101's classInd (``Hammering`` before ``HammerThrow``).

    Example:
    >>> case_insensitive_order(["JumpRope", "JumpingJack"])
    ['JumpingJack', 'JumpRope']
    """
    return sorted(set(names), key=lambda name: (name.lower(), name))


def read_class_names(path: str | Path) -> list[str]:
    """A class list file: one name per line, or ``<1-based index> <name>`` lines (classInd style).

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "classInd.txt"
    >>> _ = path.write_text("2 walk\\n1 run\\n")
    >>> read_class_names(path)
    ['run', 'walk']
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"class list {path} does not exist.")
    lines = read_lines(path)
    if not lines:
        raise ValueError(f"class list {path} is empty.")
    split = [line.split(maxsplit=1) for line in lines]
    if all(len(parts) == 2 and parts[0].isdigit() for parts in split):
        indexed = {int(index): name.strip() for index, name in split}
        if sorted(indexed) != list(range(1, len(lines) + 1)):
            raise ValueError(f"{path}: class indices must be 1..{len(lines)} once each; got {sorted(indexed)[:10]}...")
        return [indexed[i] for i in range(1, len(lines) + 1)]
    names = list(lines)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"{path}: class names repeated: {repeated[:5]}.")
    return names


def class_names_from(class_names: Sequence[str] | str | Path | None, found: Iterable[str]) -> list[str]:
    """An explicit class order (a list or a class list file) or, by default, the found names ignoring case."""
    if class_names is None:
        return case_insensitive_order(found)
    if isinstance(class_names, str | Path):
        return read_class_names(class_names)
    return list(class_names)


def label_lookup(class_names: Sequence[str]) -> Callable[[str], int | None]:
    """A name -> index function: an exact match, else the one name equal ignoring case, else ``None``.

    Example:
    >>> lookup = label_lookup(["HandstandPushups", "YoYo"])
    >>> lookup("HandstandPushups"), lookup("HandStandPushups"), lookup("Archery")
    (0, 0, None)
    """
    exact = {name: index for index, name in enumerate(class_names)}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(class_names):
        folded.setdefault(name.lower(), []).append(index)

    def lookup(name: str) -> int | None:
        if name in exact:
            return exact[name]
        matches = folded.get(name.lower(), [])
        return matches[0] if len(matches) == 1 else None

    return lookup


def unique_ids(paths: Sequence[str]) -> list[str]:
    """Video ids: file stems when they are unique (UCF-101 style), else the paths without their suffix.

    Example:
    >>> unique_ids(["run/a.avi", "walk/b.avi"]), unique_ids(["run/a.avi", "walk/a.avi"])
    (['a', 'b'], ['run/a', 'walk/a'])
    """
    stems = [Path(path).stem for path in paths]
    if len(set(stems)) == len(stems):
        return stems
    return [Path(path).with_suffix("").as_posix() for path in paths]


def check_subset(subset: str | None, allowed: Sequence[str | None], reader: str) -> None:
    if subset not in allowed:
        raise ValueError(f"{reader}: subset must be one of {tuple(allowed)}; got {subset!r}.")


def check_missing_policy(on_missing: str) -> None:
    if on_missing not in MISSING_POLICIES:
        raise ValueError(f"on_missing must be one of {MISSING_POLICIES}; got {on_missing!r}.")


def keep_existing(records: list[VideoRecord], source: str, on_missing: str) -> list[VideoRecord]:
    """The records whose files exist; the others raise (listing a few) or, with ``on_missing="skip"``, warn."""
    check_missing_policy(on_missing)
    missing = [record for record in records if not Path(record.path).exists()]
    if not missing:
        return records
    shown = ", ".join(record.path for record in missing[:3])
    message = f"{len(missing)} of {len(records)} videos listed by {source} are missing on disk (e.g. {shown})"
    if on_missing == "raise":
        raise FileNotFoundError(
            f"{message}. Check the videos folder argument, finish extracting the archive, "
            "or pass on_missing='skip' to keep the rest."
        )
    warnings.warn(f"{message}; skipped.", stacklevel=3)
    gone = {record.video_id for record in missing}
    return [record for record in records if record.video_id not in gone]


def video_files(folder: Path) -> list[Path]:
    """Every file directly in ``folder``, sorted by name: a video is recognised by its content when it is read.

    Hidden files are skipped: macOS copies leave ``._clip.avi`` metadata files beside the videos.
    A file that is not a video (``notes.txt``) is reported, with its reason, by whatever reads it.
    """
    return list_video_files(folder)
