"""What every dataset reader returns: video records and the class list that labels index.

Readers of every layout (UCF-101, HMDB-51, folder per class, CSV manifests, frame
folders) produce a :class:`VideoDataset`; samplers, pipelines, shards, flow
extraction and evaluation consume one, so they never care where the videos came from.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class VideoRecord:
    """One video of a dataset.

    Attributes:
        path: the video file, or the folder of its extracted frames.
        labels: class indices into :attr:`VideoDataset.class_names`; one for most
            datasets, several for multi-label videos (Sports-1M style).
        video_id: a name unique within the dataset (e.g. ``v_ApplyEyeMakeup_g01_c01``);
            shards, flow folders and reports are keyed by it.
        group: the group that splits are made by (UCF-101's gGG), or ``None``.

    Example:
    >>> record = VideoRecord("UCF-101/YoYo/v_YoYo_g01_c01.avi", (100,), "v_YoYo_g01_c01", 1)
    >>> record.label
    100
    """

    path: str
    labels: tuple[int, ...]
    video_id: str
    group: int | None = None

    def __post_init__(self) -> None:
        if not self.labels or not all(isinstance(label, int) and label >= 0 for label in self.labels):
            raise ValueError(f"{self.video_id}: labels must be one or more class indices >= 0; got {self.labels!r}.")

    @property
    def label(self) -> int:
        """The single label; a ValueError for a multi-label video."""
        if len(self.labels) != 1:
            raise ValueError(f"{self.video_id} has {len(self.labels)} labels {self.labels}; use .labels.")
        return self.labels[0]


@dataclass(frozen=True)
class VideoDataset(Sequence[VideoRecord]):
    """A split of a dataset: its videos and the ordered class names labels index.

    Attributes:
        records: the videos, in a stable order.
        class_names: class ``i`` is ``class_names[i]``; readers take this order from
            the dataset's own class list (e.g. UCF-101's classInd.txt), never from
            sorting folder names.
        name: e.g. ``"ucf101/split1/train"``, for messages and reports.

    Example:
    >>> data = VideoDataset([VideoRecord("a.avi", (1,), "a"), VideoRecord("b.avi", (0,), "b")], ["run", "walk"])
    >>> len(data), data.num_classes, data[0].video_id, data.class_counts()
    (2, 2, 'a', [1, 1])
    """

    records: Sequence[VideoRecord]
    class_names: Sequence[str]
    name: str = "dataset"
    _ids: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", tuple(self.records))
        object.__setattr__(self, "class_names", tuple(self.class_names))
        ids = [record.video_id for record in self.records]
        repeated = [video_id for video_id, count in collections.Counter(ids).items() if count > 1]
        if repeated:
            raise ValueError(f"{self.name}: video ids must be unique; repeated: {repeated[:5]}.")
        out_of_range = [r.video_id for r in self.records if max(r.labels) >= len(self.class_names)]
        if out_of_range:
            raise ValueError(
                f"{self.name}: labels of {out_of_range[:5]} are beyond the {len(self.class_names)} classes."
            )
        object.__setattr__(self, "_ids", frozenset(ids))

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index):  # type: ignore[override]
        return self.records[index]

    def __iter__(self) -> Iterator[VideoRecord]:
        return iter(self.records)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def multi_label(self) -> bool:
        """Whether any video has more than one label."""
        return any(len(record.labels) > 1 for record in self.records)

    def class_counts(self) -> list[int]:
        """Videos per class (a multi-label video counts for each of its classes)."""
        counts = [0] * self.num_classes
        for record in self.records:
            for label in record.labels:
                counts[label] += 1
        return counts

    def subset(self, keep: Sequence[VideoRecord], name: str | None = None) -> VideoDataset:
        """A dataset of some of these records with the same classes."""
        return VideoDataset(keep, self.class_names, name or self.name)

    def paths(self) -> list[Path]:
        return [Path(record.path) for record in self.records]
