"""``optagent formulation validate|render|export|check|schema``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from optagent.cli.options import positive
from optagent.cli.output import console, print_json
from optagent.errors import InputError

app = typer.Typer(help="Validate, render, export and check formulation files.", no_args_is_help=True)

FileArg = typer.Argument(..., help="Formulation JSON file.", show_default=False)


def load(path: Path):
    from optagent.formulations.model import Formulation

    return Formulation.load(path)


@app.command()
def validate(
    file: Path = FileArg, as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")
):
    """Report every problem of a formulation (exit code 1 when there are errors)."""
    from optagent.formulations.validate import validate as run_validate

    report = run_validate(load(file))
    if as_json:
        print_json(report.to_dict())
    else:
        style = "green" if report.ok else "red"
        console.print(f"[{style}]{file}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)[/]")
        if report.issues:
            typer.echo(report.format())
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def render(
    file: Path = FileArg,
    fmt: str = typer.Option("text", "--format", "-f", help="text, markdown or latex."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
):
    """Render a formulation for people."""
    from optagent.formulations.render import RENDERERS

    if fmt not in RENDERERS:
        raise InputError(f"unknown format '{fmt}'", hint=f"choose one of {', '.join(RENDERERS)}")
    text = RENDERERS[fmt](load(file))
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")
    else:
        typer.echo(text)


@app.command()
def export(
    file: Path = FileArg,
    output: Path = typer.Option(..., "--output", "-o", help="Target .lp or .mps file."),
    fmt: str | None = typer.Option(None, "--format", "-f", help="lp or mps (default: from the suffix)."),
):
    """Export to LP or MPS through Pyomo."""
    from optagent.formulations.export import export as run_export

    path = run_export(load(file), output, fmt)
    console.print(f"wrote {path}")


@app.command()
def check(
    file: Path = FileArg,
    solution: Path = typer.Option(
        ..., "--solution", "-s", help='JSON: {"values": {...}, "objective": n} or values.'
    ),
    tolerance: float = typer.Option(
        1e-6, callback=positive, help="Feasibility tolerance (scaled by max(1, |rhs|))."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
):
    """Check a candidate solution against every constraint and bound (exit code 1 if infeasible)."""
    from optagent.formulations.check import check_solution

    if not solution.is_file():
        raise InputError(f"{solution}: no such file", hint="give a JSON file with the variable values")
    try:
        data = json.loads(solution.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{solution}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(
            f"{solution}: expected a JSON object", hint='{"values": {"x": {"1": 2.0}}, "objective": 5}'
        )
    values = data.get("values", data)
    report = check_solution(
        load(file), values, objective=data.get("objective"), tolerance=tolerance, strict_names=True
    )
    if as_json:
        print_json(report.model_dump())
    else:
        typer.echo(report.summary())
    raise typer.Exit(0 if report.feasible and report.objective_consistent is not False else 1)


@app.command()
def schema():
    """Print the JSON Schema of the formulation format."""
    from optagent.formulations.model import json_schema

    print_json(json_schema())
