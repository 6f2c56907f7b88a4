"""Pre-extracted frame folders (``<video>/img_00001.jpg`` ...), as the common flow/frame tools write them.

Records point at the folder; :func:`keras_video_zoo.data.video_io.read_frames` reads a
folder path like a video (frame ``i`` is the ``i``-th image, 0-based).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.layouts._common import check_missing_policy, keep_existing
from keras_video_zoo.data.layouts.folders import read_class_folders
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.video_files import FRAME_IMAGE_EXTENSIONS


def _has_frames(folder: Path, prefix: str) -> bool:
    return any(
        entry.name.startswith(prefix) and entry.suffix.lower() in FRAME_IMAGE_EXTENSIONS for entry in folder.iterdir()
    )


def frame_folders(
    root: str | Path,
    split_file: str | Path | None = None,
    subset: str | None = None,
    *,
    class_names: Sequence[str] | str | Path | None = None,
    prefix: str = "img_",
    on_missing: str = "raise",
) -> VideoDataset:
    """Read ``root/<class>/<video>/img_00001.jpg`` frame folders: :func:`folder_per_class` for extracted frames.

    Args:
        root: the folder of class folders.
        split_file: lines ``<class>/<video> [<subset>]`` relative to ``root``; default every frame folder found.
        subset: keep the split file's lines tagged with this word.
        class_names: class order (list or class list file); default folder names alphabetically ignoring case.
        prefix: frame image name prefix (``img_`` for RGB; flow tools also write ``flow_x_``/``flow_y_``).
        on_missing: ``"raise"`` (default) or ``"skip"`` listed folders missing on disk (with a warning).

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> for path in ["walk/v2/img_00001.jpg", "run/v1/img_00001.jpg", "run/v1/img_00002.jpg"]:
    ...     (root / path).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (root / path).write_bytes(b"")
    >>> [(record.video_id, record.label) for record in frame_folders(root)]
    [('v1', 0), ('v2', 1)]
    """

    def videos(class_folder: Path) -> list[Path]:
        return sorted(path for path in class_folder.iterdir() if path.is_dir() and _has_frames(path, prefix))

    return read_class_folders(
        root,
        videos,
        split_file=split_file,
        subset=subset,
        class_names=class_names,
        on_missing=on_missing,
        what="frame_folders",
    )


def with_frame_folders(dataset: VideoDataset, frames_root: str | Path, *, on_missing: str = "raise") -> VideoDataset:
    """The same videos and labels, read from their extracted frames: ``frames_root/<video_id>`` or
    ``frames_root/<class>/<video_id>`` (whichever exists), e.g. UCF-101's split lists with extracted frames.

    Example:
    >>> import tempfile
    >>> frames_root = Path(tempfile.mkdtemp())
    >>> (frames_root / "v_YoYo_g01_c01").mkdir()
    >>> data = VideoDataset([VideoRecord("UCF-101/YoYo/v_YoYo_g01_c01.avi", (0,), "v_YoYo_g01_c01", 1)], ["YoYo"])
    >>> Path(with_frame_folders(data, frames_root)[0].path).name
    'v_YoYo_g01_c01'
    """
    check_missing_policy(on_missing)
    frames_root = Path(frames_root)
    records = []
    for record in dataset:
        flat = frames_root / record.video_id
        nested = frames_root / dataset.class_names[record.labels[0]] / record.video_id
        folder = nested if not flat.is_dir() and nested.is_dir() else flat
        records.append(VideoRecord(str(folder), record.labels, record.video_id, record.group))
    records = keep_existing(records, f"frame folders under {frames_root} for {dataset.name}", on_missing)
    return VideoDataset(records, dataset.class_names, f"{dataset.name}/frames")
