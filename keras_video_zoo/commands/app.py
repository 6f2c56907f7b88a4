"""``kvz app``: a web page for a model: drop a video, see its top-5 classes and its timeline (the app extra)."""

from __future__ import annotations

import argparse
import sys

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "app",
        help="a web page to try a model on videos (Gradio)",
        description="Start a Gradio page where a person drops a video and sees the top-5 classes and the timeline "
        "of class probabilities (kvz predict --timeline). Needs the app extra: pip install 'keras-video-zoo[app]'.",
    )
    add_model_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1: this machine)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--stride", type=int, help="frames between timeline windows (default: half a window)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from keras_video_zoo.deployment.app import build_app

        model = load_model(args.model)
        page = build_app(model, class_names=class_names(model)[0], stride=args.stride)
    except CommandError as error:
        print(f"kvz app: {error}", file=sys.stderr)
        return error.exit_code
    except ImportError as error:
        print(f"kvz app: {error}", file=sys.stderr)
        return 2
    print(f"kvz app: serving {args.model} on http://{args.host}:{args.port} (Ctrl-C stops it)", file=sys.stderr)
    page.launch(server_name=args.host, server_port=args.port)
    return 0
