"""The clip sources a command's arguments name: videos (or ``--shards``) for RGB streams, ``--flow`` for temporal ones.

``kvz train`` and ``kvz evaluate`` take any model: an RGB clip model reads the dataset's videos
(decoded as a stream, every frame fitted to the model's pipeline size) or ``kvz prepare`` shards;
a temporal stream reads ``kvz flow`` folders or flow shards (``--flow``); a two-stream model reads
both, one stream each.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from keras_video_zoo.commands.model_source import CommandError
from keras_video_zoo.commands.reading import add_reading_arguments
from keras_video_zoo.vocabulary import STACKING_MODES


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--flow``, ``--shards``, ``--stacking`` and the reading arguments."""
    parser.add_argument(
        "--flow",
        metavar="FLOW",
        help="the optical flow of SOURCE's videos, for temporal and two-stream models: a kvz flow output folder, "
        "or a kvz prepare shard folder holding flow shards (kvz flow ... --shards DIR)",
    )
    parser.add_argument(
        "--shards", metavar="DIR", help="read RGB clips from these kvz prepare shards instead of the videos"
    )
    parser.add_argument(
        "--stacking",
        choices=STACKING_MODES,
        help="how flow fields are stacked (default: the stacking the model was built with, forward unless it says "
        "otherwise)",
    )
    add_reading_arguments(
        parser,
        short_side="RGB frames are cut to their centred square and resized to this side as they are decoded "
        "(default: the model's crop plus the paper's 200/170 margin; 75 for 64 crops)",
    )


def streams_of(model) -> dict:
    """``{"rgb": model or None, "flow": model or None}``: the model itself, or a two-stream model's two streams.

    Raises:
        CommandError: the model is neither a clip model nor a two-stream model.
    """
    from keras_video_zoo.models.description import describe

    try:
        description = describe(model)
    except ValueError as error:
        raise CommandError(str(error)) from None
    return {"rgb": description.rgb, "flow": description.flow}


def rgb_source(stream, dataset, args: argparse.Namespace):
    """The RGB stream's clips: ``--shards`` if given, else the dataset's videos."""
    from keras_video_zoo.data.geometry import FrameGeometry
    from keras_video_zoo.data.sources import RGBShards, VideoFiles
    from keras_video_zoo.models.clip_wrappers import pipeline_size

    geometry = FrameGeometry.square_of(args.short_side or pipeline_size(stream))
    try:
        if args.shards:
            return RGBShards(args.shards, geometry)
        return VideoFiles(dataset, geometry, damaged=args.damaged)
    except ValueError as error:
        raise CommandError(str(error)) from None


def flow_source(stream, dataset, args: argparse.Namespace):
    """The temporal stream's stacks from ``--flow`` (flow folders, or a shard folder with flow shards)."""
    from keras_video_zoo.flow.sources import FlowFolders, FlowShards
    from keras_video_zoo.models.description import flow_stacking

    if not args.flow:
        raise CommandError(
            f"{stream.name} is a temporal stream: give its videos' optical flow with --flow FLOW (make it with "
            "kvz flow SOURCE FLOW)."
        )
    mode = args.stacking or flow_stacking(stream)
    options = {"fields": stream.input_shape[1], "mode": mode}
    try:
        if (Path(args.flow) / "plan.json").is_file():  # a kvz prepare shard folder with flow shards beside it
            return FlowShards(args.flow, **options)
        return FlowFolders(dataset, args.flow, **options)
    except ValueError as error:
        raise CommandError(str(error)) from None


def sources_for(model, dataset, args: argparse.Namespace) -> dict:
    """``{"rgb": source or None, "flow": source or None}`` for the model's streams."""
    streams = streams_of(model)
    return {
        "rgb": rgb_source(streams["rgb"], dataset, args) if streams["rgb"] is not None else None,
        "flow": flow_source(streams["flow"], dataset, args) if streams["flow"] is not None else None,
    }
