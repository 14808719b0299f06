"""Markdown written safely from data: plain text escaped for inline use and table cells, code spans, tables.

Values that come from records (rule definitions with ``|``, reading texts, problem ids, LLM output) never
shift a table or turn into markup: every cell goes through :func:`text` or :func:`code`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_SPECIAL = re.compile(r"([\\`*\[\]<>|&~])")
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")  # intraword "_" is never emphasis


def text(value: object) -> str:
    """``value`` as inline Markdown that renders as exactly this text (one line; ``|`` escaped for tables)."""
    plain = " ".join(str(value).split())
    return _UNDERSCORE.sub(r"\\_", _SPECIAL.sub(r"\\\1", plain))


def code(value: object, *, cell: bool = False) -> str:
    """``value`` as a code span; ``cell=True`` inside a table row (GFM reads ``\\|`` there as ``|``)."""
    plain = " ".join(str(value).split())
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", plain)), default=0) + 1)
    pad = " " if plain.startswith("`") or plain.endswith("`") else ""
    if cell:
        plain = plain.replace("|", "\\|")
    return f"{ticks}{pad}{plain}{pad}{ticks}"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table; header and cells are inline Markdown already (use :func:`text` / :func:`code`).
    Every row must have as many cells as the header."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a table row has {len(row)} cells for {len(header)} columns: {row!r}")
        lines.append("| " + " | ".join(row) + " |")
    return lines
