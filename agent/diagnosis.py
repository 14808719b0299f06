"""Explanations the repair prompts need: conflicting constraints, implausible values, cross-path checks."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from optagent.errors import OptagentError
from optagent.formulations import Formulation, validate
from optagent.formulations.check import check_solution
from optagent.formulations.conflict import find_conflict
from optagent.formulations.evaluate import key_str, norm
from optagent.formulations.prepare import prepare

_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.*)\])?\s*$")
_NUMERIC = re.compile(r"^[-+]?\d+(\.\d*)?$")


def conflicting_constraints(formulation: Formulation, solver: str, time_limit: float = 5.0) -> list[str]:
    """Rows (``name[index]``) that cannot all hold together: ``optagent.formulations.conflict``."""
    try:
        conflict = find_conflict(formulation, solver=solver, time_limit=time_limit)
    except OptagentError:
        return []
    return conflict.labels() if conflict else []


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
    return text + (
        " If the problem as stated really admits no solution, answer with the same formulation unchanged: "
        "it is then reported as infeasible."
    )


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


def _index(inside: str) -> str:
    """``'a', 1`` / ``(1, 2)`` / ``1.0`` -> the IR key string ``a,1`` / ``1,2`` / ``1``."""
    parts = [p.strip().strip("'\"") for p in inside.strip().strip("()").split(",") if p.strip()]
    return ",".join(str(norm(float(p))) if _NUMERIC.match(p) else p for p in parts)


def _families(variables: dict[str, float]) -> dict[str, dict[str, float]]:
    """Program output keys grouped by name: ``x[a, 1]`` -> {"x": {"a,1": v}}; scalars under ""."""
    families: dict[str, dict[str, float]] = {}
    for key, value in variables.items():
        match = _KEY.match(str(key))
        if match:
            name, inside = match.groups()
            families.setdefault(name, {})["" if inside is None else _index(inside)] = value
    return families


def to_ir_values(variables: dict[str, float]) -> dict[str, Any]:
    """Program output keys as IR-shaped values: ``x[a, 1]`` -> {"x": {"a,1": v}}, ``y`` -> {"y": v}."""
    return {
        name: entries[""] if entries.keys() == {""} else entries
        for name, entries in _families(variables).items()
    }


@dataclass
class CrossCheck:
    """The program's values read as the formulation's variables, and what checking them found.

    ``feasible`` is None when the check could not be made (values missing or not mappable)."""

    values: dict[str, Any] = field(default_factory=dict)  # IR values (name -> number or {"i,j": number})
    total: int = 0  # the formulation's variable entries
    unmapped: int = 0  # entries of them the program's output could not be matched to
    extra: list[str] = field(default_factory=list)  # program names that are not the formulation's
    feasible: bool | None = None
    detail: str = ""

    @property
    def mapped(self) -> bool:
        return self.total > 0 and self.unmapped == 0

    def describe(self) -> str:
        if self.total == 0:
            return f"{self.detail or 'nothing to check'}: objectives compared only"
        if not self.mapped:
            return (
                f"could not map {self.unmapped} of {self.total} variables of the formulation onto the "
                f"program's output (it names or indexes them differently): objectives compared only"
            )
        if self.feasible:
            return "the program's solution satisfies every constraint of the formulation"
        return "the program's solution violates the formulation:\n" + self.detail


def map_program_values(formulation: Formulation, variables: dict[str, float]) -> CrossCheck:
    """Match program output to the formulation's variables: by name, else by an identical index set."""
    prep = prepare(formulation)
    keys = {
        name: {key_str(k) for k in pv.keys} if pv.bindings else {""} for name, pv in prep.variables.items()
    }
    out = CrossCheck(total=sum(len(k) for k in keys.values()))
    families = _families(variables)
    match = {name: name for name in families if name in keys}
    for name, entries in families.items():
        if name in match:
            continue
        same = [
            v for v in keys if v not in match.values() and keys[v] == set(entries) and entries.keys() != {""}
        ]
        if len(same) == 1:
            match[name] = same[0]
        else:
            out.extra.append(name)
    for program_name, ir_name in match.items():
        entries = families[program_name]
        if keys[ir_name] == {""}:
            out.values[ir_name] = entries.get("", next(iter(entries.values())))
            continue
        known = {k: v for k, v in entries.items() if k in keys[ir_name]}
        out.unmapped += len(entries) - len(known)  # indices the formulation does not have
        out.values[ir_name] = known
    out.unmapped += sum(len(k) for name, k in keys.items() if name not in match.values())
    if out.extra:  # names the program used that are not the formulation's may hold the values still missing
        out.unmapped += sum(len(keys[ir] - set(out.values[ir])) for ir in match.values() if keys[ir] != {""})
    out.unmapped = min(out.unmapped, out.total)
    return out


def check_program_solution(
    formulation: Formulation, variables: dict[str, float], objective: float | None
) -> CrossCheck:
    """Map the program's values onto the formulation and, when all map, plug them into every constraint."""
    if not variables:
        return CrossCheck(detail="the program returned no variable values")
    try:
        check = map_program_values(formulation, variables)
        if not check.mapped:
            return check
        report = check_solution(formulation, check.values, objective=objective, tolerance=1e-6)
    except OptagentError as exc:
        return CrossCheck(detail=f"the values could not be checked: {exc}")
    check.feasible = report.feasible and report.objective_consistent is not False
    check.detail = "" if check.feasible else report.summary()
    return check


def agree(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= tolerance * (1 + abs(b))


def limit_text(seconds: float, objective: float | None, bound: float | None, gap: float | None) -> str:
    """'time limit after S s, best objective v, bound b, gap g' (what is known of each)."""
    parts = [f"time limit after {seconds:g} s"]
    parts.append(f"best objective {objective:.10g}" if objective is not None else "no solution found")
    if bound is not None:
        parts.append(f"bound {bound:.10g}")
    if gap is not None:
        parts.append(f"gap {gap:.3g}")
    return ", ".join(parts)


def within_bounds(
    value: float, best: float | None, bound: float | None, sense: str, tolerance: float
) -> bool:
    """Whether ``value`` lies between a limited solve's best objective and its bound (it may be the optimum
    that solve did not reach). Without a bound: whether it improves on the best."""
    if best is None:
        return True
    slack = tolerance * (1 + abs(best))
    better = value >= best - slack if sense == "maximize" else value <= best + slack
    if bound is None or not math.isfinite(bound):
        return better
    inside = value <= bound + slack if sense == "maximize" else value >= bound - slack
    return better and inside
