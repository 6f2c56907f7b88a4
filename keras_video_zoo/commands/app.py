"""``kvz app``: a web page for a model: a video file, the camera or a live stream, classified (the app extra)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "app",
        help="a web page to try a model on videos, the camera and live streams (Gradio)",
        description="Start a Gradio page with three tabs: a video file (it plays; the top-5 classes, the timeline of "
        "class probabilities and the segments, as kvz predict --timeline), the browser's camera and a live stream "
        "(scored window by window, as kvz predict --live). Needs the app extra: pip install 'keras-video-zoo[app]'.",
    )
    add_model_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--stride", type=int, help="frames between timeline windows (default: half a window)")
    parser.add_argument(
        "--stream-tab",
        action="store_true",
        help="show the Stream tab when serving others too (--host other than 127.0.0.1/localhost): it opens what a "
        "visitor types on this machine (URLs, devices, files)",
    )
    parser.add_argument(
        "--examples",
        nargs="*",
        metavar="PATH",
        help="videos, or folders of videos, offered as examples to click (default: for a model trained on a "
        "synthetic set, a clip of each class it has not seen; none for other models; --examples alone: none)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="kvz-app-examples-") as generated:
        try:
            from keras_video_zoo.deployment.app import build_app, example_clips

            model = load_model(args.model)
            examples = example_clips(model, generated) if args.examples is None else given_examples(args.examples)
            page = build_app(
                model,
                class_names=class_names(model)[0],
                stride=args.stride,
                examples=examples,
                stream_tab=args.stream_tab or args.host in LOOPBACK_HOSTS,
            )
        except CommandError as error:
            print(f"kvz app: {error}", file=sys.stderr)
            return error.exit_code
        except ImportError as error:
            print(f"kvz app: {error}", file=sys.stderr)
            return 2
        print(
            f"kvz app: serving {args.model} on http://{args.host}:{args.port} with {len(examples)} example(s) "
            "(Ctrl-C stops it)",
            file=sys.stderr,
        )
        page.launch(server_name=args.host, server_port=args.port)
    return 0


def given_examples(paths: list[str]) -> list[Path]:
    """The videos named, folders expanded to the videos in them; a CommandError for a path that is not there."""
    from keras_video_zoo.data.video_files import video_files

    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(video_files(path, recursive=True))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"--examples: {path}: no such file or folder.")
    return found
