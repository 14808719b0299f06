"""Explanations the repair prompts need: conflicting constraints, implausible values, cross-path checks."""

from __future__ import annotations

import math
import re
from typing import Any

from optagent.errors import OptagentError
from optagent.formulations import Formulation, validate
from optagent.formulations.check import check_solution
from optagent.formulations.conflict import find_conflict

_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.*)\])?\s*$")


def infeasible_feedback(formulation: Formulation, solver: str) -> str:
    """The conflicting rows (``optagent.formulations.conflict``, the same function chat and the CLI use)."""
    try:
        conflict = find_conflict(formulation, solver=solver, time_limit=5.0)
    except OptagentError:
        conflict = None
    text = "The formulation is infeasible: no values satisfy all constraints."
    if conflict and conflict.rows:
        text += (
            f" These constraint rows cannot all hold together: {conflict.summary()}. Check their direction "
            "(<= vs >=), right-hand sides and units against the problem."
        )
    else:
        text += " No conflicting set of constraints was isolated; check bounds, data values and units."
    return text


def unbounded_feedback(formulation: Formulation) -> str:
    sense = formulation.objective.sense.value
    return (
        f"The formulation is unbounded: the objective can {'grow' if sense == 'maximize' else 'fall'} "
        "without limit. A limiting constraint or bound from the problem is missing, or the objective "
        f"sense ({sense}) is wrong."
    )


def fractional_counts(formulation: Formulation, values: dict[str, Any]) -> list[str]:
    """Continuous variables the validator flags as counts that take fractional values."""
    report = validate(formulation)
    flagged = {i.location.split("'")[1] for i in report.warnings if i.code == "integral-quantity-continuous"}
    hits = []
    for name in sorted(flagged):
        entry = values.get(name)
        items = entry.items() if isinstance(entry, dict) else [("", entry)]
        for index, value in items:
            if isinstance(value, (int, float)) and abs(value - round(value)) > 1e-6:
                hits.append(f"{name}[{index}] = {value:g}" if index else f"{name} = {value:g}")
                break
    return hits


def to_ir_values(variables: dict[str, float]) -> dict[str, Any]:
    """Program output keys like ``x[a, 1]`` or ``x`` as IR values {"x": {"a,1": v}}."""
    values: dict[str, Any] = {}
    for key, value in variables.items():
        match = _KEY.match(str(key))
        if not match:
            continue
        name, inside = match.groups()
        if inside is None:
            values[name] = value
            continue
        index = ",".join(part.strip().strip("'\"") for part in inside.split(","))
        entry = values.setdefault(name, {})
        if isinstance(entry, dict):
            entry[index] = value
    return values


def check_program_solution(
    formulation: Formulation, variables: dict[str, float], objective: float | None
) -> str:
    """'' when the program's values satisfy the formulation, else what they violate (for the LLM)."""
    if not variables:
        return "the program returned no variable values, so they could not be checked"
    try:
        report = check_solution(formulation, to_ir_values(variables), objective=objective, tolerance=1e-6)
    except OptagentError as exc:
        return f"the values could not be checked: {exc}"
    if report.unknown and len(report.unknown) >= len(variables):
        return "the program's variable names do not match the formulation's, so they could not be checked"
    if report.feasible and report.objective_consistent is not False:
        return ""
    return report.summary()


def agree(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= tolerance * (1 + abs(b))
