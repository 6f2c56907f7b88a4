"""Markdown output shared by the CLI, reports and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (rows may be shorter than the header)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(list(row) + [""] * (len(columns) - len(row))) + " |" for row in rows]
    return "\n".join(lines)
