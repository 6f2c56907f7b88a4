"""Dataset preparation on Apache Beam: ``kvz prepare`` and ``kvz flow`` with ``--runner beam``.

One element per video; decoding, flow and JPEG encoding happen inside one DoFn, so raw frames
never cross a shuffle. The pipelines reuse the per-video functions the local runner uses
(:func:`keras_video_zoo.data.shard_records.store_video`,
:func:`keras_video_zoo.flow.video_extraction.video_flow_outcome`), so both runners write the same
bytes and the same report. Needs ``pip install keras_video_zoo[beam]``; importing this package
imports nothing from Beam.
"""

from __future__ import annotations

import importlib.util

RUNNERS = ("local", "beam")  # what prepares a dataset: this machine's pool, or an Apache Beam pipeline


def require_beam(what: str) -> None:
    """Raises a clear ``ModuleNotFoundError`` when Apache Beam is not installed.

    Example:
    >>> require_beam("kvz prepare --runner beam")  # Beam is installed here: nothing happens
    """
    if importlib.util.find_spec("apache_beam") is None:
        raise ModuleNotFoundError(f"{what} needs Apache Beam: pip install 'keras_video_zoo[beam]'.")
