"""``kvz export``: a model as a SavedModel, ONNX or LiteRT artefact, with its labels, checked against Keras."""

from __future__ import annotations

import argparse
import sys

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, class_names, load_model
from keras_video_zoo.vocabulary import EXPORT_FORMATS as FORMATS


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export a model to SavedModel, ONNX or LiteRT",
        description="Write OUT/saved_model, OUT/model.onnx or OUT/model.tflite through Keras' model.export, taking "
        "uint8 clips as the Keras model does, with OUT/kvz_export.json (class names, input spec, the largest "
        "difference from the Keras scores, measured in the format's own runtime at export). A format that cannot "
        "take the model is refused with the op and the zoo's equivalent. ONNX and LiteRT need the export extra: "
        "pip install 'keras-video-zoo[export]'.",
    )
    add_model_argument(parser)
    parser.add_argument("--format", choices=FORMATS, required=True, help="the artefact's format")
    parser.add_argument("out", help="output folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.deployment.export import ExportError, export_model

    try:
        model = load_model(args.model)
        exported = export_model(model, args.out, args.format, labels=class_names(model)[0], source=args.model)
    except CommandError as error:
        print(f"kvz export: {error}", file=sys.stderr)
        return error.exit_code
    except (ExportError, ImportError) as error:
        print(f"kvz export: {args.model}: {error}", file=sys.stderr)
        return 2
    size = sum(p.stat().st_size for p in ([exported.path] if exported.path.is_file() else exported.path.rglob("*")))
    print(
        f"kvz export: {exported.path} ({size / 1e6:.1f} MB, {len(exported.labels)} classes; max |diff| from Keras "
        f"{exported.max_abs_diff:.1e} in {args.format}'s runtime)",
        file=sys.stderr,
    )
    return 0
