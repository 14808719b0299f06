"""What a running search shows on the terminal: calls, the champion with its interval, rejections by
reason, the step in progress (a live panel), and one line per judged candidate above it."""

from __future__ import annotations

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.text import Text

from optagent.benchmarks.smtt.discovery.journal import Candidate
from optagent.benchmarks.smtt.discovery.search import Discovery


def candidate_line(c: Candidate) -> str:
    origin = c.operator if not c.parents else f"{c.operator} of {list(c.parents)}"
    if c.scored:
        s = c.score
        assert s is not None
        return (
            f"candidate {c.id} ({origin}): {c.status}, fitness {s.fitness:.4f} (gap {s.gap:.3f} % "
            f"[{s.ci[0]:.3f}, {s.ci[1]:.3f}], {s.cpu_ms:.3g} ms CPU per instance) - {c.idea[:90]}"
        )
    return f"candidate {c.id} ({origin}): rejected, {c.category}: {c.reason[:160]}"


class SearchProgress:
    def __init__(self, search: Discovery, calls: int, console: Console) -> None:
        self.search = search
        self.calls = calls
        self.console = console
        self.now = "starting"
        self.live = Live(self.render(), console=console, refresh_per_second=4, transient=True)

    def render(self) -> Group:
        s = self.search
        statuses = [c.status for c in s.candidates]
        prompts = [c.prompt_chars for c in s.candidates if c.prompt_chars]
        lines = [
            f"[bold]calls {s.calls_used}/{self.calls}[/] · candidates {len(statuses)} "
            f"({statuses.count('seed')} seeds, {statuses.count('accepted')} accepted, "
            f"{statuses.count('rejected')} rejected) · largest prompt {max(prompts, default=0):,} characters"
        ]
        champion = s.champion
        if champion is not None and champion.score is not None:
            c = champion.score
            best = (
                f"champion: candidate {champion.id} ({escape(champion.operator)}) fitness {c.fitness:.4f}, "
                f"gap {c.gap:.3f} % [{c.ci[0]:.3f}, {c.ci[1]:.3f}], {c.cpu_ms:.3g} ms CPU per instance"
            )
            if s.since_progress:
                best += f" · {s.since_progress} LLM calls without a significant improvement"
            lines.append(best)
        reasons = s.rejections()
        if reasons:
            lines.append("rejected: " + ", ".join(f"{escape(k)} {v}" for k, v in reasons.most_common()))
        lines.append(f"[dim]now: {escape(self.now)}[/]")
        return Group(*(Text.from_markup(line) for line in lines))

    def event(self, message: str, candidate: Candidate | None) -> None:
        if message == "judged" and candidate is not None:
            self.console.print(escape(candidate_line(candidate)), highlight=False, soft_wrap=True)
            self.now = "choosing the next parents"
        else:
            self.now = message
        self.live.update(self.render())

    def __enter__(self) -> SearchProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)
        self.now = "stopped" if exc[0] is not None else "done"  # the last panel stays on the screen
        self.console.print(self.render(), highlight=False)
