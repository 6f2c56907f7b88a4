"""``kvz predict``: the top classes of each video, with their names, from any model SOURCE.

The scores are :class:`~keras_video_zoo.evaluation.video_scoring.VideoScorer`'s (or, with
``--timeline``, :func:`~keras_video_zoo.deployment.timeline.predict_video`'s): this module parses,
reports and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model
from keras_video_zoo.commands.reading import add_reading_arguments, finish


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="top classes of videos",
        description="Score evenly spaced clips of each VIDEO (a folder: every file in it) and print the top classes "
        "by name. RGB models score centre-cropped clips; temporal streams score optical flow computed on the fly; "
        "two-stream models fuse both. Every file gets a line: its classes (and any damage), or why it could not be "
        "read. Exit code 0 when the work completed, 1 when no file could be read (or --strict and one was not).",
    )
    parser.add_argument("videos", nargs="*", metavar="VIDEO", help="video files or folders of videos")
    add_model_argument(parser)
    parser.add_argument(
        "--labels",
        help="text file of class names, one a line, in the model's class order (default: the model's record)",
    )
    parser.add_argument("--top", type=int, default=5, help="classes shown per video (default 5)")
    parser.add_argument("--clips", type=int, help="evenly spaced clips (or stacks) per video (default 5)")
    parser.add_argument(
        "--timeline",
        metavar="OUT",
        help="score sliding windows over the whole video instead: print the segments (start-end, class) and write "
        "OUT/<video>.json, .csv and .png (class probabilities over time)",
    )
    parser.add_argument(
        "--live",
        metavar="SOURCE",
        help="score a live stream instead, a line per window as it arrives: any URL FFmpeg opens as a live input "
        "(rtsp://, rtmp://, srt://, udp://, http(s):// and HLS), a webcam (/dev/video0) or - (a pipe on standard "
        "input); windows that arrive while one is scored are dropped, not queued, and counted",
    )
    parser.add_argument("--jsonl", action="store_true", help="with --live: print JSON lines instead of text")
    parser.add_argument(
        "--reconnect", type=int, default=0, help="with --live: open a dropped connection again N times, with back-off"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="with --live: seconds to wait for the stream (default 10)"
    )
    parser.add_argument(
        "--window", type=int, help="with --timeline or --live: frames per window (default: the model's clip)"
    )
    parser.add_argument(
        "--stride", type=int, help="with --timeline or --live: frames between windows (default: half a window)"
    )
    parser.add_argument(
        "--smooth",
        type=int,
        default=1,
        help="with --timeline or --live: average window scores over N windows (segments, the live label)",
    )
    add_reading_arguments(
        parser,
        short_side="frames are cut to their centred square and resized to this side first (default: the "
        "model's crop plus the paper's 200/170 margin)",
    )
    parser.set_defaults(run=run)


def expand_paths(paths: list[str]) -> tuple[list[Path], list[str]]:
    """The files the arguments name, and the ones that do not exist.

    A file named is always tried (the decoder says whether it is a video); a folder gives its
    candidate videos, recursively, as every command finds them
    (:func:`~keras_video_zoo.data.video_files.video_files`: not notes, thumbnails or hidden files).

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "a.avi").touch(); (folder / "notes.txt").touch(); (folder / ".DS_Store").touch()
    >>> files, missing = expand_paths([str(folder), str(folder / "notes.txt"), "missing.avi"])
    >>> [file.name for file in files], missing
    (['a.avi', 'notes.txt'], ['missing.avi'])
    """
    from keras_video_zoo.data.video_files import video_files

    files, missing = [], []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            files.extend(video_files(path, recursive=True))
        elif path.exists():
            files.append(path)
        else:
            missing.append(text)
    return files, missing


def read_labels(path: str | None, model, classes: int) -> list[str]:
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
    if len(lines) != classes:
        raise CommandError(f"--labels {path} names {len(lines)} classes but the model predicts {classes}.")
    return lines


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from keras_video_zoo.data.decoders import unreadable_reason
    from keras_video_zoo.data.video_errors import VideoReadError
    from keras_video_zoo.data.video_report import VideoReport

    usage = _usage_error(args)
    if usage:
        print(f"kvz predict: {usage}", file=sys.stderr)
        return 2
    try:
        model = load_model(args.model)
        classes = model.output_shape[-1]
        labels = read_labels(args.labels, model, classes)
        if args.live is not None:
            windows, summary = _live_windows(model, labels, args)
        else:
            score = _timeline_scorer(model, labels, args) if args.timeline else _clip_scorer(model, args)
    except CommandError as error:
        print(f"kvz predict: {error}", file=sys.stderr)
        return error.exit_code
    except ValueError as error:  # a model that is neither an RGB clip model, a temporal nor a two-stream one
        print(f"kvz predict: {args.model}: {error}", file=sys.stderr)
        return 2
    if args.live is not None:
        return _print_live(windows, summary, args)
    report = VideoReport(args.damaged)
    files, missing = expand_paths(args.videos)
    for text in missing:
        report.skipped(text, unreadable_reason(text))
        print(f"{text}: skipped: {unreadable_reason(text)}", flush=True)
    for video in files:
        try:
            scores, damage, timeline = score(str(video))
        except VideoReadError as error:
            report.skipped(str(video), error.reason)
            print(f"{video}: skipped: {error.reason}", flush=True)
            continue
        if damage:
            report.damaged(str(video), damage)
            if args.damaged == "skip":
                report.skipped(str(video), f"damaged: {damage}")
                print(f"{video}: skipped: damaged: {damage}", flush=True)
                continue
        report.used(str(video))
        top = np.argsort(scores)[::-1][: args.top]
        line = ", ".join(f"{labels[i]} {100 * scores[i]:.1f}%" for i in top)
        print(f"{video}: {line}" + (f" (damaged: {damage})" if damage else ""), flush=True)
        if timeline is not None:
            timeline.write(args.timeline, plot=_can_plot())
            for segment in timeline.segments:
                print(f"{video}: {segment.start:.2f}-{segment.end:.2f} s {segment.label} {100 * segment.score:.0f}%")
    if args.timeline and not _can_plot():
        print(
            "kvz predict: no PNG timelines: matplotlib is not installed (pip install 'keras-video-zoo[eval]')",
            file=sys.stderr,
        )
    return finish("predict", report, "predicted", strict=args.strict)


def _usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the flags together, or None."""
    if args.top < 1 or (args.clips or 1) < 1:
        return "--top and --clips must be at least 1."
    if (args.live is None) == (not args.videos):
        return "give VIDEO files or folders, or --live SOURCE (not both)."
    windowed = {"--window": args.window, "--stride": args.stride, "--smooth": args.smooth != 1 or None}
    given = [flag for flag, value in windowed.items() if value is not None]
    if args.timeline is None and args.live is None and given:
        return f"{', '.join(given)} needs --timeline or --live."
    if args.clips is not None and (args.timeline is not None or args.live is not None):
        return "--clips does not apply with --timeline or --live."
    live_only = {"--jsonl": args.jsonl or None, "--reconnect": args.reconnect or None, "--timeout": args.timeout != 10}
    given = [flag for flag, value in live_only.items() if value]
    if args.live is None and given:
        return f"{', '.join(given)} needs --live."
    if args.live is not None and args.timeline is not None:
        return "--live and --timeline do not go together (a live stream has no end to draw a timeline to)."
    if args.reconnect < 0 or args.timeout <= 0:
        return "--reconnect must be at least 0 and --timeout positive."
    return None


