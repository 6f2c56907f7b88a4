"""Which Beam runner a kvz pipeline runs on: the user's ``--beam-options``, or local worker processes."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner

# Runner names that mean "on this machine". Beam's DirectRunner may hand a pipeline to the Prism
# runner, which downloads a binary on first use (and fails without network); these run on the
# portable FnApiRunner instead, in worker processes.
LOCAL_RUNNERS = (None, "DirectRunner", "FnApiRunner")


@contextlib.contextmanager
def beam_pipeline(beam_options: str | None = None, *, workers: int = 2) -> Iterator[beam.Pipeline]:
    """A Beam pipeline for ``beam_options`` (command-line flags, as ``PipelineOptions`` parses them), run on exit.

    Without a ``--runner`` (or with ``DirectRunner``), the pipeline runs on Beam's FnApiRunner
    with ``workers`` SDK worker processes (``--direct_running_mode=multi_processing``), unless
    the flags choose another mode or count. Any other runner (Dataflow, Flink, Spark, Dask) gets
    the flags as they are.

    Example:
    >>> with beam_pipeline("--direct_running_mode=in_memory --direct_num_workers=1") as pipeline:
    ...     _ = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: x * x)
    >>> type(pipeline.runner).__name__
    'FnApiRunner'
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}.")
    flags = shlex.split(beam_options or "")
    options = PipelineOptions(flags)
    if options.view_as(StandardOptions).runner not in LOCAL_RUNNERS:
        with beam.Pipeline(options=options) as pipeline:
            yield pipeline
        return
    direct = options.view_as(DirectOptions)
    if not any(flag.startswith("--direct_running_mode") for flag in flags):
        direct.direct_running_mode = "multi_processing"
    if not any(flag.startswith("--direct_num_workers") for flag in flags):
        direct.direct_num_workers = workers
    with beam.Pipeline(runner=FnApiRunner(), options=options) as pipeline:
        yield pipeline
