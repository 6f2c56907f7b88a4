"""Multi-label video lists in the Sports-1M style (about 5% of its videos carry several labels).

Sports-1M is distributed as partitions of YouTube videos with 0-based label indices
into 487 classes (``labels.txt``, one name per line):

- text: ``<url or id> <label>[,<label>...]`` per line
  (``http://www.youtube.com/watch?v=oHuHG2U0AGE 224,435``);
- JSON: a list of objects with ``id`` (or ``path``/``url``) and ``label487`` (or ``labels``).

Videos are looked up in ``videos_dir`` as ``<id>.<ext>`` for any extension (or
by the relative path given). Many Sports-1M videos have left YouTube, so missing ones
are skipped with a warning by default (``on_missing="skip"``).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from keras_video_zoo.data.layouts._common import check_missing_policy, keep_existing, read_class_names, read_lines
from keras_video_zoo.data.records import VideoDataset, VideoRecord
from keras_video_zoo.data.video_files import video_files

_ID_KEYS = ("id", "path", "url", "video", "youtube_id")
_LABEL_KEYS = ("label487", "labels", "label")


def youtube_id(reference: str) -> str:
    """The video id of a YouTube URL (``watch?v=``, ``youtu.be/``), or the reference itself.

    Example:
    >>> youtube_id("http://www.youtube.com/watch?v=oHuHG2U0AGE"), youtube_id("https://youtu.be/abc"), youtube_id("x1")
    ('oHuHG2U0AGE', 'abc', 'x1')
    """
    parsed = urllib.parse.urlparse(reference)
    if parsed.netloc.endswith("youtube.com"):
        ids = urllib.parse.parse_qs(parsed.query).get("v")
        if ids:
            return ids[0]
    if parsed.netloc.endswith("youtu.be"):
        return parsed.path.strip("/")
    return reference


def _entries(list_file: Path) -> list[tuple[str, list[int]]]:
    if list_file.suffix.lower() == ".json":
        data = json.loads(list_file.read_text(encoding="utf-8-sig"))
        items = data.values() if isinstance(data, dict) else data
        entries = []
        for position, item in enumerate(items):
            reference = next((item[key] for key in _ID_KEYS if key in item), None)
            labels = next((item[key] for key in _LABEL_KEYS if key in item), None)
            if reference is None or labels is None:
                raise ValueError(f"{list_file}: entry {position} needs one of {_ID_KEYS} and one of {_LABEL_KEYS}.")
            entries.append(
                (str(reference), [int(label) for label in (labels if isinstance(labels, list) else [labels])])
            )
        return entries
    entries = []
    for number, line in enumerate(read_lines(list_file), 1):
        parts = line.split()
        if len(parts) != 2 or not all(label.strip().isdigit() for label in parts[1].split(",")):
            raise ValueError(f"{list_file}:{number}: expected '<url or id> <label>[,<label>...]'; got {line!r}.")
        entries.append((parts[0], [int(label) for label in parts[1].split(",")]))
    return entries


def multilabel_list(
    list_file: str | Path,
    videos_dir: str | Path,
    *,
    class_names: Sequence[str] | str | Path | None = None,
    on_missing: str = "skip",
) -> VideoDataset:
    """Read a Sports-1M style list of videos with one or more 0-based labels each.

    Args:
        list_file: the partition (``.txt`` lines or ``.json``; see the module docstring).
        videos_dir: where the videos are, as ``<id>.<ext>`` or by the relative path the list gives.
        class_names: the classes (a list, or ``labels.txt`` with one name per line, line ``i`` = label ``i``);
            default ``"0"`` ... up to the largest label.
        on_missing: ``"skip"`` (default: Sports-1M always has videos gone) or ``"raise"``.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "train.txt").write_text("https://www.youtube.com/watch?v=abc 3,1\\nxyz 0\\n")
    >>> for name in ("abc.mp4", "xyz.mkv"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> data = multilabel_list(folder / "train.txt", folder)
    >>> [(record.video_id, record.labels) for record in data], data.num_classes, data.multi_label
    ([('abc', (3, 1)), ('xyz', (0,))], 4, True)
    """
    check_missing_policy(on_missing)
    list_file, videos_dir = Path(list_file), Path(videos_dir)
    if not list_file.is_file():
        raise FileNotFoundError(f"video list {list_file} does not exist.")
    entries = _entries(list_file)
    if class_names is None:
        names = [str(index) for index in range(max((max(labels) for _, labels in entries), default=-1) + 1)]
    elif isinstance(class_names, str | Path):
        names = read_class_names(class_names)
    else:
        names = list(class_names)
    beyond = [reference for reference, labels in entries if max(labels) >= len(names)]
    if beyond:
        raise ValueError(
            f"{list_file}: {len(beyond)} videos have labels beyond the {len(names)} classes: {beyond[:3]}."
        )
    on_disk = {path.stem: path for path in video_files(videos_dir)} if videos_dir.is_dir() else {}
    records = []
    for reference, labels in entries:
        video_id = youtube_id(reference)
        if Path(reference).suffix and (videos_dir / reference).is_file():  # a file name, not a YouTube id
            path, video_id = videos_dir / reference, Path(reference).stem
        else:
            path = on_disk.get(video_id, videos_dir / f"{video_id}.mp4")
        records.append(VideoRecord(str(path), tuple(dict.fromkeys(labels)), video_id))
    records = keep_existing(records, f"{list_file} (videos in {videos_dir})", on_missing)
    return VideoDataset(records, names, f"multilabel:{list_file.stem}")
