"""Gap against time per instance, like for like: discovered heuristics beside the classic rules and the
iterated local search, all run through the same driver, sandbox and CPU-time budget, and the Pareto front
of those points (no other point is both faster and closer to the optimum). The compiled built-in rules (the
seed paper's among them) are shown for reference, outside the front: compiled code is not timed like for like
with interpreted candidates.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optagent.benchmarks.smtt import evaluate as ev
from optagent.benchmarks.smtt.discovery.evaluator import Evaluator
from optagent.benchmarks.smtt.discovery.fitness import Bootstrap, Score, score
from optagent.benchmarks.smtt.discovery.prompts import milliseconds
from optagent.benchmarks.smtt.discovery.template import SEEDS
from optagent.benchmarks.smtt.instances import Instance
from optagent.sandbox import Executor


@dataclass(frozen=True)
class Program:
    label: str
    kind: str  # "discovered" or "baseline"
    code: str

    @property
    def uses_budget(self) -> bool:
        """Whether it has an improvement step (a pure rule is measured at one budget only)."""
        try:
            tree = ast.parse(self.code)
        except SyntaxError:
            return True
        return any(isinstance(n, ast.FunctionDef) and n.name == "improve" for n in tree.body)


def baselines() -> list[Program]:
    return [Program(seed.name, "baseline", seed.code) for seed in SEEDS]


BUILT_IN = ("eddc", "mddc", "aug-mdd", "aug-mddc", "mddc+ls")
COMPILED = "built-in, compiled"


@dataclass(frozen=True)
class Point:
    label: str
    kind: str  # discovered, baseline (both sandboxed under the budget) or COMPILED (reference only)
    budget_s: float  # 0 for the compiled rules (no budget)
    gap: float | None = None  # ratio-of-sums gap %, mean over sizes
    ci: tuple[float, float] | None = None
    mean_gap: float | None = None  # mean over instances with a positive optimum (the seed paper's metric)
    optimal: int = 0
    instances: int = 0
    cpu_ms: float | None = None
    wall_ms: float | None = None
    front: bool = False
    failure: str = ""
    summary: dict[str, Any] | None = (
        None  # ``evaluate.summarise`` of the run, as the reproduction table has it
    )


def mark_front(points: Sequence[Point]) -> list[Point]:
    """Flag the sandboxed points no other sandboxed point dominates in (CPU ms per instance, gap)."""
    ok = [p for p in points if p.gap is not None and p.cpu_ms is not None and p.kind != COMPILED]

    def dominated(p: Point) -> bool:
        return any(
            q.cpu_ms <= p.cpu_ms and q.gap <= p.gap and (q.cpu_ms < p.cpu_ms or q.gap < p.gap)  # type: ignore[operator]
            for q in ok
        )

    return [Point(**{**asdict(p), "front": p in ok and not dominated(p)}) for p in points]


def measure(
    programs: Sequence[Program],
    instances: Sequence[Instance],
    executor: Executor,
    budgets: Sequence[float],
    *,
    set_name: str,
    parallel: int = 2,
    on_point: Callable[[Point], None] | None = None,
) -> list[Point]:
    """Every program at every budget (a pure rule at the first budget only) on ``instances``."""
    points = []
    for index, budget in enumerate(sorted(budgets)):
        evaluator = Evaluator(instances, executor, budget_s=budget, time_weight=0.0, parallel=parallel)
        for program in programs:
            if index and not program.uses_budget:
                continue
            label = f"{program.label} @ {milliseconds(budget)}"
            result = evaluator.evaluate(program.code)
            if not result.ok or result.score is None:
                point = Point(
                    program.label, program.kind, budget, failure=f"{result.category}: {result.reason}"
                )
            else:
                summary = ev.summarise(label, set_name, list(zip(instances, result.values, result.cpu)))
                point = _point(program.label, program.kind, budget, result.score, summary)
            points.append(point)
            if on_point is not None:
                on_point(point)
    return mark_front(points)


def built_in(names: Sequence[str], instances: Sequence[Instance], set_name: str) -> list[Point]:
    """The compiled built-in rules on the host (thread CPU time, no sandbox, no budget), for reference."""
    bootstrap = Bootstrap(instances)
    points = []
    for name in names:
        results = ev.run(name, ev.named(name), list(instances))
        values, cpu = [v for _, v, _ in results], [c for _, _, c in results]
        s = score(instances, values, cpu, cpu, budget_s=1.0, time_weight=0.0, bootstrap=bootstrap)
        points.append(_point(name, COMPILED, 0.0, s, ev.summarise(name, set_name, results)))
    return points


def _point(label: str, kind: str, budget_s: float, s: Score, summary: dict[str, Any]) -> Point:
    return Point(
        label,
        kind,
        budget_s,
        gap=s.gap,
        ci=s.ci,
        mean_gap=summary["overall"]["mean_gap_pct"],
        optimal=s.optimal,
        instances=s.instances,
        cpu_ms=s.cpu_ms,
        wall_ms=None if kind == COMPILED else s.wall_ms,
        summary=summary,
    )


def markdown(points: Sequence[Point], set_label: str) -> str:
    lines = [
        f"Gap against CPU time per instance on {set_label}; every heuristic ran through the same driver and "
        "sandbox under the stated CPU budget per instance. Front: no other such point is both faster and "
        f"closer. Rows '{COMPILED}' are optagent's compiled rules, timed on the host, for reference only.",
        "",
        "| heuristic | kind | budget | gap % (ratio of sums) [95 % CI] | mean gap % (opt > 0) | optimal | "
        "CPU ms / instance | wall ms / instance | front |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in sorted(points, key=lambda p: (p.gap is None, p.gap or 0.0, p.cpu_ms or 0.0)):
        if p.failure:
            lines.append(
                f"| {p.label} | {p.kind} | {milliseconds(p.budget_s)} | failed: {p.failure[:80]} | | | | | |"
            )
            continue
        ci = f" [{p.ci[0]:.3f}, {p.ci[1]:.3f}]" if p.ci else ""
        mean = "n/a" if p.mean_gap is None else f"{p.mean_gap:.3f}"
        budget = milliseconds(p.budget_s) if p.budget_s else "–"
        wall = "–" if p.wall_ms is None else f"{p.wall_ms:.3g}"
        lines.append(
            f"| {p.label} | {p.kind} | {budget} | {p.gap:.3f}{ci} | {mean} | "
            f"{p.optimal}/{p.instances} | {p.cpu_ms:.3g} | {wall} | {'yes' if p.front else ''} |"
        )
    return "\n".join(lines) + "\n"