def _live_windows(model, labels: list[str], args: argparse.Namespace):
    """The live run's generator (nothing is read until it is iterated) and the summary it fills in; a ValueError
    for a bad window, said now."""
    from keras_video_zoo.deployment.live import LiveSummary, live_windows
    from keras_video_zoo.deployment.timeline import check_window

    check_window(model, args.window, args.stride)
    summary = LiveSummary()
    windows = live_windows(
        model,
        args.live,
        window=args.window,
        stride=args.stride,
        smooth=args.smooth,
        top=args.top,
        short_side=args.short_side,
        class_names=labels,
        reconnect=args.reconnect,
        timeout=args.timeout,
        summary=summary,
    )
    return windows, summary


def _print_live(windows, summary, args: argparse.Namespace) -> int:
    """Prints a line (or a JSON line) per scored window and per event, then the summary; 1 if no window scored."""
    import json

    from keras_video_zoo.data.live_sources import LiveSourceError
    from keras_video_zoo.deployment.live import LiveEvent

    try:
        for item in windows:
            if args.jsonl:
                print(json.dumps(item.to_dict()), flush=True)
            elif isinstance(item, LiveEvent):
                print(f"{args.live}: {item.message}" if item.kind == "segment" else item.message, flush=True)
            else:
                top = ", ".join(f"{name} {100 * score:.1f}%" for name, score in item.top)
                print(f"{item.start:8.2f}-{item.end:.2f} s  {item.label:<20} {top}", flush=True)
    except LiveSourceError as error:
        print(f"kvz predict: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        summary.ended = "stopped (Ctrl-C)"
    print(f"kvz predict: {summary.line()}", file=sys.stderr)
    return 0 if summary.windows else 1


def _can_plot() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _clip_scorer(model, args):
    from keras_video_zoo.evaluation.video_scoring import VideoScorer

    scorer = VideoScorer(model, args.clips or 5, args.short_side)
    return lambda path: (*scorer(path), None)


def _timeline_scorer(model, labels, args):
    """``path -> (video scores, damage, timeline)`` of sliding windows over the whole video."""
    from keras_video_zoo.deployment.timeline import check_window, predict_video

    check_window(model, args.window, args.stride)  # a bad window is bad usage, said once

    def score(path: str):
        timeline = predict_video(
            model,
            path,
            window=args.window,
            stride=args.stride,
            smooth=args.smooth,
            short_side=args.short_side,
            class_names=labels,
        )
        return timeline.video_scores, timeline.damage, timeline

    return score
