"""``kvz synthetic``: write the synthetic video dataset (real XviD AVIs in the UCF-101 layout) to try the zoo on."""

from __future__ import annotations

import argparse
import sys

KINDS = ("source", "target")  # keras_video_zoo.data.synthetic_dataset.DATASET_KINDS


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "synthetic",
        help="write a small synthetic video dataset (UCF-101 layout) to try the commands on",
        description="Write the synthetic dataset the bundled checkpoints were trained on: OUT/UCF-101/<Class>/*.avi "
        "and OUT/ucfTrainTestlist/ split files, read by --layout ucf101 (OUT) or folder_per_class (OUT/UCF-101). "
        "'source' has 10 classes (motion twins that a single frame cannot tell apart, and appearance classes); "
        "'target' has 5 other classes, for transfer learning. Rerunning with the same arguments reuses it.",
    )
    parser.add_argument("out", help="output folder")
    parser.add_argument("--kind", choices=KINDS, default="source", help="source (10 classes) or target (5 classes)")
    parser.add_argument("--videos-per-class", type=int, help="default 24 (source) or 16 (target)")
    parser.add_argument("--seed", type=int, default=0, help="the bundled checkpoints were trained on seed 0")
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.data.synthetic_dataset import generate_dataset

    try:
        root = generate_dataset(args.out, kind=args.kind, seed=args.seed, videos_per_class=args.videos_per_class)
    except ValueError as error:
        print(f"kvz synthetic: {error}", file=sys.stderr)
        return 2
    videos = sum(1 for _ in (root / "UCF-101").rglob("*.avi"))
    print(f"kvz synthetic: {videos} videos in {root}", file=sys.stderr)
    return 0
