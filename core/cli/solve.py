"""``optagent solve``: a problem in words through the agent, or a formulation file directly."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.options import (
    API_KEY,
    BASE_URL,
    LLM_TIMEOUT,
    MODEL,
    NO_CACHE,
    json_option,
    make_cli_llm,
    time_limit_option,
)
from optagent.cli.output import console, err_console, print_json, solution_table
from optagent.cli.problem_text import read_problem_text
from optagent.errors import OptagentError


def register(app: typer.Typer) -> None:
    app.command("solve")(solve)
    app.command("solvers")(solvers)


def solve(
    text: str | None = typer.Argument(None, help="The problem in words (or use --file)."),
    file: Path | None = typer.Option(
        None, "--file", "-f", help="Problem text file; a .json file is read as a formulation."
    ),
    formulation: Path | None = typer.Option(
        None, "--formulation", help="Solve a formulation JSON file (no LLM)."
    ),
    model: str | None = MODEL,
    base_url: str | None = BASE_URL,
    api_key: str | None = API_KEY,
    llm_timeout: float | None = LLM_TIMEOUT,
    no_cache: bool = NO_CACHE,
    mode: str = typer.Option("full", help="full, ir, code or five-element."),
    solver: str = typer.Option("auto", help="auto, highs, scip or gurobi."),
    budget: int = typer.Option(4, min=0, help="Repair attempts allowed."),
    samples: int = typer.Option(1, min=1, help="Self-consistency samples."),
    library: str = typer.Option("pyomo", help="Library for generated programs: pyomo or gurobipy."),
    time_limit: float = time_limit_option(),
    threads: int = typer.Option(1, min=1, help="Solver threads (formulation files)."),
    isolation: str | None = typer.Option(
        None,
        "--isolation",
        help="Sandbox for generated code: bwrap (default), or weaker by choice: unshare, rlimits.",
    ),
    as_json: bool = json_option(),
    explain: bool = typer.Option(
        False, "--explain", help="Sensitivity: duals, binding constraints, ranges, reduced costs."
    ),
    all_values: bool = typer.Option(False, "--all", help="Show zero-valued variables too."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Show the solver log tail / every step's feedback."
    ),
):
    """Solve a problem stated in words (LLM agent), or a formulation file; exit code 1 without a solution."""
    if formulation is None and file is not None and file.suffix.lower() == ".json":
        formulation, file = file, None
    if formulation is not None:
        _solve_formulation(formulation, solver, time_limit, threads, as_json, all_values, verbose, explain)
        return
    text = read_problem_text(text, file)
    from optagent.agent.config import RunConfig
    from optagent.cli.agent_output import print_answer, run_with_progress
    from optagent.sandbox.isolation import choose, describe

    options = {
        "mode": mode,
        "solver": solver,
        "budget": budget,
        "time_limit": time_limit,
        "code_library": library,
    }
    RunConfig(samples=samples, **options)  # bad settings are reported before any LLM is contacted
    err_console.print(describe(choose(isolation)), highlight=False)  # the sandbox level in force
    llm = make_cli_llm(model, base_url, api_key, llm_timeout, no_cache)
    answer = run_with_progress(text, llm, samples=samples, quiet=as_json, **options)
    extra = _explain_answer(answer, solver, time_limit) if explain else None
    if as_json:
        print_json({**answer.to_dict(), **({"explain": extra} if extra else {})})
    else:
        print_answer(answer, all_values=all_values, verbose=verbose)
        if explain:
            _print_explanation(extra)
    raise typer.Exit(0 if answer.ok else 1)


def _solve_formulation(
    path: Path,
    solver: str,
    time_limit: float,
    threads: int,
    as_json: bool,
    all_values: bool,
    verbose: bool,
    explain: bool,
) -> None:
    from optagent.formulations.model import Formulation
    from optagent.formulations.numtext import number_text
    from optagent.formulations.render import render_text
    from optagent.formulations.solve import solve as run_solve

    f = Formulation.load(path)
    result = run_solve(
        f, solver=solver, time_limit=time_limit, threads=threads, sensitivity=True if explain else None
    )
    conflict = _conflict(f, result, solver)
    if as_json:
        data = result.model_dump(mode="json")
        if conflict is not None:
            data["conflict"] = _conflict_json(conflict)
        print_json(data)
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
    if conflict is not None:
        console.print(f"[bold red]conflict:[/] {escape(conflict.summary())}", soft_wrap=True)
        console.print(f"[dim]{escape(conflict.note)}{'' if conflict.minimal else ' (may not be minimal)'}[/]")
    if result.objective is not None:
        bound = (
            f"  bound: {number_text(result.bound, 10)}  gap: {result.gap:.2e}"
            if result.bound is not None
            else ""
        )
        console.print(f"objective: [bold]{number_text(result.objective, 10)}[/]{bound}")
        console.print(solution_table(result, show_zero=all_values))
    if explain and result.sensitivity is not None:
        print_sensitivity(result.sensitivity)
    if verbose and result.log_tail:
        typer.echo(result.log_tail)
    raise typer.Exit(0 if result.has_solution else 1)


def _conflict(formulation, result, solver: str):
    """The conflicting rows of an infeasible formulation (None otherwise)."""
    if result.termination.value != "infeasible":
        return None
    from optagent.formulations.conflict import find_conflict

    try:
        return find_conflict(formulation, solver=solver, time_limit=min(result.time_limit, 10.0))
    except OptagentError as exc:
        result.messages.append(f"no conflict isolated: {exc.message}")
        return None


def _conflict_json(conflict) -> dict:
    return conflict.model_dump(mode="json") | {"summary": conflict.summary()}


def _explain_answer(answer, solver: str, time_limit: float) -> dict | None:
    """Sensitivity (or the conflict) of an agent answer's formulation, re-solved for it; never loses the
    answer (a formulation that cannot be solved again gives a note)."""
    if not answer.formulation:
        return None
    from optagent.formulations.model import Formulation
    from optagent.formulations.solve import solve as run_solve

    try:
        f = Formulation.from_data(answer.formulation)
        result = run_solve(f, solver=solver, time_limit=time_limit, sensitivity=True)
        conflict = _conflict(f, result, solver)
    except OptagentError as exc:
        return {"sensitivity": None, "conflict": None, "messages": [f"nothing to explain: {exc.message}"]}
    return {
        "sensitivity": result.sensitivity.model_dump(mode="json") if result.sensitivity else None,
        "conflict": _conflict_json(conflict) if conflict else None,
        "messages": result.messages,
    }


def _print_explanation(extra: dict | None) -> None:
    from optagent.formulations.sensitivity import Sensitivity

    if not extra:
        console.print("[yellow]note:[/] no formulation to explain")
        return
    if extra["conflict"]:
        console.print(f"[bold red]conflict:[/] {escape(extra['conflict']['summary'])}", soft_wrap=True)
    if extra["sensitivity"]:
        print_sensitivity(Sensitivity.model_validate(extra["sensitivity"]))
    for message in extra["messages"]:
        console.print(f"[yellow]note:[/] {escape(message)}", soft_wrap=True)


def print_sensitivity(sens, limit: int = 60) -> None:
    """The readable sensitivity report: sentences for what binds, then the row and column tables."""
    from rich.table import Table

    from optagent.formulations.numtext import number_text

    console.print(f"\n[bold]Sensitivity[/] ({escape(sens.basis_text)}; objective: {sens.sense})")
    for line in sens.statements():
        console.print(f"  {escape(line)}", soft_wrap=True)
    rows = Table(title="Constraints (dual: objective change per unit more of the constant)")
    for col in ("row", "constant", "slack", "binds", "dual", "dual valid for"):
        rows.add_column(col, justify="left" if col == "row" else "right")
    for c in sens.constraints[:limit]:
        rows.add_row(
            escape(c.label),
            number_text(c.rhs, 6),
            number_text(c.slack, 6),
            "yes" if c.binding else "",
            number_text(c.dual, 6),
            _interval(c.rhs_range),
        )
    if len(sens.constraints) > limit:
        rows.caption = f"{len(sens.constraints) - limit} more rows (use --json)"
    console.print(rows)
    cols = Table(title="Variables (reduced cost: objective change per unit more)")
    for col in ("variable", "value", "cost", "reduced cost", "optimal for cost in"):
        cols.add_column(col, justify="left" if col == "variable" else "right")
    for v in sens.variables[:limit]:
        cols.add_row(
            escape(v.label),
            number_text(v.value, 6),
            number_text(v.cost, 6),
            number_text(v.reduced_cost, 6),
            _interval(v.cost_range),
        )
    if len(sens.variables) > limit:
        cols.caption = f"{len(sens.variables) - limit} more columns (use --json)"
    console.print(cols)


def _interval(rng) -> str:
    from optagent.formulations.numtext import number_text

    if rng is None:
        return "-"
    lo, hi = rng
    return f"{'-inf' if lo is None else number_text(lo, 6)} .. {'+inf' if hi is None else number_text(hi, 6)}"


def solvers(as_json: bool = json_option("the list")):
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
