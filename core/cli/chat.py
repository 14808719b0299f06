"""``optagent chat``: state a problem, then change it ("what if capacity is 20?") or ask about it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.options import LLM_TIMEOUT, make_cli_llm
from optagent.cli.output import console, err_console, print_error
from optagent.errors import InputError, OptagentError

HELP = """commands (Tab completes them, Up and Down recall earlier lines):
  /show                  the current scenario's formulation
  /code                  its program, derived from the formulation (runs alone with pyomo)
  /export KIND [FILE]    KIND: python, json, latex, markdown, lp, mps (default file: MODEL-SCENARIO.suffix)
  /scenarios             every scenario with its objective and verdict
  /switch NAME           make a scenario the current one
  /reading N             make reading N of an ambiguous text the current scenario (solved and checked)
  /compare A B           objective, data, model and decision differences
  /undo, /redo           step back or forward through changes and switches
  /new                   start over with a new problem
  /save [FILE], /load FILE
  /history               what was said so far, failed turns marked
  /help, /quit
anything else: the problem (first), then a change or a question"""


def chat(
    file: Path | None = typer.Option(None, "--file", "-f", help="Start with the problem in this file."),
    model: str | None = typer.Option(
        None, "--model", "-m", help="LLM spec, e.g. gpt-4o, ollama:qwen2.5:14b."
    ),
    base_url: str | None = typer.Option(None, help="OpenAI-compatible server URL."),
    api_key: str | None = typer.Option(None, help="API key."),
    llm_timeout: float | None = LLM_TIMEOUT,
    mode: str = typer.Option("full", help="full, ir, code or five-element."),
    solver: str = typer.Option("auto", help="auto, highs, scip or gurobi."),
    budget: int = typer.Option(4, min=0, help="Repair attempts allowed."),
    assume: bool = typer.Option(
        False, "--assume", help="Assume missing data (and say so) instead of asking for it."
    ),
    history_file: Path | None = typer.Option(
        None,
        "--history-file",
        help="Where typed lines are kept (default: ~/.local/state/optagent/chat-history).",
    ),
    isolation: str | None = typer.Option(
        None,
        "--isolation",
        help="Sandbox for generated code: bwrap (default), or weaker by choice: unshare, rlimits.",
    ),
):
    """A conversation about one model; each change is a named scenario, solved and checked again."""
    from optagent.agent.config import RunConfig
    from optagent.agent.session import ChatSession
    from optagent.cli.chat_ui import LineReader
    from optagent.cli.chat_ui import history_file as history_path
    from optagent.sandbox.isolation import choose, describe

    err_console.print(describe(choose(isolation)), highlight=False)  # the sandbox level in force
    llm = make_cli_llm(model, base_url, api_key, llm_timeout, False)
    session = ChatSession(llm=llm, config=RunConfig(mode=mode, solver=solver, budget=budget))

    session.assume = assume
    problem = _read_problem(file)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    commands = [*COMMANDS, "/quit"]
    reader = LineReader(
        console, interactive, history_path(history_file), commands, lambda: list(session.book.scenarios)
    )
    console.print(f"[bold]optagent chat[/] ({escape(llm.model_id)}). Type /help for commands.")
    if reader.note:
        console.print(f"[yellow]note:[/] {escape(reader.note)}", highlight=False)
    pending = [problem] if problem else []
    if file is not None and not interactive:
        console.print(f"you> (the problem in {escape(str(file))})", highlight=False)
    while True:
        line = pending.pop() if pending else reader.read()
        if line is None:
            console.print()
            return
        line = line.strip()
        if line in ("/quit", "/exit"):
            return
        if not line and session.pending is None:
            continue
        try:
            _handle(session, line, interactive)
        except OptagentError as exc:
            print_error(exc.message, exc.hint)
        except KeyboardInterrupt:
            print_error("interrupted: the session is as it was before this line")


def _read_problem(file: Path | None) -> str:
    if file is None:
        return ""
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {file}: {exc}", hint="pass a UTF-8 text file") from None


def _handle(session, line: str, interactive: bool) -> None:
    from optagent.cli.chat_ui import print_turn

    if line.startswith("/"):
        command, *args = line.split()
        handler = COMMANDS.get(command)
        if handler is None:
            console.print(f"unknown command {escape(command)}\n{HELP}", highlight=False)
            return
        handler(session, args, interactive)
        return
    print_turn(console, _waiting(interactive, "thinking...", lambda: session.send(line)))


def _waiting(interactive: bool, label: str, work):
    """``work()``, under a spinner on a terminal."""
    if not interactive:
        return work()
    with console.status(label, spinner="dots"):
        return work()


def _arguments(args: list[str], least: int, most: int, usage: str) -> list[str]:
    if not least <= len(args) <= most:
        raise InputError(f"usage: {usage}", hint="/help lists the commands")
    return args


def _code(session, args, interactive) -> None:
    from optagent.cli.chat_ui import print_code

    _arguments(args, 0, 0, "/code")
    print_code(console, session.code(), interactive)


def _show(session, args, interactive) -> None:
    _arguments(args, 0, 0, "/show")
    console.print(escape(session.show()), highlight=False)


def _export(session, args, interactive) -> None:
    kind, *path = _arguments(args, 1, 2, "/export KIND [FILE]")
    console.print(f"written: {escape(str(session.export(kind, path[0] if path else None)))}", highlight=False)


def _save(session, args, interactive) -> None:
    path = _arguments(args, 0, 1, "/save [FILE]")
    console.print(f"saved: {escape(str(session.save(path[0] if path else None)))}", highlight=False)


def _load(session, args, interactive) -> None:
    (path,) = _arguments(args, 1, 1, "/load FILE")
    session.load(path)
    console.print(
        f"loaded {len(session.book)} scenarios; current: {escape(session.book.current)}", highlight=False
    )
    console.print(escape(session.show()), highlight=False)


def _scenarios(session, args, interactive) -> None:
    from optagent.agent.chat_format import number

    _arguments(args, 0, 0, "/scenarios")
    if not len(session.book):
        console.print("no scenarios yet")
        return
    rows = [("", "scenario", "objective", "status", "verdict", "change")]
    for s in session.scenarios():
        change = f"{s.summary} (from {s.parent})" if s.parent else s.summary
        mark = "*" if s.name == session.book.current else ""
        rows.append((mark, s.name, number(s.objective), s.status, s.verdict, change))
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    for row in rows:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[5]
        console.print(escape(line.rstrip()), highlight=False, soft_wrap=True)


def _switch(session, args, interactive) -> None:
    (name,) = _arguments(args, 1, 1, "/switch NAME")
    _now_at(session.switch(name))


def _reading(session, args, interactive) -> None:
    from optagent.cli.chat_ui import print_turn

    (text,) = _arguments(args, 1, 1, "/reading N")
    if not text.isdigit():
        raise InputError(f"/reading takes a reading's number, not {text!r}", hint="e.g. /reading 2")
    print_turn(console, _waiting(interactive, "solving...", lambda: session.pick_reading(int(text))))


def _undo(session, args, interactive) -> None:
    _arguments(args, 0, 0, "/undo")
    _now_at(session.undo(), "nothing to undo")


def _redo(session, args, interactive) -> None:
    _arguments(args, 0, 0, "/redo")
    _now_at(session.redo(), "nothing to redo")


def _now_at(scenario, nothing: str = "") -> None:
    from optagent.agent.chat_format import number

    if scenario is None:
        console.print(nothing)
        return
    console.print(
        f"now at scenario {escape(scenario.name)}: objective {number(scenario.objective)} "
        f"({escape(scenario.status)}, {escape(scenario.verdict)})",
        highlight=False,
    )


def _compare(session, args, interactive) -> None:
    a, b = _arguments(args, 2, 2, "/compare A B")
    console.print(f"{escape(a)} -> {escape(b)}", highlight=False)
    for line in session.compare(a, b):
        console.print(escape(line), highlight=False, soft_wrap=True)


def _new(session, args, interactive) -> None:
    _arguments(args, 0, 0, "/new")
    session.reset()
    console.print(
        "started over: state a new problem (the previous conversation is kept only if you saved it)"
    )


def _history(session, args, interactive) -> None:
    _arguments(args, 0, 0, "/history")
    for item in session.history:
        kind = "[red]failed[/]" if item.get("failed") else f"[green]{escape(item['kind'])}[/]"
        console.print(f"[cyan]you:[/] {escape(item['user'])}", highlight=False, soft_wrap=True)
        console.print(f"{kind}: {escape(item['reply'])}", highlight=False, soft_wrap=True)


def _help(session, args, interactive) -> None:
    console.print(HELP, highlight=False)


COMMANDS = {
    "/help": _help,
    "/show": _show,
    "/code": _code,
    "/export": _export,
    "/scenarios": _scenarios,
    "/switch": _switch,
    "/reading": _reading,
    "/compare": _compare,
    "/undo": _undo,
    "/redo": _redo,
    "/new": _new,
    "/save": _save,
    "/load": _load,
    "/history": _history,
}
