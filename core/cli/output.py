"""Console output shared by the commands: errors without tracebacks, solution tables, JSON."""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optagent.errors import InputError

PIPE_WIDTH = 10_000  # output into a pipe or a file: lines are never hard-wrapped, table cells never cut


def make_console(*, stderr: bool = False) -> Console:
    """A terminal gets rich's usual wrapping at its width; a pipe or a file gets whole lines (soft wrap) and
    tables as wide as their content, so ``| grep`` and ``> file`` see all that was printed, uncut."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=PIPE_WIDTH, soft_wrap=True)


console = make_console()
err_console = make_console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def write_output(path: Path, text: str) -> None:
    """Write a file the user asked for (a report, a rendering) and say so; a path that cannot be written is
    an input error."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}", hint="choose another path") from None
    print_written(path)


def print_written(*paths: object) -> None:
    """Say which files a command wrote (on stderr, so stdout stays the command's output)."""
    for path in paths:
        if path:
            err_console.print(f"wrote {escape(str(path))}", highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr; yields ``update(done, status="", total=None)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.progress import TimeRemainingColumn as Remaining

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        Remaining(),
        TextColumn("{task.fields[status]}"),
        console=err_console,
    ) as progress:
        task = progress.add_task(escape(label), total=total, status="")
        yield lambda done, status="", total=None: progress.update(
            task, completed=done, status=escape(status), total=total
        )


def quiet_libraries() -> None:
    """transformers, datasets and trl print progress bars, per-step log dicts and deprecation warnings of
    their own; optagent's commands report their progress themselves (settings made by the user are kept)."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    warnings.filterwarnings("ignore", category=FutureWarning)


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
