"""``optagent sandbox run|doctor``: run a program under the sandbox, or show what isolation is active."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from optagent.cli.output import console, print_json
from optagent.errors import InputError

app = typer.Typer(help="Run untrusted programs in the sandbox; inspect its isolation.", no_args_is_help=True)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}", hint="pass a UTF-8 text file") from None


def _instances(path: Path | None) -> list[dict]:
    if path is None:
        return []
    try:
        data = json.loads(_read_text(path, "instances file"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc}", hint='write [{"p": [...], "d": [...]}, ...]'
        ) from None
    if not isinstance(data, list) or not all(isinstance(i, dict) and {"p", "d"} <= set(i) for i in data):
        raise InputError(
            f"{path} must hold a list of objects with 'p' and 'd'", hint='[{"p": [3, 2], "d": [4, 1]}]'
        )
    return data


@app.command("run")
def run(
    file: Path = typer.Argument(..., help="Python program to run."),
    timeout: float = typer.Option(60.0, "--timeout", help="Wall-clock limit in seconds."),
    memory_mb: int = typer.Option(2048, "--memory-mb", help="Memory limit in MB."),
    inputs: list[Path] = typer.Option([], "--input", help="File placed in the work dir (repeatable)."),
    contract: str = typer.Option("auto", help="auto, function, script or heuristic."),
    entry: str | None = typer.Option(None, help="Name of the function to call."),
    instances: Path | None = typer.Option(None, help="JSON list of {p, d} for --contract heuristic."),
    isolation: str | None = typer.Option(
        None, help="auto, bwrap, unshare or rlimits (default: $OPTAGENT_SANDBOX_ISOLATION, else auto)."
    ),
    solver_time_limit: float | None = typer.Option(None, help="Time limit injected into solvers."),
    threads: int = typer.Option(1, help="Thread count injected into solvers."),
    rebase: bool = typer.Option(True, help="Point open('/abs/path/NAME') at an --input file NAME."),
    as_json: bool = typer.Option(False, "--json", help="Print the ExecutionResult as JSON only."),
):
    """Run FILE in the sandbox and print the ExecutionResult; exit code 1 unless its status is ok."""
    from optagent.formulations.numtext import number_text
    from optagent.sandbox import ColdExecutor, Job, Limits
    from optagent.sandbox.inputs import rebase_open_paths

    code = _read_text(file, "program")
    files = {}
    for path in inputs:
        if not path.is_file():
            raise InputError(f"input file {path} does not exist", hint="check the --input path")
        files[path.name] = path.read_bytes()
    rebased: list[str] = []
    if rebase and files:
        code, rebased = rebase_open_paths(code, set(files))
    limits = Limits(
        timeout_s=timeout, memory_mb=memory_mb, solver_time_limit=solver_time_limit, solver_threads=threads
    )
    job = Job(
        code, contract=contract, entry=entry, inputs=files, instances=_instances(instances), limits=limits
    )
    with ColdExecutor(isolation=isolation, limits=limits, preload=()) as executor:
        result = executor.run(job)
    if rebased:
        result.notes.extend(f"open() path rewritten to the work dir: {p}" for p in rebased)
    if as_json:
        print_json(result.to_dict())
        raise typer.Exit(0 if result.ok else 1)
    color = "green" if result.ok else "red"
    console.print(f"[{color}]status: {result.status.value}[/]  {escape(result.message)}", soft_wrap=True)
    console.print(
        f"isolation: {result.isolation}  time: {result.duration_s:.3f}s  cpu: {result.cpu_s:.3f}s  "
        f"peak memory: {result.peak_memory_mb:.0f} MB"
    )
    if result.solution:
        s = result.solution
        console.print(f"solution: {s.status}  objective: {s.objective}  from: {escape(s.source)}")
        for name, value in list(s.variables.items())[:30]:
            console.print(f"  {escape(name)} = {number_text(value, 6)}")
    if result.heuristic:
        for k, order in enumerate(result.heuristic.permutations):
            console.print(f"instance {k}: {order}")
    if result.error:
        console.print(f"[red]{escape(result.error.type)}: {escape(result.error.message)}[/]")
        console.print(escape(result.error.traceback), highlight=False)
    for label, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            console.print(f"[dim]--- {label} ---[/]")
            console.print(escape(text[-3000:]), highlight=False, markup=True)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    raise typer.Exit(0 if result.ok else 1)


@app.command("doctor")
def doctor(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
    """Show which isolation mechanisms are active on this machine and how to get the missing ones."""
    from optagent.sandbox import detect

    report = detect()
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"Sandbox isolation on {report.platform}: level {report.level}")
    table.add_column("mechanism")
    table.add_column("active")
    table.add_column("detail")
    table.add_column("how to get it")
    for m in report.mechanisms:
        table.add_row(m.name, "[green]yes[/]" if m.active else "[red]no[/]", escape(m.detail), escape(m.hint))
    console.print(table)
