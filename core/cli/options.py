"""Options several commands share, checks of numeric values, and the tidying of every command's help.

Numeric options are validated by the command line itself (``min=`` on the option, or ``callback=positive``),
so a bad value is a usage error (exit code 2) that names the option, before any work starts.
"""

from __future__ import annotations

from typing import Any

import typer

from optagent.limits import LLM_TIMEOUT_S


def positive(value: float | None) -> float | None:
    """Option callback: a number greater than 0 (time limits, timeouts, tolerances)."""
    if value is not None and not value > 0:  # also NaN
        raise typer.BadParameter(f"{value} is not greater than 0")
    return value


def json_option(what: str = "the result") -> Any:
    return typer.Option(False, "--json", help=f"Print {what} as JSON only (for programs).")


def time_limit_option(help: str = "Solver time limit in seconds.") -> Any:
    return typer.Option(60.0, "--time-limit", callback=positive, help=help)


MODEL = typer.Option(
    None, "--model", "-m", help="LLM spec, e.g. gpt-4o, ollama:qwen2.5:14b, hf:PATH, scripted:FILE.json."
)
BASE_URL = typer.Option(None, "--base-url", help="OpenAI-compatible server URL.")
API_KEY = typer.Option(None, "--api-key", help="API key (else the provider's environment variable).")
LLM_TIMEOUT = typer.Option(
    None,
    "--llm-timeout",
    callback=positive,
    help=f"Seconds to wait for one LLM reply (default {LLM_TIMEOUT_S:g}, or `timeout` under \\[llm] in "
    "the config file).",
    show_default=False,
)
NO_CACHE = typer.Option(False, "--no-cache", help="Do not use the LLM response cache.")


def make_cli_llm(
    model: str | None, base_url: str | None, api_key: str | None, timeout: float | None, no_cache: bool
):
    """The LLM named by the command's flags (then the environment, then the config file)."""
    from optagent.agent.llm import make_llm
    from optagent.cli.output import quiet_libraries

    quiet_libraries()  # a local model (hf:) would print the loading libraries' bars and warnings

    return make_llm(model=model, base_url=base_url, api_key=api_key, timeout=timeout, cache=not no_cache)


def tidy_help(command: Any) -> Any:
    """Every command's help: an on/off flag (``--help`` included) shows no value type (typer prints
    ``<bool>`` beside it)."""
    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
    for param in getattr(command, "params", []):
        _no_value_type(param)
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        return _no_value_type(make_help_option(ctx))

    command.get_help_option = get_help_option
    return command


def _no_value_type(param: Any) -> Any:
    if getattr(param, "is_flag", False) and param.metavar is None:
        param.metavar = ""
    return param
