"""Scoring rules: the strict one every dataset gets, and the rules papers published. No repair in the grader.

Infeasible and unbounded form a class of their own: a label without a solution is matched by a prediction
whose status says there is none, never by a failed run (except under ORThought's own rule, which counts any
missing prediction as matching a null label, as its scorer does).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from optagent.benchmarks.problem import Expected, parse_number
from optagent.errors import InputError

NO_SOLUTION = {"infeasible", "unbounded", "infeasible_or_unbounded"}


@dataclass(frozen=True)
class Prediction:
    objective: float | None
    status: str  # solution status of the answer: optimal, feasible, infeasible, ..., or "none" (no answer)
    quantities: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    check: Callable[[Expected, Prediction], bool | None]  # None: the rule does not apply to this pair


def _number(value: object) -> float | None:
    number = parse_number(value)
    return number if number is not None and math.isfinite(number) else None


def _classed(close: Callable[[float, float], bool]) -> Callable[[Expected, Prediction], bool | None]:
    def check(expected: Expected, predicted: Prediction) -> bool | None:
        if expected.infeasible:
            return predicted.status in NO_SOLUTION
        if expected.objective is None:
            return False  # an unreadable label matches nothing
        value = _number(predicted.objective)
        return value is not None and predicted.status not in NO_SOLUTION and close(value, expected.objective)

    return check


def _orthought(expected: Expected, predicted: Prediction) -> bool | None:
    value = _number(predicted.objective)
    if expected.infeasible:
        return value is None  # ORThought's scorer: a None prediction matches a null label
    return value is not None and expected.objective is not None and abs(value - expected.objective) <= 0.01


def _relative(tol: float) -> Callable[[float, float], bool]:
    return lambda p, g: abs(p - g) / abs(g) < tol if g != 0 else abs(p) < tol


def _rounded_5pct(p: float, g: float) -> bool:
    p, g = round(p, 2), round(g, 2)
    return abs(p - g) <= 0.05 * abs(g) if g != 0 else abs(p) <= 0.05


def _all_keys(expected: Expected, predicted: Prediction) -> bool | None:
    if not expected.quantities:
        return None
    if not predicted.quantities:
        return None  # the prediction answers the objective only: the rule cannot be applied
    return all(
        (v := _number(predicted.quantities.get(k))) is not None and abs(v - g) <= 1e-4
        for k, g in expected.quantities.items()
    )


RULES: dict[str, Rule] = {
    "strict": Rule(
        "strict",
        "|pred - gt| / (|gt| + 1) < 1e-6 (SIRL/OptiMind)",
        _classed(lambda p, g: abs(p - g) / (abs(g) + 1) < 1e-6),
    ),
    "orthought-abs-0.01": Rule(
        "orthought-abs-0.01", "|pred - gt| <= 0.01; None matches a null label (ORThought)", _orthought
    ),
    "rel-1e-6": Rule(
        "rel-1e-6", "|pred - gt| / |gt| < 1e-6 (SIRL, OptMATH paper)", _classed(_relative(1e-6))
    ),
    "rel-5pct": Rule(
        "rel-5pct", "|pred - gt| / |gt| < 5% (OptMATH evaluation tool)", _classed(_relative(0.05))
    ),
    "rel-5pct-rounded": Rule(
        "rel-5pct-rounded",
        "both rounded to 2 decimals, within 5% (ORLM/LLMOPT style)",
        _classed(_rounded_5pct),
    ),
    "optibench-all-keys": Rule(
        "optibench-all-keys", "every requested quantity within 1e-4 absolute (ReSocratic)", _all_keys
    ),
}


def custom_rule(tolerance: float, kind: str = "relative") -> Rule:
    """A rule for re-scoring at another tolerance: relative (|p-g|/(|g|+1)) or absolute."""
    if not tolerance > 0:
        raise InputError(f"tolerance {tolerance} must be positive", hint="e.g. --tolerance 1e-4")
    if kind == "absolute":
        return Rule(
            f"abs-{tolerance:g}",
            f"|pred - gt| <= {tolerance:g}",
            _classed(lambda p, g: abs(p - g) <= tolerance),
        )
    return Rule(
        f"rel-{tolerance:g}",
        f"|pred - gt| / (|gt| + 1) < {tolerance:g}",
        _classed(lambda p, g: abs(p - g) / (abs(g) + 1) < tolerance),
    )


def rules_for(published: tuple[str, ...], extra: list[Rule] | None = None) -> list[Rule]:
    return [RULES["strict"], *(RULES[name] for name in published), *(extra or [])]


def score(expected: Expected, predicted: Prediction, rules: list[Rule]) -> dict[str, bool | None]:
    return {rule.name: rule.check(expected, predicted) for rule in rules}
