"""The README's shell commands run as written, in order, in a fresh folder (slow: about as long as a user's first hour).

Every ```bash block runs, except those marked ``<!-- readme-test: skip (reason) -->`` just before
them: the set-up commands CI runs itself, installs, and the few that need a real dataset or
hours. ``kvz push``/``pull`` talk to a loopback Hub through ``HF_ENDPOINT``, as they would to the
real one.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(?:<!-- readme-test: skip \((?P<reason>[^)]*)\) -->\n)?```bash\n(?P<body>.*?)```", re.S)
MAX_SKIPPED = 6


def readme_blocks() -> list[tuple[str | None, list[str]]]:
    """Each bash block's skip reason (None: runs) and its commands (continuation lines joined)."""
    blocks = []
    for match in BLOCK.finditer(README.read_text()):
        commands = match.group("body").replace("\\\n", " ").splitlines()
        blocks.append((match.group("reason"), [line for line in commands if shlex.split(line, comments=True)]))
    return blocks


def test_the_readme_skips_few_blocks_and_says_why():
    skipped = [reason for reason, _ in readme_blocks() if reason is not None]
    assert len(skipped) <= MAX_SKIPPED and all(reason.strip() for reason in skipped), skipped
    assert sum(len(commands) for reason, commands in readme_blocks() if reason is None) >= 15


def test_the_readme_commands_run_as_written(tmp_path, hub):
    environment = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),  # kvz, as installed
        "HF_ENDPOINT": hub.url,
        "HF_TOKEN": hub.token,
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }
    outputs = {}
    for reason, commands in readme_blocks():
        if reason is not None:
            continue
        for command in commands:
            argv = shlex.split(command, comments=True)
            result = subprocess.run(argv, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=900)
            assert result.returncode == 0, (
                f"README command failed: {command}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
            outputs[command] = result.stdout
    predicted = next(out for command, out in outputs.items() if "Drifting --model runs/mine" in command)
    target_classes = {"Oscillating", "Drifting", "Dashing", "Crawling", "Checkerboard"}
    for line in predicted.splitlines():
        assert {item.rsplit(" ", 1)[0] for item in line.split(": ", 1)[1].split(", ")} <= target_classes, line
    assert (tmp_path / "runs" / "mine" / "model.keras").is_file() and (tmp_path / "my-model" / "config.json").is_file()
