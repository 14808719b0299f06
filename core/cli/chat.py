"""``optagent chat``: state a problem, then change it ("what if capacity is 20?") or ask about it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.options import LLM_TIMEOUT, make_cli_llm
from optagent.cli.output import console, print_error
from optagent.errors import OptagentError

HELP = """commands:
  /show                 the current formulation
  /code                 the generated program
  /export KIND FILE     KIND: latex, lp, mps, python, json
  /save FILE, /load FILE
  /history              what was said so far
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
):
    """A conversation about one model; follow-ups modify it and re-solve, showing what changed."""
    from optagent.agent.config import RunConfig
    from optagent.agent.session import ChatSession

    llm = make_cli_llm(model, base_url, api_key, llm_timeout, False)
    session = ChatSession(llm=llm, config=RunConfig(mode=mode, solver=solver, budget=budget))
    console.print(f"[bold]optagent chat[/] ({escape(llm.model_id)}). Type /help for commands.")
    pending = [file.read_text(encoding="utf-8")] if file else []
    while True:
        if pending:
            line = pending.pop()
        else:
            try:
                line = console.input("[bold cyan]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
        line = line.strip()
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return
        try:
            _handle(session, line)
        except OptagentError as exc:
            print_error(exc.message, exc.hint)


def _handle(session, line: str) -> None:
    if line.startswith("/"):
        command, *args = line.split()
        if command == "/help":
            console.print(HELP)
        elif command == "/show":
            console.print(escape(session.show()), highlight=False)
        elif command == "/code":
            code = session.answer.code if session.answer and session.answer.code else "no program yet"
            console.print(escape(code), highlight=False)
        elif command == "/export" and len(args) == 2:
            console.print(f"written: {session.export(args[0], args[1])}")
        elif command == "/save" and len(args) == 1:
            console.print(f"saved: {session.save(args[0])}")
        elif command == "/load" and len(args) == 1:
            session.load(args[0])
            console.print("loaded:\n" + escape(session.show()), highlight=False)
        elif command == "/history":
            for item in session.history:
                console.print(
                    f"[cyan]you:[/] {escape(item['user'])}\n[green]{item['kind']}:[/] {escape(item['reply'])}"
                )
        else:
            console.print(f"unknown command {escape(line)}\n{HELP}")
        return
    with console.status("thinking...", spinner="dots"):
        turn = session.send(line)
    color = "red" if turn.kind == "error" else "green"
    console.print(f"[{color}]{turn.kind}:[/] {escape(turn.text)}", soft_wrap=True)
    for change in turn.changes[:30]:
        console.print(f"  {escape(change)}")
