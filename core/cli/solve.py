"""``optagent solve --formulation FILE``: print the model and its solution."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.output import console, print_json, solution_table


def register(app: typer.Typer) -> None:
    app.command("solve")(solve)
    app.command("solvers")(solvers)


def solve(
    formulation: Path = typer.Option(..., "--formulation", "-f", help="Formulation JSON file."),
    solver: str = typer.Option("auto", help="auto, highs, scip or gurobi."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit in seconds."),
    threads: int = typer.Option(1, help="Solver threads."),
    as_json: bool = typer.Option(False, "--json", help="Print the SolveResult as JSON only."),
    all_values: bool = typer.Option(False, "--all", help="Show zero-valued variables too."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the solver log tail."),
):
    """Validate, compile and solve a formulation; exit code 1 when no solution was found."""
    from optagent.formulations.model import Formulation
    from optagent.formulations.render import render_text
    from optagent.formulations.solve import solve as run_solve

    f = Formulation.load(formulation)
    result = run_solve(f, solver=solver, time_limit=time_limit, threads=threads)
    if as_json:
        print_json(result.model_dump(mode="json"))
        raise typer.Exit(0 if result.has_solution else 1)
    typer.echo(render_text(f) + "\n")
    for message in result.messages:
        console.print(f"[yellow]note:[/] {escape(message)}", soft_wrap=True)
    status = f"{result.termination.value} (solution: {result.solution_status.value})"
    color = "green" if result.has_solution else "red"
    console.print(
        f"[{color}]status: {status}[/]  solver: {result.solver} {result.solver_version}  "
        f"class: {result.problem_class}  time: {result.wall_time:.3f}s"
    )
    if result.objective is not None:
        bound = f"  bound: {result.bound:.10g}  gap: {result.gap:.2e}" if result.bound is not None else ""
        console.print(f"objective: [bold]{result.objective:.10g}[/]{bound}")
        console.print(solution_table(result, show_zero=all_values))
    if verbose and result.log_tail:
        typer.echo(result.log_tail)
    raise typer.Exit(0 if result.has_solution else 1)


def solvers(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")):
    """List solver backends, whether they are installed, and what they solve."""
    from rich.table import Table

    from optagent.formulations.solvers import SOLVERS

    rows = [
        {
            "name": s.name,
            "installed": s.installed(),
            "classes": sorted(c.value for c in s.classes),
            "note": s.note,
            "install": s.install,
        }
        for s in SOLVERS.values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Solvers")
    for col in ("name", "installed", "classes", "note"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["name"], "yes" if r["installed"] else f"no ({r['install']})", ", ".join(r["classes"]), r["note"]
        )
    console.print(table)
