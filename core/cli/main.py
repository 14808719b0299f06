"""Entry point: ``optagent`` (typer app). Errors become one clear message and a non-zero exit code."""

from __future__ import annotations

import os
import sys

import typer

from optagent import __version__
from optagent.cli.bench import app as bench_app
from optagent.cli.chat import chat
from optagent.cli.finetune import app as finetune_app
from optagent.cli.formulation import app as formulation_app
from optagent.cli.options import tidy_help
from optagent.cli.output import print_error
from optagent.cli.sandbox import app as sandbox_app
from optagent.cli.smtt import app as smtt_app
from optagent.cli.solve import register as register_solve
from optagent.errors import FormulationInvalid, OptagentError

app = typer.Typer(
    name="optagent",
    help="Turn optimization problems into checked mathematical models, and solve them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(formulation_app, name="formulation")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(bench_app, name="bench")
app.add_typer(smtt_app, name="smtt")
app.add_typer(finetune_app, name="finetune")
register_solve(app)
app.command("chat")(chat)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"optagent {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """optagent command line."""


def command() -> typer.core.TyperGroup:
    """The click command tree the console script runs, with every command's help tidied."""
    return tidy_help(typer.main.get_command(app))


def run() -> None:
    """Console-script entry: map every failure to a message and an exit code, never a traceback."""
    try:
        command()()  # standalone: click reports usage errors itself and exits
    except FormulationInvalid as exc:
        print_error(f"{exc.message}:\n{exc.report.format()}", exc.hint)  # type: ignore[attr-defined]
        sys.exit(1)
    except OptagentError as exc:
        print_error(exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("OPTAGENT_DEBUG"):
            raise
        print_error(
            f"internal error: {type(exc).__name__}: {exc}", "rerun with OPTAGENT_DEBUG=1 for a traceback"
        )
        sys.exit(70)


if __name__ == "__main__":
    run()
