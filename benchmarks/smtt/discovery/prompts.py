"""The discovery prompt: the best candidates so far in one line each; parents with their idea, per-class gaps
and run time; recent failures with their reasons; the operator's instruction; all under a size bound.

When the full prompt is over ``max_chars``, it is shortened step by step: the per-class tables of all but
the first parent go, then the code of all but the first parent (their idea and scores stay), then failures.
The first parent's code is always shown whole (programs are capped in length when they are accepted).
"""

from __future__ import annotations

from collections.abc import Sequence

from optagent.benchmarks.smtt.discovery.journal import Candidate
from optagent.benchmarks.smtt.discovery.operators import Operator
from optagent.prompts import render

LETTERS = "ABCDEFGH"


def milliseconds(seconds: float) -> str:
    ms = 1000 * seconds
    return f"{ms:.3g} ms"


def class_table(by_class: dict[str, tuple[int, int]]) -> str:
    """Ratio-of-sums gap % per (R, T) class as a grid; 'ok' where every optimum is 0 and was met, '+X'
    where every optimum is 0 and the heuristic is X units late in all."""
    cells: dict[tuple[str, str], str] = {}
    for group, (value, optimum) in by_class.items():
        r, t = group.split()
        if optimum:
            cells[r, t] = f"{100.0 * (value - optimum) / optimum:.2f}"
        else:
            cells[r, t] = "ok" if value == 0 else f"+{value}"
    rows = sorted({r for r, _ in cells}, key=lambda s: float(s[2:]))
    cols = sorted({t for _, t in cells}, key=lambda s: float(s[2:]))
    lines = ["       " + "".join(f"{c:>8}" for c in cols)]
    lines += [f"{r:<7}" + "".join(f"{cells.get((r, c), '-'):>8}" for c in cols) for r in rows]
    return "\n".join(lines)


def describe_score(candidate: Candidate, budget_s: float) -> str:
    s = candidate.score
    assert s is not None
    per_size = ", ".join(f"{n} jobs {ms:.3g} ms" for n, ms in s.cpu_ms_by_size.items())
    share = 100 * s.cpu_ms / (1000 * budget_s)
    return (
        f"fitness {s.fitness:.4f} = gap {s.gap:.4f} % (95 % interval {s.ci[0]:.4f} to {s.ci[1]:.4f}) "
        f"+ time {s.penalty:.4f}; optimal on {s.optimal} of {s.instances} instances; "
        f"CPU {s.cpu_ms:.3g} ms per instance ({share:.0f} % of the budget; {per_size})"
    )


def describe_parent(letter: str, c: Candidate, budget_s: float, *, table: bool, code: bool) -> str:
    parts = [
        f"### Heuristic {letter} (candidate {c.id}, {origin(c)})",
        f"Idea: {c.idea}",
        describe_score(c, budget_s),
    ]
    if table and c.score is not None:
        parts.append(
            "Gap % by class (ratio of sums; rows R, columns T; ok: every optimum is 0 and was met; "
            "+X: X units late where every optimum is 0):\n" + class_table(c.score.by_class)
        )
    if code:
        parts.append(f"```python\n{c.code.rstrip()}\n```")
    else:
        parts.append(f"(code not shown to keep this prompt short: {len(c.code.splitlines())} lines)")
    return "\n".join(parts)


def origin(c: Candidate) -> str:
    if c.status == "seed":
        return "a seed"
    if c.operator == "new":
        return f"new idea, shown {list(c.parents)}" if c.parents else "new idea"
    return f"{c.operator} of {list(c.parents)}" if c.parents else c.operator


def describe_failure(c: Candidate) -> str:
    return f'- candidate {c.id} ({origin(c)}), idea "{c.idea}": {c.category}: {c.reason}'


def describe_leaders(leaders: Sequence[Candidate]) -> str:
    """One line per candidate: what a new idea must differ from, and the score to beat."""
    if not leaders:
        return ""
    lines = ["Best heuristics so far (lower fitness is better):"]
    for c in leaders:
        s = c.score
        assert s is not None
        lines.append(
            f"- candidate {c.id} ({origin(c)}): fitness {s.fitness:.4f}, gap {s.gap:.4f} % "
            f"[{s.ci[0]:.4f}, {s.ci[1]:.4f}], {s.cpu_ms:.3g} ms CPU; {c.idea}"
        )
    return "\n".join(lines)


def build(
    operator: Operator,
    parents: Sequence[Candidate],
    failures: Sequence[Candidate],
    *,
    budget_s: float,
    time_weight: float,
    training: str,
    max_chars: int,
    max_code_chars: int = 5000,
    leaders: Sequence[Candidate] = (),
) -> str:
    """The prompt text, shortened until it fits ``max_chars`` (or as short as it gets)."""
    instruction = operator.instruction()
    plans = [  # (tables for all parents, code for all parents, failures shown)
        (True, True, len(failures)),
        (False, True, len(failures)),
        (False, False, len(failures)),
        (False, False, min(2, len(failures))),
        (False, False, 0),
    ]
    text = ""
    for tables, codes, shown in plans:
        blocks = [
            describe_parent(LETTERS[k], c, budget_s, table=tables or k == 0, code=codes or k == 0)
            for k, c in enumerate(parents)
        ]
        recent = failures[len(failures) - shown :] if shown else []
        failure_text = (
            "Recently rejected candidates (learn from the reasons; do not repeat these mistakes):\n"
            + "\n".join(describe_failure(c) for c in recent)
            if recent
            else "No recent candidate was rejected."
        )
        text = render(
            "smtt_discover",
            budget=milliseconds(budget_s),
            training=training,
            time_weight=f"{time_weight:g}",
            max_code=f"{max_code_chars:,}",
            leaders=describe_leaders(leaders),
            parents="\n\n".join(blocks),
            failures=failure_text,
            instruction=instruction,
        ).text
        if len(text) <= max_chars:
            break
    return text
