"""``kvz push``: publish any model SOURCE (a run folder, a ``.keras`` file, a checkpoint, a ``model.tag``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from keras_video_zoo.commands.model_source import CommandError, add_model_argument, load_model


def _metric(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if name and sep:
            return name, float(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"metrics are NAME=NUMBER, e.g. video_hit@1=0.83; got {text!r}")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "push",
        help="publish a model to a Hugging Face Hub repo (token from HF_TOKEN or `hf auth login`)",
        description="Publish a model with its Keras-native files, the zoo's record (sha256 of every file) and a "
        "model card. The token comes from HF_TOKEN or `hf auth login`; HF_ENDPOINT selects another Hub.",
    )
    parser.add_argument("repo_id", help="the Hub repo, 'org/name' (created if missing)")
    add_model_argument(parser, extra="; its record (labels, metrics, recipe, ...) is published with it")
    parser.add_argument("--revision", help="branch to commit to (created from main if missing; default main)")
    parser.add_argument("--private", action="store_true", help="create the repo private")
    parser.add_argument("--tag", help="the weights' tag recorded with the checkpoint (e.g. 'ucf101')")
    parser.add_argument(
        "--labels", type=Path, help="text file with one class name per line, in output order (default: the record's)"
    )
    parser.add_argument("--metric", type=_metric, action="append", default=[], help="NAME=VALUE (repeatable)")
    parser.add_argument("--dataset", help="training dataset name, e.g. 'ucf101'")
    parser.add_argument("--base-model", help="the checkpoint this one was fine-tuned from")
    parser.add_argument("--license", help="licence identifier, e.g. apache-2.0")
    parser.add_argument("--message", help="commit message")
    parser.set_defaults(run=run)


# Record fields a published checkpoint keeps from its source (inputs, parameters, hashes are recomputed).
REUSED_FIELDS = (
    "tag",
    "labels",
    "preprocessing",
    "evaluation",
    "metrics",
    "recipe",
    "dataset",
    "base_model",
    "license",
)


def _reused(model) -> dict[str, Any]:
    record = getattr(model, "record", None)
    if record is None:
        return {}
    return {name: getattr(record, name) for name in REUSED_FIELDS}


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.hub import push_to_hub

    try:
        model = load_model(args.model)
        record = _reused(model)
        if args.labels is not None:
            record["labels"] = [line.strip() for line in args.labels.read_text().splitlines() if line.strip()]
        for name, value in (("tag", args.tag), ("base_model", args.base_model), ("license", args.license)):
            if value is not None:
                record[name] = value
        if args.dataset is not None:
            record["dataset"] = {**record.get("dataset", {}), "name": args.dataset}
        if args.metric:
            record["metrics"] = {**record.get("metrics", {}), **dict(args.metric)}
        published = push_to_hub(
            model,
            args.repo_id,
            revision=args.revision,
            private=args.private or None,
            commit_message=args.message,
            **record,
        )
    except CommandError as error:
        print(f"kvz push: {error}", file=sys.stderr)
        return error.exit_code
    except (ValueError, FileNotFoundError) as error:
        print(f"kvz push: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # network and Hub errors (huggingface_hub's HTTP errors are OSErrors)
        print(f"kvz push: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    card = "generated model card" if published.card_written else "kept the existing README.md"
    print(f"Published {published.spec.name} to hf://{published.repo_id}@{published.revision}")
    print(f"commit {published.commit} ({card}); pin it with hf://{published.repo_id}@{published.commit}")
    return 0
