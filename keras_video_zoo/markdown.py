"""Markdown output shared by the CLI, reports and benchmarks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (rows may be shorter than the header)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(list(row) + [""] * (len(columns) - len(row))) + " |" for row in rows]
    return "\n".join(lines)


def replace_marked_section(path: str | Path, markers: tuple[str, str], section: str) -> None:
    r"""Replaces the text between the ``(start, end)`` marker lines of a file (e.g. a README's benchmark table).

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "README.md"
    >>> _ = path.write_text("a\n<!-- s -->\nold\n<!-- e -->\nb\n")
    >>> replace_marked_section(path, ("<!-- s -->", "<!-- e -->"), "new\n")
    >>> path.read_text()
    'a\n<!-- s -->\nnew\n<!-- e -->\nb\n'
    """
    path = Path(path)
    start, end = markers
    text = path.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path.name} has no {start} ... {end} section to update.")
    section = section if section.endswith("\n") else section + "\n"  # the end marker keeps its own line
    path.write_text(pattern.sub(lambda _: f"{start}\n{section}{end}", text))
