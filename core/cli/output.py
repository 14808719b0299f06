"""Console output shared by the commands: errors without tracebacks, solution tables, JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_error(message: str, hint: str = "") -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if hint:
        err_console.print(f"[yellow]hint:[/] {escape(hint)}", highlight=False, soft_wrap=True)


def solution_table(result: Any, *, limit: int = 60, show_zero: bool = False) -> Table:
    """Rich table of the nonzero variable values (all when ``show_zero``), never "-0"."""
    from optagent.formulations.numtext import number_text

    table = Table(title="Solution", show_lines=False)
    table.add_column("variable")
    table.add_column("index")
    table.add_column("value", justify="right")
    shown = 0
    skipped = 0
    for name, entry in result.values.items():
        items = entry.items() if isinstance(entry, dict) else [("", entry)]
        for index, value in items:
            if value is None or (not show_zero and abs(value) < 1e-9):
                skipped += 1
                continue
            if shown < limit:
                table.add_row(name, index, number_text(value, 6))
            shown += 1
    if shown > limit:
        table.caption = f"{shown - limit} more nonzero values not shown (use --json)"
    elif skipped:
        table.caption = f"{skipped} zero values not shown"
    return table
