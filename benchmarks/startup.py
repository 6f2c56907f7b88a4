"""Start-up cost of the zoo: ``import keras_video_zoo``, ``kvz --help`` and ``kvz models``, cold and warm.

Each command runs in a fresh Python process. *Cold* is the first run after the page cache is
dropped (when this process may drop it: root on Linux; otherwise the first run of the session);
*warm* is the median of the following runs. ``--ref REV`` measures another commit of this
repository too (a git worktree on ``PYTHONPATH``, the same interpreter and dependencies), so
before and after are measured side by side.

Run::

    python benchmarks/startup.py                          # this checkout
    python benchmarks/startup.py --ref 117a16d            # and the commit before the lazy import
    python benchmarks/startup.py --ref 117a16d --update-readme
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import experiments as ex

from keras_video_zoo.markdown import markdown_table

NAME = "startup"
ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "import keras_video_zoo": "import keras_video_zoo",
    "kvz --help": "from keras_video_zoo.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    "kvz models": "from keras_video_zoo.cli import main\nmain(['models'])",
}


def _drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def _seconds(code: str, pythonpath: str | None) -> float:
    environment = dict(os.environ) | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, check=True, cwd=tempfile.gettempdir()
    )
    return time.perf_counter() - start


def measure(pythonpath: str | None, warm_runs: int) -> dict[str, dict[str, float]]:
    """Cold and warm seconds of every command, with the package from ``pythonpath`` (None: the installed one)."""
    results = {}
    for label, code in COMMANDS.items():
        dropped = _drop_page_cache()
        cold = _seconds(code, pythonpath)
        warm = statistics.median(_seconds(code, pythonpath) for _ in range(warm_runs))
        results[label] = {"cold_s": round(cold, 2), "warm_s": round(warm, 2), "page_cache_dropped": dropped}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="also measure this commit (before/after)")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per command (default 5)")
    parser.add_argument("--update-readme", action="store_true")
    args = parser.parse_args(argv)
    columns = ["command", "now: cold s", "now: warm s"]
    now = measure(None, args.runs)
    before = None
    if args.ref:
        with tempfile.TemporaryDirectory() as scratch:
            worktree = Path(scratch) / "ref"
            subprocess.run(["git", "worktree", "add", "--detach", worktree, args.ref], cwd=ROOT, check=True)
            try:
                before = measure(str(worktree), args.runs)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", worktree], cwd=ROOT, check=True)
        columns = [
            "command",
            f"{args.ref}: cold s",
            f"{args.ref}: warm s",
            "now: cold s",
            "now: warm s",
            "warm speed-up",
        ]
    rows = []
    for label in COMMANDS:
        row = [f"`{label}`"]
        if before:
            row += [f"{before[label]['cold_s']:.2f}", f"{before[label]['warm_s']:.2f}"]
        row += [f"{now[label]['cold_s']:.2f}", f"{now[label]['warm_s']:.2f}"]
        if before:
            row.append(f"{before[label]['warm_s'] / now[label]['warm_s']:.0f}x")
        rows.append(row)
    record = ex.run_record(NAME, argv or sys.argv[1:])
    dropped = all(result["page_cache_dropped"] for result in now.values())
    header = (
        f"Measured {record['date']} on {record['machine']}; each command in a fresh process, cold = first run after "
        + ("dropping the page cache" if dropped else "the session started (the page cache could not be dropped)")
        + f", warm = median of {args.runs} runs. `{record['command']}`."
    )
    markdown = f"{header}\n\n{markdown_table(columns, rows)}"
    payload = {"record": record, "now": now, "before": before, "ref": args.ref}
    ex.write_results(NAME, payload, markdown, ex.results_dir(None, False), update_readme=args.update_readme)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
