"""``kvz convert``: a published Caffe or MatConvNet checkpoint becomes a zoo checkpoint folder (``--list``: which)."""

from __future__ import annotations

import argparse
import sys
import textwrap


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "convert",
        help="convert a Caffe .caffemodel or MatConvNet .mat checkpoint into a zoo checkpoint",
        description="Read FILE (a .caffemodel, with its deploy.prototxt if you have it, or a MatConvNet SimpleNN/DagNN "
        ".mat) without Caffe or MATLAB, map it onto the zoo model it is (CNN-M-2048 -> spatial/temporal_stream, "
        "VGG-16 -> the vgg16 streams: exact; AlexNet/CaffeNet -> a Karpathy model's conv1-conv5: a starting point), "
        "check the result against a NumPy forward pass with the source's own semantics, and write the checkpoint "
        "folder OUT, which --model OUT, kvz finetune and kvz push take. Its record names the source file and its "
        "sha256, licence, labels, preprocessing and the measured difference. Nothing is written on failure.",
    )
    parser.add_argument("file", nargs="?", help="the .caffemodel or .mat file")
    parser.add_argument("out", nargs="?", help="the checkpoint folder to write (must not exist)")
    parser.add_argument(
        "--list", action="store_true", help="list the published checkpoints kvz convert knows, and exit"
    )
    parser.add_argument("--mean", metavar="FILE", help="the source's mean: .binaryproto, .mat (image_mean) or .npy")
    parser.add_argument("--labels", metavar="FILE", help="class names, one per line in output order")
    parser.add_argument(
        "--model",
        metavar="NAME",
        help="for AlexNet/CaffeNet files, the Karpathy model to start (default single_frame; e.g. slow_fusion)",
    )
    parser.add_argument("--prototxt", metavar="FILE", help="the Caffe deploy.prototxt (layers and input size)")
    parser.add_argument("--input-size", type=int, metavar="N", help="frame size (default: the file's, else 224)")
    parser.add_argument("--num-classes", type=int, metavar="N", help="AlexNet/CaffeNet starts: the new head's classes")
    parser.add_argument("--source", metavar="NAME", help="which known source (--list) a renamed file is")
    parser.add_argument("--tag", help="the checkpoint's tag (default: its dataset, e.g. ucf101_split1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run, needs_tensorflow=False)


def _print_sources() -> int:
    from keras_video_zoo.convert.known_sources import KNOWN_SOURCES

    for source in KNOWN_SOURCES:
        files = ", ".join(pattern.replace("{split}", "N") for pattern in source.files)
        print(f"{source.name}: {files}")
        for label, value in (
            ("what", source.what),
            ("published by", source.published),
            ("becomes", source.becomes),
            ("licence", source.license),
            ("sha256", source.sha256 or "not known here (kvz records the sha256 of the file it converts)"),
        ):
            print(textwrap.fill(value, 110, initial_indent=f"  {label}: ", subsequent_indent="    "))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _print_sources()
    if not args.file or not args.out:
        print("kvz convert: give FILE and OUT (or --list)", file=sys.stderr)
        return 2
    from keras_video_zoo import runtime

    runtime.import_tensorflow(quiet=not args.verbose)
    from keras_video_zoo.convert.checkpoint import convert_checkpoint
    from keras_video_zoo.convert.source_net import ConversionError

    try:
        converted = convert_checkpoint(
            args.file,
            args.out,
            mean=args.mean,
            labels=args.labels,
            model=args.model,
            prototxt=args.prototxt,
            input_size=args.input_size,
            num_classes=args.num_classes,
            known_source=args.source,
            tag=args.tag,
            progress=not args.no_progress,
        )
    except ConversionError as error:
        print(f"kvz convert: {args.file}: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"kvz convert: {error}", file=sys.stderr)
        return 2
    record, mapping = converted.record, converted.mapping
    how = (
        f"exact: max relative difference from the {mapping.architecture} reference {converted.max_difference:.1e}"
        if mapping.exact
        else "a starting point (conv1-conv5 only): fine-tune it"
    )
    labels = (
        f"{len(record.labels)} labels"
        if record.labels
        else ("no labels (give --labels)" if mapping.exact else "a new classifier")
    )
    print(
        f"kvz convert: {converted.path}: {record.model} ({mapping.architecture}), {record.num_params:,} parameters, "
        f"{labels}"
    )
    print(f"kvz convert: {how}; use it as --model {converted.path}")
    for note in record.recipe["converted_from"]["notes"]:
        print(textwrap.fill(note, 110, initial_indent="  note: ", subsequent_indent="    "))
    return 0
