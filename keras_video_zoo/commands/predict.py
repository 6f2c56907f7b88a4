"""``kvz predict``: top classes of each video with a saved model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="top classes of videos with a saved model",
        description="Score evenly spaced centre-cropped clips of each VIDEO (a folder: every video in it) and print "
        "the top classes. Unreadable files are reported and skipped; the exit code is 1 if any failed.",
    )
    parser.add_argument("videos", nargs="+", metavar="VIDEO", help="video files or folders of videos")
    parser.add_argument("--model-path", required=True, help="a saved .keras model (e.g. RUN_DIR/model.keras)")
    parser.add_argument(
        "--labels",
        help="text file of class names, one a line, in the model's class order "
        "(default: the run.json kvz train wrote beside the model)",
    )
    parser.add_argument("--top", type=int, default=5, help="classes shown per video (default 5)")
    parser.add_argument("--clips", type=int, default=5, help="evenly spaced clips averaged per video (default 5)")
    parser.set_defaults(run=run)


def expand_paths(paths: list[str]) -> tuple[list[Path], list[str], list[str]]:
    """The videos the arguments name, notes (non-videos skipped in folders) and errors (bad arguments).

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a.avi").touch(); (folder / "notes.txt").touch()
    >>> videos, notes, errors = expand_paths([str(folder), str(folder / "notes.txt"), "missing.avi"])
    >>> [video.name for video in videos], len(notes), [error.split("/")[-1] for error in errors]
    (['a.avi'], 1, ['notes.txt is not a video file (.avi, .mp4, .mkv, .webm, .mov)', 'missing.avi does not exist'])
    """
    from keras_video_zoo.data.video_io import VIDEO_EXTENSIONS, is_video_file

    videos, notes, problems = [], [], []
    for text in paths:
        path = Path(text)
        if not path.exists():
            problems.append(f"{text} does not exist")
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_video_file(p))
            skipped = sum(1 for p in path.rglob("*") if p.is_file() and not is_video_file(p))
            if skipped:
                notes.append(f"{text}: skipped {skipped} files that are not videos")
            if not found:
                problems.append(f"{text} holds no video files")
            videos.extend(found)
        elif not is_video_file(path):
            problems.append(f"{text} is not a video file ({', '.join(VIDEO_EXTENSIONS)})")
        else:
            videos.append(path)
    return videos, notes, problems


def read_labels(path: str | None, model_path: str, num_classes: int) -> list[str]:
    """Class names: from ``path`` (one a line), else the ``run.json`` kvz train wrote beside the model.

    Without either the classes are ``class_0 ...``; a count that differs from the model's is an error.

    Example:
    >>> read_labels(None, "nowhere/model.keras", 2)
    ['class_0', 'class_1']
    """
    if path is None:
        run_info = Path(model_path).parent / "run.json"
        classes = json.loads(run_info.read_text()).get("classes") if run_info.is_file() else None
        if isinstance(classes, list) and len(classes) == num_classes:
            return [str(name) for name in classes]
        return [f"class_{i}" for i in range(num_classes)]
    lines = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if len(lines) != num_classes:
        raise ValueError(f"--labels {path} names {len(lines)} classes but the model predicts {num_classes}.")
    return lines


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.commands.evaluate import load_saved_model
    from keras_video_zoo.data.pipelines import read_clips
    from keras_video_zoo.data.sampling import CENTRE, UniformClipsProtocol
    from keras_video_zoo.data.video_io import VideoReadError
    from keras_video_zoo.layers.clip_augmentation import with_views

    if args.top < 1 or args.clips < 1:
        print("kvz predict: --top and --clips must be at least 1.", file=sys.stderr)
        return 2
    try:
        model = load_saved_model(args.model_path)
        num_classes = model.output_shape[-1]
        labels = read_labels(args.labels, args.model_path, num_classes)
    except (ValueError, OSError) as error:
        print(f"kvz predict: {error}", file=sys.stderr)
        return 2
    videos, notes, problems = expand_paths(args.videos)
    for message in notes + problems:
        print(f"kvz predict: {message}", file=sys.stderr)
    failed = bool(problems)
    scorer = with_views(model, (CENTRE,))
    protocol = UniformClipsProtocol(clips=args.clips, frames=model.input_shape[1])
    for video in videos:
        try:
            clips = read_clips(str(video), protocol.sample)
        except VideoReadError as error:
            print(f"kvz predict: {error}", file=sys.stderr)
            failed = True
            continue
        scores = np.asarray(scorer.predict_on_batch(clips)).mean(axis=0)
        top = np.argsort(scores)[::-1][: args.top]
        print(f"{video}: " + ", ".join(f"{labels[i]} {100 * scores[i]:.1f}%" for i in top))
    return 1 if failed or not videos else 0
