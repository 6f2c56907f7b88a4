"""One account of what a command did with each video: used, skipped (with the reason), damaged, short.

Every command that reads videos (``prepare``, ``flow``, ``train``, ``evaluate``, ``predict``)
keeps a :class:`VideoReport`, prints its one-line :meth:`~VideoReport.summary` and writes its
:meth:`~VideoReport.to_dict` into the run's JSON, so the same video gets the same words
everywhere. Pipelines that read a video every epoch count each file once.
"""

from __future__ import annotations

import threading

# What happens to a damaged video (one that decodes fewer frames than its container reports,
# or whose decoder reports errors): use the frames that decode, or skip it.
from keras_video_zoo.vocabulary import DAMAGED_POLICIES


class VideoReport:
    """Thread-safe tally of the videos a command read (tf.data calls Python from several threads).

    Example:
    >>> report = VideoReport()
    >>> report.used("a.mp4"); report.used("b.mp4"); report.skipped("c.txt", "not a video: a text file.")
    >>> report.damaged("b.mp4", "93 of the 100 frames its container reports decode")
    >>> report.summary("trained on")
    'trained on 2 of 3 videos; 1 skipped (c.txt: not a video: a text file.); 1 damaged (used what decodes)'
    """

    def __init__(self, damaged_policy: str = "use") -> None:
        if damaged_policy not in DAMAGED_POLICIES:
            raise ValueError(f"damaged videos are handled with one of {DAMAGED_POLICIES}; got {damaged_policy!r}.")
        self.damaged_policy = damaged_policy
        self._used: dict[str, None] = {}
        self._skipped: dict[str, str] = {}
        self._damaged: dict[str, str] = {}
        self._short: dict[str, str] = {}
        self._lock = threading.Lock()

    def used(self, path: str) -> None:
        with self._lock:
            self._used[str(path)] = None

    def skipped(self, path: str, reason: str) -> None:
        with self._lock:
            self._skipped.setdefault(str(path), reason)

    def damaged(self, path: str, detail: str) -> None:
        """A damaged video (used or skipped per :attr:`damaged_policy`; the caller acts on it)."""
        with self._lock:
            self._damaged.setdefault(str(path), detail)

    def short(self, path: str, detail: str) -> None:
        """A video shorter than a clip, used as the protocol allows (its last frame repeated, or looped)."""
        with self._lock:
            self._short.setdefault(str(path), detail)

    @property
    def used_count(self) -> int:
        return len(self._used)

    @property
    def skipped_count(self) -> int:
        return len(self._skipped)

    @property
    def total(self) -> int:
        return len(set(self._used) | set(self._skipped))

    def skip_reasons(self) -> dict[str, str]:
        return dict(self._skipped)

    def summary(self, verb: str = "used", *, limit: int = 3, where: str | None = None) -> str:
        """``"<verb> 11 of 16 videos; 5 skipped (...); 2 damaged (used what decodes); 1 shorter than a clip"``."""
        with self._lock:
            line = f"{verb} {len(self._used)} of {self.total} videos"
            if self._skipped:
                shown = "; ".join(f"{path}: {reason}" for path, reason in list(self._skipped.items())[:limit])
                more = f"; and {len(self._skipped) - limit} more" if len(self._skipped) > limit else ""
                line += f"; {len(self._skipped)} skipped ({shown}{more})"
            if self._damaged:
                handled = "used what decodes" if self.damaged_policy == "use" else "skipped"
                line += f"; {len(self._damaged)} damaged ({handled})"
            if self._short:
                line += f"; {len(self._short)} shorter than a clip (used as the protocol allows)"
        if where and (self._skipped or self._damaged or self._short):
            line += f"; every one listed in {where}"
        return line

    def to_dict(self) -> dict:
        """For a run's JSON: the counts and every skipped, damaged and short video with its reason."""
        with self._lock:
            return {
                "videos": self.total,
                "used": len(self._used),
                "skipped": dict(self._skipped),
                "damaged": dict(self._damaged),
                "damaged_policy": self.damaged_policy,
                "short": dict(self._short),
            }
