"""``kvz predict``: the top classes of each video, with their names, from any model SOURCE."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="top classes of videos",
        description="Score evenly spaced centre-cropped clips of each VIDEO (a folder: every file in it) and print "
        "the top classes by name. Every file gets a line: its classes, or why it could not be read. Exit code 0 "
        "when the work completed (unreadable files are reported and counted), 1 when no file could be read.",
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files or folders of videos")
    add_model_argument(parser)
    parser.add_argument(
        "--labels",
        help="text file of class names, one a line, in the model's class order (default: the model's record)",
    )
    parser.add_argument("--top", type=int, default=5, help="classes shown per video (default 5)")
    parser.add_argument("--clips", type=int, default=5, help="evenly spaced clips averaged per video (default 5)")
    parser.set_defaults(run=run)


def expand_paths(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Every file the arguments name (a folder: its files, recursively, hidden ones left out), and the missing ones.

    Files are not filtered by extension: whether a file is a video is for the decoder to say.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a.avi").touch(); (folder / "notes.txt").touch(); (folder / ".DS_Store").touch()
    >>> files, missing = expand_paths([str(folder), "missing.avi"])
    >>> [file.name for file in files], missing
    (['a.avi', 'notes.txt'], ['missing.avi'])
    """
    files, missing = [], []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts)
            )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            missing.append(text)
    return files, missing


def read_labels(path: str | None, model) -> list[str]:
    """Class names: from ``path`` (one a line), else the model's record, else ``class_0 ...`` with a note."""
    if path is None:
        names, known = class_names(model)
        if not known:
            print(
                "kvz predict: the model carries no class names (a .keras file not written by kvz); showing "
                "class_0 ... (pass --labels FILE)",
                file=sys.stderr,
            )
        return names
    lines = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if len(lines) != model.output_shape[-1]:
        classes = model.output_shape[-1]
        raise CommandError(f"--labels {path} names {len(lines)} classes but the model predicts {classes}.")
    return lines


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_video_zoo.data.pipelines import read_clips
    from keras_video_zoo.data.sampling import UniformClipsProtocol
    from keras_video_zoo.data.video_io import VideoReadError
    from keras_video_zoo.layers.clip_augmentation import with_views
    from keras_video_zoo.views import CENTRE

    if args.top < 1 or args.clips < 1:
        print("kvz predict: --top and --clips must be at least 1.", file=sys.stderr)
        return 2
    try:
        model = load_model(args.model)
        if len(model.inputs) != 1 or model.input_shape[-1] != 3:
            raise CommandError(
                f"{args.model} takes {[tuple(t.shape[1:]) for t in model.inputs]}: kvz predict scores RGB clip "
                "models (T, H, W, 3); temporal and two-stream models need optical flow."
            )
        labels = read_labels(args.labels, model)
    except CommandError as error:
        print(f"kvz predict: {error}", file=sys.stderr)
        return error.exit_code
    files, missing = expand_paths(args.videos)
    for text in missing:
        print(f"{text}: skipped: does not exist", flush=True)
    scorer = with_views(model, (CENTRE,))
    protocol = UniformClipsProtocol(clips=args.clips, frames=model.input_shape[1])
    read = 0
    for video in files:
        try:
            clips = read_clips(str(video), protocol.sample)
        except VideoReadError as error:
            print(f"{video}: skipped: {error.reason}", flush=True)
            continue
        scores = np.asarray(scorer.predict_on_batch(clips)).mean(axis=0)
        top = np.argsort(scores)[::-1][: args.top]
        print(f"{video}: " + ", ".join(f"{labels[i]} {100 * scores[i]:.1f}%" for i in top), flush=True)
        read += 1
    skipped = len(files) + len(missing) - read
    print(f"kvz predict: predicted {read} of {len(files) + len(missing)} files; {skipped} skipped", file=sys.stderr)
    return 0 if read else 1
