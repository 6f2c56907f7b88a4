"""``kvz pull``: download (or find in the cache) a checkpoint, verify every file, print its record."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "pull",
        help="download and verify a checkpoint: hf://org/name[@revision], a folder, or a registered model.tag",
        description="Download a checkpoint into the Hugging Face cache (or find it there), check every file's "
        "sha256 against its record, and print the record. HF_HUB_OFFLINE=1 or --offline uses the cache only.",
    )
    parser.add_argument("source", help="hf://org/name[@revision], a checkpoint folder, or a registered model.tag")
    parser.add_argument("--revision", help="Hub branch, tag or commit id")
    parser.add_argument("--offline", action="store_true", help="use cached files only (like HF_HUB_OFFLINE=1)")
    parser.add_argument("--force-download", action="store_true", help="download again even if cached")
    parser.add_argument("--local-dir", type=Path, help="also copy the verified files into this folder")
    parser.add_argument("--load", action="store_true", help="also build the model (safe mode) and check it")
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo import runtime
    from keras_video_zoo.checkpoints import HubOptions, PretrainedUnavailableError, resolve_checkpoint
    from keras_video_zoo.weights import RECORD_FILENAME, ChecksumError

    try:
        hub = HubOptions(local_files_only=True if args.offline else None, force_download=args.force_download)
        checkpoint = resolve_checkpoint(args.source, revision=args.revision, hub=hub)
        model = None
        if args.load:
            runtime.import_tensorflow(quiet=not args.verbose)
            from keras_video_zoo.models.pretrained import load_saved_model

            model = load_saved_model(checkpoint)
    except (ChecksumError, PretrainedUnavailableError) as error:
        print(f"kvz pull: {error}", file=sys.stderr)
        return 1
    except ValueError as error:  # unknown tag, missing repo or revision, bad source
        print(f"kvz pull: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"kvz pull: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    from keras_video_zoo.markdown import markdown_table

    spec = checkpoint.record
    if spec is None or checkpoint.directory is None:
        print(f"kvz pull: {args.source} is a .keras file or run folder, not a checkpoint to download.", file=sys.stderr)
        return 2
    if args.local_dir is not None:
        args.local_dir.mkdir(parents=True, exist_ok=True)
        for name in [*spec.files, RECORD_FILENAME]:
            (args.local_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(checkpoint.directory / name, args.local_dir / name)
    inputs = ", ".join(f"{i.name} {i.shape}" for i in spec.inputs)
    rows = [
        ["checkpoint", spec.name],
        ["files", str(checkpoint.directory) + (f" (commit {checkpoint.commit})" if checkpoint.commit else "")],
        ["sha256", f"{len(spec.files)} files verified"],
        ["inputs", inputs],
        ["classes", f"{spec.num_classes}" + (f": {', '.join(spec.labels[:5])}" if spec.labels else "")],
        ["parameters", f"{spec.num_params:,}"],
        ["metrics", ", ".join(f"{k} {v}" for k, v in spec.metrics.items()) or "not recorded"],
        ["dataset", str(spec.dataset.get("name", "not recorded"))],
    ]
    if model is not None:
        rows.append(["loaded", f"{model.name} with {model.count_params():,} parameters (safe mode)"])
    if args.local_dir is not None:
        rows.append(["copied to", str(args.local_dir)])
    print(markdown_table(["", ""], rows))
    return 0
