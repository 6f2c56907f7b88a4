"""HMDB-51: ``<class>/<clip>.avi`` and split files ``<class>_test_split{1,2,3}.txt``.

Each split-file line is ``<clip>.avi <code>`` (often with a trailing space): code 1 =
train, 2 = test, 0 = unused in that split. Class order: alphabetical by the class
names of the split files (``brush_hair`` ... ``wave``, as in
``testTrainMulti_7030_splits``); sources that shorten names (``kick`` for
``kick_ball``, ``sword`` for ``sword_exercise``) order differently, so pass
``class_names=`` to reproduce theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.layouts._common import check_subset, keep_existing, read_class_names, read_lines
from keras_video_zoo.data.records import VideoDataset, VideoRecord

HMDB51_SPLITS = (1, 2, 3)
HMDB51_SUBSETS = ("train", "test", "all", "unused")
_CODES = {"train": {"1"}, "test": {"2"}, "all": {"1", "2"}, "unused": {"0"}}


def _find_splits_dir(root: Path, split: int) -> Path:
    candidates = [root / "testTrainMulti_7030_splits", root / "splits", root]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob(f"*_test_split{split}.txt")):
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(
        f"HMDB-51: no split files <class>_test_split{split}.txt in {looked}; pass splits_dir= "
        "(the unpacked testTrainMulti_7030_splits folder)."
    )


def hmdb51(
    root: str | Path,
    split: int = 1,
    subset: str = "train",
    *,
    splits_dir: str | Path | None = None,
    class_names: Sequence[str] | str | Path | None = None,
    on_missing: str = "raise",
) -> VideoDataset:
    """Read an HMDB-51 split.

    Args:
        root: the folder of class folders (``root/<class>/<clip>.avi``).
        split: 1, 2 or 3.
        subset: ``"train"`` (code 1), ``"test"`` (code 2), ``"all"`` (1 and 2) or ``"unused"`` (0).
        splits_dir: the split files; default ``root/testTrainMulti_7030_splits``, ``root/splits`` or ``root``.
        class_names: a class order (list or class list file); default alphabetical split-file names.
        on_missing: ``"raise"`` (default) or ``"skip"`` listed clips missing on disk (with a warning).

    Example:
    >>> hmdb51("no/such/root")
    Traceback (most recent call last):
    ...
    FileNotFoundError: HMDB-51: no split files <class>_test_split1.txt in ...
    """
    if split not in HMDB51_SPLITS:
        raise ValueError(f"HMDB-51 has splits {HMDB51_SPLITS}; got split={split!r}.")
    check_subset(subset, HMDB51_SUBSETS, "hmdb51")
    root = Path(root)
    splits_dir = Path(splits_dir) if splits_dir is not None else _find_splits_dir(root, split)
    suffix = f"_test_split{split}.txt"
    split_files = {path.name[: -len(suffix)]: path for path in splits_dir.glob(f"*{suffix}")}
    if not split_files:
        raise FileNotFoundError(f"HMDB-51: no split files *{suffix} in {splits_dir}.")
    if class_names is None:
        names = sorted(split_files)
    else:
        names = read_class_names(class_names) if isinstance(class_names, str | Path) else list(class_names)
    without_file = [name for name in names if name not in split_files]
    if without_file:
        raise FileNotFoundError(
            f"HMDB-51: no split file {without_file[0]}{suffix} in {splits_dir} "
            f"({len(without_file)} class(es) without one: {without_file[:5]})."
        )
    not_listed = sorted(set(split_files) - set(names))
    if not_listed:
        raise ValueError(f"HMDB-51: split files for classes missing from class_names: {not_listed[:5]}.")

    records = []
    for label, name in enumerate(names):
        split_file = split_files[name]
        for number, line in enumerate(read_lines(split_file), 1):
            parts = line.split()
            if len(parts) != 2 or parts[1] not in {"0", "1", "2"}:
                raise ValueError(f"{split_file}:{number}: expected '<clip>.avi <0|1|2>'; got {line!r}.")
            if parts[1] in _CODES[subset]:
                records.append(VideoRecord(str(root / name / parts[0]), (label,), Path(parts[0]).stem))
    records = keep_existing(records, f"HMDB-51 split {split} files in {splits_dir}", on_missing)
    return VideoDataset(records, names, f"hmdb51/split{split}/{subset}")
