"""The chat's terminal: line editing, persistent history and completion on a terminal (prompt_toolkit),
plain lines from a pipe; turns rendered with rich (Markdown answers, one line per change, check, assumption).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from optagent.agent.chat_files import EXPORTS
from optagent.agent.chat_format import sentence

VERDICT_STYLES = {
    "agreed": "bold green",
    "verified": "bold green",
    "solved": "bold cyan",
    "ambiguous": "bold yellow",
    "disputed": "bold yellow",
    "failed": "bold red",
}
PROMPT = "you> "


def history_file(override: Path | None = None) -> Path:
    """Where typed lines are kept: ``--history-file``, ``$OPTAGENT_CHAT_HISTORY``, else the state folder."""
    if override is not None:
        return override
    if os.environ.get("OPTAGENT_CHAT_HISTORY"):
        return Path(os.environ["OPTAGENT_CHAT_HISTORY"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "optagent" / "chat-history"


def completions(text: str, commands: list[str], scenarios: list[str]) -> list[str]:
    """Candidates for the word being typed: commands, export kinds, scenario names."""
    if not text.startswith("/"):
        return []
    words = text.split(" ")
    if len(words) == 1:
        pool = commands
    elif words[0] == "/export" and len(words) == 2:
        pool = list(EXPORTS)
    elif words[0] in ("/switch", "/compare") and len(words) <= 3:
        pool = scenarios
    else:
        return []
    return [c for c in pool if c.startswith(words[-1])]


class LineReader:
    """Lines typed at a terminal (editing, history, Tab completion) or read from a pipe (echoed)."""

    def __init__(
        self,
        console: Console,
        interactive: bool,
        history: Path,
        commands: list[str],
        scenarios: Callable[[], list[str]],
    ) -> None:
        self.console = console
        self.interactive = interactive
        self.note = ""
        if interactive:
            self.session = _prompt_session(history, commands, scenarios, self)

    def read(self) -> str | None:
        """The next line, or None at the end of input (Ctrl-D, end of the pipe)."""
        if not self.interactive:
            line = sys.stdin.readline()
            if not line:
                return None
            self.console.print(f"{PROMPT}{escape(line.rstrip())}", highlight=False)
            return line
        try:
            return self.session.prompt(PROMPT)
        except KeyboardInterrupt:
            return ""  # Ctrl-C clears the line, as in a shell
        except EOFError:
            return None


def _prompt_session(
    history: Path, commands: list[str], scenarios: Callable[[], list[str]], reader: LineReader
) -> Any:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    class ChatCompleter(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Iterator[Completion]:
            word = document.text_before_cursor.split(" ")[-1]
            for candidate in completions(document.text_before_cursor, commands, scenarios()):
                yield Completion(candidate, start_position=-len(word))

    try:
        history.parent.mkdir(parents=True, exist_ok=True)
        history.touch(exist_ok=True)
        kept: Any = FileHistory(str(history))
    except OSError as exc:
        reader.note = f"typed lines are not kept: cannot write {history} ({exc.strerror or exc})"
        kept = InMemoryHistory()
    return PromptSession(history=kept, completer=ChatCompleter(), complete_while_typing=False)


def print_turn(console: Console, turn: Any) -> None:
    """One turn: a header (verdict, scenario, status), then one line per item, then the Markdown answer."""
    if turn.kind == "question":
        console.print(f"[bold magenta]question[/] {escape(turn.text)}", highlight=False, soft_wrap=True)
        console.print(f"[dim]{escape(turn.hint)}[/]", highlight=False)
        return
    if turn.failed and not turn.verdict:
        console.print(f"[bold red]failed:[/] {escape(turn.text)}", highlight=False, soft_wrap=True)
        if turn.hint:
            console.print(f"[yellow]hint:[/] {escape(turn.hint)}", highlight=False, soft_wrap=True)
        return
    header = [f"[{VERDICT_STYLES.get(turn.verdict, 'bold')}]{escape(turn.verdict or turn.kind)}[/]"]
    if turn.scenario:
        header.append(f"scenario {escape(turn.scenario)}")
    if turn.status and turn.status not in ("optimal",):
        header.append(escape(turn.status))
    console.print(" · ".join(header), highlight=False)
    lines = [turn.text] if turn.text else []
    lines += [f"  {c}" for c in turn.changes]
    if turn.conflict:
        lines.append(turn.conflict)
    lines += [f"  probe {p}" for p in turn.probes]
    for line in lines:
        console.print(escape(line), highlight=False, soft_wrap=True)
    if turn.answer:
        print_markdown(console, turn.answer)
    if turn.checks:
        checked = sentence("; ".join(turn.checks), capital=False)
        console.print(f"[dim]Checked: {escape(checked)}[/]", highlight=False, soft_wrap=True)
    if turn.assumptions:
        console.print("Assumed:", highlight=False)
        for item in turn.assumptions:
            console.print(f"  - {escape(item)}", highlight=False, soft_wrap=True)
    for note in turn.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)


def print_markdown(console: Console, text: str) -> None:
    """Markdown rendered by rich; on a pipe without the padding rich adds to the right."""
    if console.is_terminal:
        console.print(Markdown(text))
        return
    with console.capture() as captured:
        console.print(Markdown(text))
    lines = [line.rstrip() for line in captured.get().splitlines()]
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def print_code(console: Console, code: str, interactive: bool) -> None:
    if interactive:
        from rich.syntax import Syntax

        console.print(Syntax(code, "python", line_numbers=False, word_wrap=True))
    else:
        console.print(escape(code), highlight=False, soft_wrap=True, end="")
