"""Real-world videos through every command: peak memory against video length, and throughput over a messy folder.

Two measurements, each command in a fresh process (its peak resident memory is the kernel's
high-water mark of its address space, ``VmHWM``):

- **Memory against length.** One 1080p H.264 video, short (2 s) and long (20 s), through
  ``kvz flow`` (short side 256), ``kvz prepare`` (short side 128) and ``kvz predict``. Streaming
  decoding keeps memory flat; decoding a whole video first grows with its length (1080p RGB is
  6 MB a frame). ``--ref REV`` runs the same commands on another commit (a git worktree), side by side.
- **A folder of real-world videos** (``kvz synthetic --kind real-world``, with the HD files): the
  commands a user runs on it, with wall time, videos used of the candidates, and peak memory.

Run::

    python benchmarks/real_world.py                       # this checkout
    python benchmarks/real_world.py --ref 117a16d --update-readme
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import experiments as ex

from keras_video_zoo.markdown import markdown_table

NAME = "real_world"
ROOT = Path(__file__).resolve().parent.parent
# A command in a fresh process that reports its own peak resident memory: VmHWM, the high-water mark
# of its address space (KiB). Not ru_maxrss, which Linux carries over from the parent through fork.
CHILD = (
    "import re, sys\n"
    "from pathlib import Path\n"
    "from keras_video_zoo.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "peak = re.search(r'VmHWM:\\s+(\\d+) kB', Path('/proc/self/status').read_text()).group(1)\n"
    "print('MAXRSS', peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
SHORT_FRAMES, LONG_FRAMES = 50, 500


def run_command(argv: list[str], pythonpath: str | None = None) -> dict:
    """Wall seconds, peak MB and exit code of one ``kvz`` command in a fresh process."""
    environment = dict(os.environ) | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv], env=environment, capture_output=True, text=True, cwd=tempfile.gettempdir()
    )
    seconds = time.perf_counter() - start
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS ")]
    result = {"seconds": round(seconds, 1), "exit": done.returncode, "peak_mb": None}
    if peak:
        result["peak_mb"] = round(int(peak[0]) / 1024)
    else:  # killed (out of memory) or crashed before the end
        result["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
    return result


def write_hd_video(path: Path, frames: int) -> Path:
    from keras_video_zoo.data.synthetic_real_world import moving_texture
    from keras_video_zoo.data.video_writer import encode_video

    path.parent.mkdir(parents=True, exist_ok=True)
    encode_video(path, moving_texture(1080, 1920, frames, "left"), "libx264")
    return path


def memory_against_length(scratch: Path, pythonpath: str | None, new_cli: bool) -> dict:
    """Peak MB and seconds of flow, prepare and predict on the short and the long 1080p video."""
    model = scratch / "single_frame_tiny.keras"
    if not model.exists():
        from keras_video_zoo import create_model

        create_model("single_frame_tiny.synthetic").save(model)  # standard layers: older commits load it too
    results = {}
    for label, frames in (("short", SHORT_FRAMES), ("long", LONG_FRAMES)):
        video = write_hd_video(scratch / label / "clips" / f"{label}.mp4", frames)
        folder = video.parent.parent
        work = scratch / f"out-{label}-{'new' if pythonpath is None else 'ref'}"
        model_flag = ["--model" if new_cli else "--model-path", str(model)]
        commands = {
            "kvz flow": ["flow", str(folder), str(work / "flow"), "--short-side", "256", "--no-progress"],
            "kvz prepare": [
                "prepare",
                str(folder),
                str(work / "shards"),
                "--layout",
                "folder_per_class",
                "--no-progress",
            ],
            "kvz predict": ["predict", str(video), *model_flag, "--clips", "5"],
        }
        for command, argv in commands.items():
            ex.log(f"{command} on the {label} video ({frames} frames, {'this checkout' if new_cli else pythonpath})")
            results.setdefault(command, {})[label] = run_command(argv, pythonpath)
    return results


# The fixed cost of a fresh command: Python, TensorFlow and Keras imported (subtracted for videos/s).
STARTUP = "import keras_video_zoo, keras, tensorflow"
# Decoding alone: every frame of every candidate, fitted to the pipeline's 75 x 75 squares as it streams.
DECODE_ONLY = (
    "import sys\n"
    "from keras_video_zoo.data import FrameGeometry, iter_frames, video_files\n"
    "from keras_video_zoo.data.video_errors import VideoReadError\n"
    "for path in video_files(sys.argv[1], recursive=True):\n"
    "    try:\n"
    "        sum(1 for _ in iter_frames(path, geometry=FrameGeometry.square_of(75)))\n"
    "    except VideoReadError:\n"
    "        pass\n"
)


def run_script(code: str, *argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *argv], check=True, capture_output=True, cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def folder_throughput(scratch: Path) -> dict:
    """The commands a user runs over the real-world folder (HD files and a long 1080p video included)."""
    from keras_video_zoo.data.synthetic_real_world import write_real_world_videos

    root = scratch / "real_world"
    files = write_real_world_videos(root, frames=50)
    write_hd_video(root / "left" / "long_1080p.mp4", LONG_FRAMES)
    candidates = sum(file.expect != "ignored" for file in files) + 1
    run, common = scratch / "run", ["--layout", "folder_per_class", "--no-progress"]
    startup = min(run_script(STARTUP) for _ in range(3))
    decode = run_script(DECODE_ONLY, str(root)) - min(run_script("import keras_video_zoo.data") for _ in range(3))
    commands = {
        "kvz predict": ["predict", str(root), "--model", "slow_fusion_tiny.synthetic", "--clips", "5"],
        # Both cores: two shards (or videos) at once, as a user with this many videos would ask.
        "kvz prepare": ["prepare", str(root), str(scratch / "shards"), "--videos-per-shard", "4", *common],
        "kvz flow": ["flow", str(root), str(scratch / "flow"), "--workers", "2", *common],
        "kvz train (1 epoch)": [
            "train",
            str(root),
            "--model",
            "slow_fusion_tiny",
            "--run-dir",
            str(run),
            "--epochs",
            "1",
            "--recipe",
            "small_adam",
            "--batch-size",
            "8",
            *common,
        ],
        "kvz evaluate": [
            "evaluate",
            str(root),
            "--model",
            str(run),
            "--out",
            str(scratch / "eval"),
            "--protocol",
            "karpathy",
            "--no-plots",
            *common,
        ],
    }
    results = {}
    for command, argv in commands.items():
        ex.log(f"{command} over the real-world folder")
        results[command] = run_command(argv)
    used = {
        "kvz prepare": json.loads((scratch / "shards" / "report.json").read_text())["used"],
        "kvz flow": json.loads((scratch / "flow" / "flow_report.json").read_text())["used"],
        "kvz train (1 epoch)": json.loads((run / "run.json").read_text())["videos"]["rgb"]["used"],
        "kvz evaluate": json.loads((scratch / "eval" / "results.json").read_text())["videos"]["used"],
    }
    for command, count in used.items():
        results[command]["used"] = count
    usable = used["kvz prepare"]  # every video that decodes
    for result in results.values():
        result["videos_per_s"] = round(result.get("used", usable) / max(result["seconds"] - startup, 1e-3), 2)
    decode_rate = round(usable / decode, 2)
    return {
        "candidates": candidates,
        "files": len(files) + 1,
        "startup_s": round(startup, 1),
        "decode_only": {"seconds": round(decode, 1), "videos_per_s": decode_rate},
        "commands": results,
    }


def _cell(result: dict | None) -> str:
    if result is None:
        return "-"
    if result["peak_mb"] is None:
        return f"failed ({result.get('error', '')[:60]})"
    if result["exit"] != 0:  # e.g. an older commit that refuses the video
        return f"exit {result['exit']} ({result['peak_mb']:,} MB)"
    return f"{result['peak_mb']:,} MB, {result['seconds']:.0f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="also run the memory measurement on this commit (before/after)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        now = memory_against_length(scratch, None, new_cli=True)
        before = None
        if args.ref:
            worktree = scratch / "ref"
            subprocess.run(["git", "worktree", "add", "--detach", worktree, args.ref], cwd=ROOT, check=True)
            try:
                before = memory_against_length(scratch, str(worktree), new_cli=False)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", worktree], cwd=ROOT, check=True)
        throughput = folder_throughput(scratch)

    record = ex.run_record(NAME, argv or sys.argv[1:])
    columns = ["command", f"now: {SHORT_FRAMES} frames", f"now: {LONG_FRAMES} frames", "now: growth"]
    if before:
        columns += [f"{args.ref}: {SHORT_FRAMES} frames", f"{args.ref}: {LONG_FRAMES} frames"]
    rows = []
    for command, result in now.items():
        short, long = result["short"], result["long"]
        failed = None in (short["peak_mb"], long["peak_mb"]) or short["exit"] or long["exit"]
        growth = "-" if failed else f"{long['peak_mb'] - short['peak_mb']:+,} MB"
        row = [f"`{command}`", _cell(short), _cell(long), growth]
        if before:
            row += [_cell(before[command]["short"]), _cell(before[command]["long"])]
        rows.append(row)
    decode = throughput["decode_only"]
    folder_rows = [
        [
            "decode only (every frame, streamed and fitted)",
            "-",
            f"{decode['seconds']:.1f}",
            "-",
            f"{decode['videos_per_s']:.2f}",
            "1.00",
        ]
    ]
    folder_rows += [
        [
            f"`{command}`",
            f"{result.get('used', '-')}",
            f"{result['seconds']:.0f}",
            f"{result['peak_mb'] or '-'}",
            f"{result['videos_per_s']:.2f}",
            f"{result['videos_per_s'] / decode['videos_per_s']:.2f}",
        ]
        for command, result in throughput["commands"].items()
    ]
    markdown = (
        f"Measured {record['date']} on {record['machine']}; each command in a fresh process, peak resident memory "
        f"(the kernel's high-water mark, `VmHWM`). `{record['command']}`.\n\n"
        f"**Peak memory against video length** (one 1080p H.264 video of {SHORT_FRAMES} and {LONG_FRAMES} frames; "
        "a decoded 1080p frame is 6 MB):\n\n"
        f"{markdown_table(columns, rows)}\n\n"
        f"**The real-world folder** (`kvz synthetic --kind real-world` and one {LONG_FRAMES}-frame 1080p video: "
        f"{throughput['files']} files, {throughput['candidates']} candidate videos of 50 frames, 1080p to 144p; "
        "damaged, truncated, audio-only, empty and non-video files among them). Seconds are wall time of the whole "
        f"command; videos/s leaves out the {throughput['startup_s']:.0f} s every fresh process spends importing "
        "TensorFlow and Keras; the last column is that rate against decoding alone (flow and training do more than "
        "decode, so they are slower by design):\n\n"
        + markdown_table(["stage", "videos used", "seconds", "peak MB", "videos/s", "of decode-only"], folder_rows)
    )
    payload = {"record": record, "memory": {"now": now, "before": before, "ref": args.ref}, "folder": throughput}
    ex.write_results(NAME, payload, markdown, ex.results_dir(None, False), update_readme=args.update_readme)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
