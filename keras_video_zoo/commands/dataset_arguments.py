"""Dataset arguments shared by the commands that read a dataset (``flow``, ``prepare``, ...)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from keras_video_zoo.beam import RUNNERS, require_beam  # light: Beam itself loads only when a pipeline runs
from keras_video_zoo.commands.model_source import CommandError

if TYPE_CHECKING:
    from keras_video_zoo.data.records import VideoDataset

# "videos": every video file under SOURCE; the others are the readers in keras_video_zoo.data.layouts.
LAYOUTS = ("videos", "ucf101", "hmdb51", "folder_per_class", "csv_manifest")


def video_files_dataset(root: str | Path) -> VideoDataset:
    """Every candidate video under ``root`` (:func:`~keras_video_zoo.data.video_files.video_files`, recursively).

    A video's id is its path under ``root`` without the extension, ``/`` written ``__`` (the name of
    its flow folder); two files that differ only by extension keep theirs. Which candidates are
    videos is the decoder's to say; the others are reported with their reason.

    Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "walk").mkdir(); (root / "notes.txt").touch()
    >>> for name in ("walk/v1.avi", "walk/v2.mp4", "walk/v2.mkv"):
    ...     (root / name).touch()
    >>> [record.video_id for record in video_files_dataset(root)]
    ['walk__v1', 'walk__v2.mkv', 'walk__v2.mp4']
    """
    from keras_video_zoo.data.records import VideoDataset, VideoRecord
    from keras_video_zoo.data.video_files import video_files

    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder of videos.")
    paths = video_files(root, recursive=True)  # every file: the decoder says which are videos
    if not paths:
        raise ValueError(f"no files under {root}.")
    stems = [str(p.relative_to(root).with_suffix("")) for p in paths]
    ids = [
        (stem if stems.count(stem) == 1 else str(path.relative_to(root))).replace("/", "__")
        for stem, path in zip(stems, paths, strict=True)
    ]
    return VideoDataset(
        [VideoRecord(str(p), (0,), i) for p, i in zip(paths, ids, strict=True)], ["video"], name=str(root)
    )


def load_dataset(
    source: str, layout: str, split: int = 1, subset: str = "all", split_file: str | None = None
) -> VideoDataset:
    """One subset of a reader's split, or both (``subset="all"``).

    ``split_file`` is folder_per_class's list of ``<class>/<video> <subset>`` lines;
    without one that layout reads every video (``subset`` must then be ``"all"``).
    """
    if layout == "videos":
        return video_files_dataset(source)
    reader = getattr(importlib.import_module("keras_video_zoo.data.layouts"), layout)
    if layout == "folder_per_class":
        if split_file is None and subset != "all":
            raise ValueError(f"--layout folder_per_class with --subset {subset} needs --split-file.")
        return reader(source, split_file, None if subset == "all" else subset)
    if layout == "csv_manifest":
        return reader(source) if subset == "all" else reader(source, subset=subset)
    if subset != "all":
        return reader(source, split=split, subset=subset)
    from keras_video_zoo.data.records import VideoDataset

    train, test = reader(source, split=split, subset="train"), reader(source, split=split, subset="test")
    return VideoDataset([*train, *test], train.class_names, name=f"{layout}/split{split}/all")


def add_runner_arguments(parser: argparse.ArgumentParser, *, workers: str) -> None:
    """``--runner local|beam`` and ``--beam-options`` (the commands that prepare a dataset)."""
    parser.add_argument(
        "--runner",
        choices=RUNNERS,
        default="local",
        help=f"local: {workers} on this machine (default); beam: an Apache Beam pipeline (pip install "
        "'keras_video_zoo[beam]'), on Beam's local FnApiRunner with --workers processes unless --beam-options "
        "names a runner",
    )
    parser.add_argument(
        "--beam-options",
        metavar="FLAGS",
        help='Beam pipeline options as one string, e.g. "--runner=DataflowRunner --project=P --region=R '
        '--temp_location=gs://B/tmp --requirements_file=req.txt" (with --runner beam)',
    )


def _wants_beam(args: argparse.Namespace, command: str) -> bool:
    """Whether ``--runner beam`` was chosen; refuses ``--beam-options`` without it (they would do nothing)."""
    if args.beam_options and args.runner != "beam":
        raise CommandError("--beam-options needs --runner beam.", exit_code=2)
    if args.runner == "beam":
        require_beam(f"kvz {command} --runner beam")
    return args.runner == "beam"


def shard_writer_from_arguments(args: argparse.Namespace):
    """The executor ``write_shards`` hands its shards to: ``None`` (the local pool) or Beam's."""
    if not _wants_beam(args, "prepare"):
        return None
    from keras_video_zoo.beam.shards import BeamShardWriter  # Apache Beam: an optional dependency

    return BeamShardWriter(args.beam_options, workers=args.workers)


def flow_extractor_from_arguments(args: argparse.Namespace):
    """The executor ``extract_dataset_flow`` hands its videos to: ``None`` (the local pool) or Beam's."""
    if not _wants_beam(args, "flow"):
        return None
    from keras_video_zoo.beam.flow import BeamFlowExtractor  # Apache Beam: an optional dependency

    return BeamFlowExtractor(args.beam_options, workers=max(1, args.workers))


SPLIT_LAYOUTS = ("ucf101", "hmdb51")  # layouts that always come with train/test splits


def add_dataset_arguments(parser: argparse.ArgumentParser, *, layout: str, subset: str) -> None:
    """``source`` and ``--layout/--split/--subset/--split-file`` with the command's defaults.

    ``subset`` is the command's default for the layouts with splits (ucf101, hmdb51); the others
    read every video unless ``--subset`` (with a split file or a CSV split column) says otherwise.
    """
    parser.add_argument("source", help="dataset root (or CSV file for --layout csv_manifest)")
    parser.add_argument(
        "--layout", choices=LAYOUTS, default=layout, help=f"how SOURCE is organised (default: {layout})"
    )
    parser.add_argument("--split", type=int, default=1, help="split of ucf101/hmdb51 (default 1)")
    parser.add_argument(
        "--subset",
        help=f"train, test or all (default: {subset} for ucf101 and hmdb51, all for the other layouts)",
    )
    parser.add_argument("--split-file", help="folder_per_class: lines '<class>/<video> <subset>'")
    parser.set_defaults(default_subset=subset)


def dataset_from_arguments(args: argparse.Namespace) -> VideoDataset:
    """The dataset :func:`add_dataset_arguments`' arguments name.

    Raises:
        CommandError: the dataset does not read (a missing folder, split file or class list).
    """
    try:
        return load_dataset(args.source, args.layout, args.split, subset_of(args), args.split_file)
    except (ValueError, FileNotFoundError) as error:
        raise CommandError(str(error)) from None


def subset_of(args: argparse.Namespace) -> str:
    """``--subset``, or the command's default for layouts with splits and ``all`` for the others."""
    if args.subset is not None:
        return args.subset
    return args.default_subset if args.layout in SPLIT_LAYOUTS else "all"
