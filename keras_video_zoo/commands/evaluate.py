"""``kvz evaluate``: video-level evaluation of a saved model on a dataset, with a report."""

from __future__ import annotations

import argparse
import sys

from keras_video_zoo.commands.clip_sources import add_source_arguments
from keras_video_zoo.commands.dataset_arguments import add_dataset_arguments, dataset_from_arguments
from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model


def make_protocol(text: str, frames: int, clips: int | None = None):
    """The protocol named ``text`` (``karpathy``, ``two_stream`` or ``uniform:K``) for ``frames``-frame clips.

    Example:
    >>> protocol = make_protocol("uniform:3", frames=10)
    >>> protocol.clips, protocol.frames, len(protocol.views)
    (3, 10, 1)
    >>> make_protocol("karpathy", frames=1, clips=2).passes_per_video
    8
    """
    from keras_video_zoo.data.sampling import KarpathyProtocol, TwoStreamProtocol, UniformClipsProtocol

    name, _, count = text.partition(":")
    options = {"frames": frames} | ({"clips": clips} if clips is not None else {})
    if name == "uniform" and count.isdigit() and int(count) > 0 and clips is None:
        return UniformClipsProtocol(clips=int(count), frames=frames)
    if name in ("karpathy", "two_stream") and not count:
        return (KarpathyProtocol if name == "karpathy" else TwoStreamProtocol)(**options)
    raise ValueError(
        f"unknown protocol {text!r}; use karpathy, two_stream or uniform:K (K clips per video, then no --clips)."
    )


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="evaluate a saved model on a dataset (multi-view, video level)",
        description="Score every video with a protocol's clips x views, average per video, and write "
        "OUT/results.json, OUT/results.md and plots (confusion matrix, per-class AP).",
    )
    add_dataset_arguments(parser, layout="ucf101", subset="test")
    add_model_argument(parser)
    parser.add_argument(
        "--protocol",
        help="karpathy (20 random clips x 4 views), two_stream (25 clips x 10 crops) or uniform:K (K clips, centre); "
        "default: two_stream for the two-stream family's models, karpathy for the others",
    )
    parser.add_argument("--clips", type=int, help="clips per video instead of the protocol's (karpathy, two_stream)")
    parser.add_argument("--batch-size", type=int, default=32, help="clips per batch (default 32)")
    parser.add_argument("--out", required=True, help="report folder")
    parser.add_argument("--title", default="Evaluation", help="report title")
    parser.add_argument("--no-plots", action="store_true", help="no PNG plots")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_source_arguments(parser)
    parser.set_defaults(run=run)


def check_class_names(model, dataset) -> None:
    """A model that names its classes must name the dataset's, in the same order (else scores mean other classes)."""
    names, known = class_names(model)
    if known and list(names) != list(dataset.class_names):
        raise CommandError(
            f"the model's classes {names[:5]}{'...' if len(names) > 5 else ''} are not the dataset's "
            f"{list(dataset.class_names)[:5]}{'...' if dataset.num_classes > 5 else ''} (names and order must "
            "match). Fine-tune it on this dataset first (kvz finetune)."
        )


def default_protocol(model) -> str:
    """``two_stream`` for the spatial, temporal and two-stream models, ``karpathy`` for the fusion CNNs."""
    from keras_video_zoo.models.description import describe

    return describe(model).protocol


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.commands.clip_sources import sources_for, streams_of
    from keras_video_zoo.commands.reading import finish
    from keras_video_zoo.evaluation.results_files import results_markdown, write_report
    from keras_video_zoo.evaluation.video_evaluation import evaluate_on_source, evaluate_two_stream

    try:
        dataset = dataset_from_arguments(args)
        model = load_model(args.model)
        check_class_names(model, dataset)
        streams = streams_of(model)
        protocols = {
            kind: make_protocol(args.protocol or default_protocol(model), stream.input_shape[1], args.clips)
            for kind, stream in streams.items()
            if stream is not None
        }
        sources = sources_for(model, dataset, args)
    except CommandError as error:
        print(f"kvz evaluate: {error}", file=sys.stderr)
        return error.exit_code
    except ValueError as error:
        print(f"kvz evaluate: {error}", file=sys.stderr)
        return 2
    progress = not args.no_progress
    try:
        if len(protocols) == 2:
            results = evaluate_two_stream(
                model,
                sources["rgb"],
                sources["flow"],
                protocols=(protocols["rgb"], protocols["flow"]),
                progress=progress,
            )
        else:
            ((kind, protocol),) = protocols.items()
            results = evaluate_on_source(model, sources[kind], protocol, batch_size=args.batch_size, progress=progress)
    except ValueError as error:  # no readable video, or a head that does not match the classes
        print(f"kvz evaluate: {error}", file=sys.stderr)
        return 1
    results["model"] = str(args.model)
    results["dataset"] = dataset.name
    written = write_report(results, args.out, title=args.title, plots=not args.no_plots)
    print(results_markdown(results, title=args.title, per_class=False))
    print(f"kvz evaluate: report in {written['markdown']}", file=sys.stderr)
    codes = [
        finish("evaluate", source.report, "scored", strict=args.strict, where=str(written["json"]))
        for source in sources.values()
        if source is not None
    ]
    return max(codes)
