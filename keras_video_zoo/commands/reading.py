"""How every command that reads videos reports them and ends: one summary line, the JSON, one exit-code rule.

The library never prints; a command may print its results as they come (``kvz predict``: a line
per video), and ends with :func:`finish`: one line, ``kvz <command>: <what it did with the videos>``
(the first skipped ones with their reasons, the JSON that lists every one, and what else it did),
then the exit code.

Exit codes (the same for ``prepare``, ``flow``, ``train``, ``evaluate``, ``predict`` and ``demo``):
    0  the work completed; videos that could not be used are reported and skipped;
    1  no video could be used, or ``--strict`` and some video was skipped or damaged;
    2  bad usage or input (see :mod:`keras_video_zoo.cli`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from keras_video_zoo.vocabulary import DAMAGED_POLICIES, DEINTERLACE_ENV


def add_reading_arguments(parser: argparse.ArgumentParser, *, short_side: str | None = None) -> None:
    """``--damaged``, ``--strict``, ``--no-deinterlace`` and (with a help text) ``--short-side``."""
    parser.add_argument(
        "--damaged",
        choices=DAMAGED_POLICIES,
        default="use",
        help="a video that decodes fewer frames than its container reports, or whose decoder reports errors: "
        "use the frames that decode (default) or skip it; either way it is reported",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any video was skipped or damaged (default: report them, exit 0)",
    )
    parser.add_argument(
        "--no-deinterlace",
        action="store_true",
        help="read interlaced video (1080i, 576i broadcasts) as stored, two fields woven in a frame (default: "
        "deinterlaced with FFmpeg's yadif, a frame per frame)",
    )
    if short_side is not None:
        parser.add_argument("--short-side", type=int, help=short_side)


@contextlib.contextmanager
def reading_choices(args: argparse.Namespace) -> Iterator[None]:
    """The reading flags that hold for every decoder the command starts, its worker processes' too (as
    :data:`~keras_video_zoo.vocabulary.DEINTERLACE_ENV`), while the command runs; the environment is restored."""
    if not getattr(args, "no_deinterlace", False):
        yield
        return
    previous = os.environ.get(DEINTERLACE_ENV)
    os.environ[DEINTERLACE_ENV] = "0"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(DEINTERLACE_ENV, None)
        else:
            os.environ[DEINTERLACE_ENV] = previous


def finish(
    command: str, report, verb: str, *, strict: bool, where: str | None = None, details: str | None = None
) -> int:
    """Prints ``report``'s summary (and ``details`` of the rest of the work) and returns the exit code of the rule.

    Example:
    >>> from keras_video_zoo.data.video_report import VideoReport
    >>> report = VideoReport(); report.used("a.avi"); report.skipped("b.txt", "not a video.")
    >>> finish("flow", report, "extracted the flow of", strict=True, details="1 kept", where="r.json")
    1
    """
    line = report.summary(verb, where=where) + (f"; {details}" if details else "")
    print(f"kvz {command}: {line}", file=sys.stderr)
    if report.used_count == 0:
        return 1
    counts = report.to_dict()
    return 1 if strict and (counts["skipped"] or counts["damaged"]) else 0
