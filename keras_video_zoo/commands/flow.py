"""``kvz flow``: extract and store the optical flow of a dataset (resumable, in parallel)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.dataset_arguments import (
    add_dataset_arguments,
    add_runner_arguments,
    dataset_from_arguments,
    flow_extractor_from_arguments,
)
from keras_video_zoo.commands.model_source import CommandError
from keras_video_zoo.commands.reading import add_reading_arguments, finish
from keras_video_zoo.vocabulary import (
    DEFAULT_FLOW_ALGORITHM,
    DEFAULT_FLOW_BOUND,
    DEFAULT_FLOW_JPEG_QUALITY,
    DEFAULT_FLOW_SHORT_SIDE,
    FLOW_ALGORITHMS,
    FLOW_REPORT_NAME,
    QUANTISATION_MODES,
)


def _size(text: str) -> tuple[int, int]:
    try:
        height, width = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be HEIGHTxWIDTH, e.g. 240x320; got {text!r}") from None
    return height, width


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "flow",
        help="extract optical flow of a dataset to uint8 JPEGs",
        description="Extract optical flow of every video to OUT/<video_id>/flow_{x,y}_NNNNN.jpg with a manifest, "
        "streamed pair by pair (memory does not grow with a video's length or resolution). Resumable: finished "
        "videos are skipped; unreadable and damaged videos are reported in OUT/" + FLOW_REPORT_NAME + ".",
    )
    add_dataset_arguments(parser, layout="videos", subset="all")
    parser.add_argument("out", help="output folder, one sub-folder per video")
    parser.add_argument("--algorithm", choices=FLOW_ALGORITHMS, default=DEFAULT_FLOW_ALGORITHM)
    parser.add_argument("--bound", type=float, default=DEFAULT_FLOW_BOUND, help="quantisation bound B in pixels")
    parser.add_argument("--quantisation", choices=QUANTISATION_MODES, default="bound")
    parser.add_argument("--quality", type=int, default=DEFAULT_FLOW_JPEG_QUALITY, help="JPEG quality (default 95)")
    parser.add_argument("--backward", action="store_true", help="also store backward flow (bidirectional stacks)")
    resize = parser.add_mutually_exclusive_group()
    resize.add_argument(
        "--size", type=_size, help="fit frames to HEIGHTxWIDTH first (resized to cover, centre-cropped)"
    )
    resize.add_argument(
        "--short-side",
        type=int,
        default=DEFAULT_FLOW_SHORT_SIDE,
        help=f"shrink frames so the short side is this long first, keeping the aspect; smaller videos stay as they "
        f"are (default {DEFAULT_FLOW_SHORT_SIDE}, the two-stream paper's frames; 0 keeps every frame as decoded)",
    )
    parser.add_argument(
        "--shards",
        metavar="DIR",
        help="then pack the flow beside the RGB TFRecord shards in DIR (made by write_shards)",
    )
    parser.add_argument("--workers", type=int, default=1, help="videos processed at once (processes)")
    add_runner_arguments(parser, workers="a pool of --workers processes")
    add_reading_arguments(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.flow.dataset_extraction import FlowSettings, extract_dataset_flow
    from keras_video_zoo.flow.shards import write_flow_shards

    try:
        extractor = flow_extractor_from_arguments(args)
        settings = FlowSettings(
            algorithm=args.algorithm,
            bound=args.bound,
            quantisation=args.quantisation,
            jpeg_quality=args.quality,
            backward=args.backward,
            size=args.size,
            short_side=None if args.size else args.short_side,
            damaged=args.damaged,
        )
        dataset = dataset_from_arguments(args)
        report = extract_dataset_flow(
            dataset,
            args.out,
            settings,
            workers=max(1, args.workers),
            progress=not args.no_progress,
            extractor=extractor,
        )
    except CommandError as error:
        print(f"kvz flow: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError, ModuleNotFoundError) as error:
        print(f"kvz flow: {error}", file=sys.stderr)
        return 2
    details = f"{len(report.extracted)} extracted now, {len(report.kept)} kept from an earlier run"
    if args.shards:
        try:
            written = write_flow_shards(args.shards, args.out, bound=args.bound, progress=not args.no_progress)
        except ValueError as error:
            print(f"kvz flow: {error}", file=sys.stderr)
            return 1
        details += f"; {written} flow shards written beside {args.shards}"
    where = str(Path(args.out) / FLOW_REPORT_NAME)
    return finish("flow", report.videos, "extracted the flow of", strict=args.strict, where=where, details=details)
