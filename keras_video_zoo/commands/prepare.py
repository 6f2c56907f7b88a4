"""``kvz prepare``: convert a dataset into sharded TFRecords of JPEG frames (resumable)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.dataset_arguments import (
    add_dataset_arguments,
    add_runner_arguments,
    dataset_from_arguments,
    shard_writer_from_arguments,
)
from keras_video_zoo.commands.model_source import CommandError
from keras_video_zoo.commands.reading import add_reading_arguments, finish


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "prepare",
        help="convert a dataset into sharded TFRecords for fast training (rerun to resume)",
        description=(
            "Decode every video once into sharded TFRecords (one SequenceExample of JPEG frames per video). "
            "Rerun the same command to resume an interrupted run: finished shards are kept, partial ones rewritten. "
            "Train from the shards with kvz train ... --shards DIR (keras_video_zoo.data.sources.RGBShards)."
        ),
    )
    add_dataset_arguments(parser, layout="ucf101", subset="train")
    parser.add_argument("out", help="output folder for the shards")
    add_reading_arguments(
        parser, short_side="resize frames to this short side as they are decoded, keeping the aspect (default 128)"
    )
    parser.add_argument("--videos-per-shard", type=int, default=64, help="videos per shard (default 64)")
    parser.add_argument("--quality", type=int, default=90, help="JPEG quality (default 90)")
    parser.add_argument("--workers", type=int, default=2, help="shards written at once (default 2)")
    add_runner_arguments(parser, workers="--workers shards written at once by threads")
    parser.add_argument("--verify", action="store_true", help="read every record back afterwards (CRC check)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.data.shards import REPORT_FILE, verify_shards, write_shards

    try:
        writer = shard_writer_from_arguments(args)
        dataset = dataset_from_arguments(args)
        report = write_shards(
            dataset,
            args.out,
            short_side=args.short_side or 128,
            videos_per_shard=args.videos_per_shard,
            jpeg_quality=args.quality,
            workers=args.workers,
            damaged=args.damaged,
            progress=not args.no_progress,
            writer=writer,
        )
        if args.verify:
            verify_shards(args.out)
    except CommandError as error:
        print(f"kvz prepare: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError, ModuleNotFoundError) as error:
        print(f"kvz prepare: {error}", file=sys.stderr)
        return 2
    details = (
        f"{report.shards} shards in {args.out} ({report.written} written now, {report.kept} kept from an earlier run; "
        f"{report.frames} frames)"
    )
    where = str(Path(args.out) / REPORT_FILE)
    return finish("prepare", report.videos, "stored", strict=args.strict, where=where, details=details)
