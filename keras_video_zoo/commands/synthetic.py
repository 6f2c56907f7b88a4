"""``kvz synthetic``: write a dataset to try the zoo on: the synthetic one (XviD AVIs in the UCF-101 layout), or a
folder of videos as users have them (``--kind real-world``)."""

from __future__ import annotations

import argparse
import sys

from keras_video_zoo.vocabulary import SYNTHETIC_DATASET_KINDS

KINDS = (*SYNTHETIC_DATASET_KINDS, "real-world", "checkpoints")  # + data.synthetic_real_world, convert.lookalikes


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "synthetic",
        help="write a small synthetic video dataset (UCF-101 layout) to try the commands on",
        description="Write the synthetic dataset the bundled checkpoints were trained on: OUT/UCF-101/<Class>/*.avi "
        "and OUT/ucfTrainTestlist/ split files, read by --layout ucf101 (OUT) or folder_per_class (OUT/UCF-101). "
        "'source' has 10 classes (motion twins that a single frame cannot tell apart, and appearance classes); "
        "'target' has 5 other classes, for transfer learning. Rerunning with the same arguments reuses it. "
        "'real-world' writes OUT/<left|up>/ in the folder_per_class layout: HD, portrait and odd sizes, a variable "
        "frame rate, a dozen containers and codecs, damaged, truncated, audio-only and empty files, and files that "
        "are not videos, with OUT/real_world_videos.json saying what kvz should make of each. 'checkpoints' writes "
        "look-alikes of the published Caffe and MatConvNet checkpoints kvz convert knows (their names, layers and "
        "layouts, random "
        "weights, 1/8 of the filters, 64x64 frames), to try kvz convert on.",
    )
    parser.add_argument("out", help="output folder")
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="source",
        help="source (10 classes), target (5 classes), real-world (2 classes of messy files) or checkpoints "
        "(look-alikes of the published checkpoints)",
    )
    parser.add_argument("--videos-per-class", type=int, help="default 24 (source) or 16 (target)")
    parser.add_argument("--seed", type=int, default=0, help="the bundled checkpoints were trained on seed 0")
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args: argparse.Namespace) -> int:
    from keras_video_zoo.data.synthetic_dataset import generate_dataset
    from keras_video_zoo.data.synthetic_real_world import write_real_world_videos

    if args.kind == "checkpoints":
        from keras_video_zoo.convert.lookalikes import write_lookalikes

        paths = write_lookalikes(args.out, seed=args.seed)
        print(f"kvz synthetic: {len(paths)} look-alikes of published checkpoints in {args.out}", file=sys.stderr)
        return 0
    if args.kind == "real-world":
        if args.videos_per_class is not None:
            print("kvz synthetic: --videos-per-class applies to source and target, not real-world.", file=sys.stderr)
            return 2
        files = write_real_world_videos(args.out, seed=args.seed)
        counts = {expect: sum(file.expect == expect for file in files) for expect in ("video", "damaged", "skipped")}
        print(
            f"kvz synthetic: {len(files)} files in {args.out}: {counts['video']} videos, {counts['damaged']} damaged, "
            f"{counts['skipped']} that kvz skips with a reason, the rest not videos (see real_world_videos.json)",
            file=sys.stderr,
        )
        return 0
    try:
        root = generate_dataset(args.out, kind=args.kind, seed=args.seed, videos_per_class=args.videos_per_class)
    except ValueError as error:
        print(f"kvz synthetic: {error}", file=sys.stderr)
        return 2
    videos = sum(1 for _ in (root / "UCF-101").rglob("*.avi"))
    print(f"kvz synthetic: {videos} videos in {root}", file=sys.stderr)
    return 0
