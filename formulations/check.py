"""Check a candidate solution from any source against a formulation: violations and objective consistency."""

from __future__ import annotations

import difflib
import math
import numbers
from typing import Any

from pydantic import BaseModel, Field

from optagent.errors import FormulationInvalid, InputError
from optagent.formulations import limits as L
from optagent.formulations.evaluate import Backend, Builder, EvalError, Table, key_str
from optagent.formulations.instantiate import Row, constraint_rows, var_bounds
from optagent.formulations.issues import Report
from optagent.formulations.model import Formulation, VarType
from optagent.formulations.prepare import Prepared, prepare
from optagent.formulations.validate import PROBE_FUNCS, PROBE_VALUE

MISSING = PROBE_VALUE  # stands in for a value that was not given: every row it reaches stays unchecked


class ConstraintCheck(BaseModel):
    name: str
    rows: int
    max_violation: float
    worst_index: str | None = None
    satisfied: bool | None = Field(description="None when no row is violated but some could not be checked.")
    unchecked: int = Field(0, description="Rows not checked because a value they need is missing.")


class CheckReport(BaseModel):
    """How well ``values`` satisfy the formulation (violations are absolute; tolerance scales with |rhs|).

    ``feasible`` is True only when every row, bound and integrality condition was checked and holds; it is
    None when nothing checked is violated but values are missing, and False when anything is violated.
    """

    feasible: bool | None
    tolerance: float
    max_violation: float
    constraints: list[ConstraintCheck] = Field(default_factory=list)
    bound_violations: list[str] = Field(default_factory=list)
    integrality_violations: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="Variables without a value (not checked).")
    unknown: list[str] = Field(default_factory=list, description="Values for names/indices not in the model.")
    objective: float | None = None
    claimed_objective: float | None = None
    objective_consistent: bool | None = None
    errors: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        verdict = "not determined: values are missing" if self.feasible is None else str(self.feasible)
        lines = [
            f"feasible: {verdict} (max violation {self.max_violation:.3g}, tolerance {self.tolerance:g})"
        ]
        lines += [
            f"  constraint '{c.name}': max violation {c.max_violation:.3g} at [{c.worst_index}]"
            for c in self.constraints
            if c.satisfied is False
        ]
        lines += [f"  bound: {b}" for b in self.bound_violations]
        lines += [f"  integrality: {b}" for b in self.integrality_violations]
        if self.missing:
            more = f" and {len(self.missing) - 10} more" if len(self.missing) > 10 else ""
            lines.append(f"  missing values: {', '.join(self.missing[:10])}{more}")
            unchecked = sum(c.unchecked for c in self.constraints)
            if unchecked:
                lines.append(f"  rows not checked for want of values: {unchecked}")
        if self.unknown:
            lines.append(f"  values for unknown names/indices: {', '.join(self.unknown[:10])}")
        if self.objective is not None:
            lines.append(f"objective recomputed: {self.objective:.10g}")
        elif self.missing:
            lines.append("objective not recomputed: it needs missing values")
        if self.claimed_objective is not None:
            lines.append(
                f"objective claimed: {self.claimed_objective:.10g} (consistent: {self.objective_consistent})"
            )
        lines += [f"error: {e}" for e in self.errors]
        return "\n".join(lines)


def _violation(row: Row) -> float:
    if row.op == "<=":
        return max(0.0, row.lhs - row.rhs)
    if row.op == ">=":
        return max(0.0, row.rhs - row.lhs)
    if row.op == "==":
        return abs(row.lhs - row.rhs)
    return max(0.0, row.lhs - row.body, row.body - row.rhs)


def _scale(row: Row) -> float:
    ref = row.rhs if row.op != "range" else max(abs(row.lhs), abs(row.rhs))
    return max(1.0, abs(ref))


def _number(value: Any, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise InputError(
            f"the value of {label} is {value!r}, not a finite number", hint="give every value as a number"
        )
    return float(value)


def _tables(
    prep: Prepared, values: dict[str, Any], report: CheckReport, strict_names: bool
) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    known = list(prep.variables)
    unknown = [n for n in values if n not in prep.variables]
    if unknown and strict_names:
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(str(name), known, n=1)
            lines.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise InputError(
            f"the formulation has no variable {', '.join(lines)}",
            hint=f"its variables are {', '.join(known)}",
        )
    report.unknown += unknown
    for name, pv in prep.variables.items():
        given = values.get(name)
        if not pv.bindings:
            if given is None:
                report.missing.append(name)
                tables[name] = MISSING
            else:
                tables[name] = _number(given, name)
            continue
        by_str = {}
        if isinstance(given, dict):
            for k, v in given.items():
                by_str[k if isinstance(k, str) else key_str(k if isinstance(k, tuple) else (k,))] = v
        elif given is not None:
            raise InputError(f"values for '{name}' must map indices to numbers, got {type(given).__name__}")
        entries = {}
        for key in pv.keys:
            s = key_str(key)
            raw = by_str.pop(s, None)
            if raw is None:
                report.missing.append(f"{name}[{s}]")
                entries[key] = MISSING
            else:
                entries[key] = _number(raw, f"{name}[{s}]")
        report.unknown += [f"{name}[{s}]" for s in by_str]
        tables[name] = Table(name, entries)
    return tables


def check_solution(
    formulation: Formulation | Prepared,
    values: dict[str, Any],
    *,
    objective: float | None = None,
    tolerance: float = 1e-6,
    strict_names: bool = False,
) -> CheckReport:
    """Plug ``values`` (name -> number or {"i,j": number}) into every constraint, bound and the objective.

    Missing values are reported as missing and leave the rows that need them unchecked (never taken as 0).
    ``strict_names`` refuses values for variables the formulation does not have (with "did you mean").
    """
    prep = formulation if isinstance(formulation, Prepared) else prepare(formulation)
    if not prep.report.ok:
        raise FormulationInvalid(prep.report)
    report = CheckReport(feasible=True, tolerance=tolerance, max_violation=0.0, claimed_objective=objective)
    tables = _tables(prep, values, report, strict_names)
    backend = Backend(variables=tables, funcs=PROBE_FUNCS)
    budget = L.Budget()  # a check is its own operation, however long ago the formulation was prepared
    issues = Report()
    violated = unchecked_any = False
    for pc in prep.constraints:
        worst, where, count, unchecked, ok = 0.0, None, 0, 0, True
        for row in constraint_rows(prep, pc, backend, issues, numeric=True, budget=budget):
            count += 1
            if MISSING in (row.lhs, row.rhs, row.body):
                unchecked += 1
                continue
            v = _violation(row)
            if v > worst:
                worst, where = v, key_str(row.key)
            if v > tolerance * _scale(row):
                ok = False
        satisfied = ok if (not ok or not unchecked) else None
        report.constraints.append(
            ConstraintCheck(
                name=pc.name,
                rows=count,
                max_violation=worst,
                worst_index=where,
                satisfied=satisfied,
                unchecked=unchecked,
            )
        )
        report.max_violation = max(report.max_violation, worst)
        violated |= not ok
        unchecked_any |= unchecked > 0
    for name, bounds in var_bounds(prep, issues, budget).items():
        pv = prep.variables[name]
        for key, (lo, up) in zip(pv.keys, bounds):
            table = tables[name]
            value = table if not pv.bindings else table.entries[key]
            if value is MISSING:
                continue
            label = f"{name}[{key_str(key)}]" if pv.bindings else name
            if lo is not None and value < lo - tolerance * max(1.0, abs(lo)):
                report.bound_violations.append(f"{label} = {value:g} < lower bound {lo:g}")
            if up is not None and value > up + tolerance * max(1.0, abs(up)):
                report.bound_violations.append(f"{label} = {value:g} > upper bound {up:g}")
            if pv.type != VarType.continuous and abs(value - round(value)) > max(tolerance, 1e-5):
                report.integrality_violations.append(f"{label} = {value:g} is not integral")
    report.errors += [i.format() for i in issues.errors]
    violated |= bool(report.bound_violations or report.integrality_violations or report.errors)
    report.feasible = False if violated else (None if unchecked_any or report.missing else True)
    if prep.objective is not None:
        try:
            value = Builder(prep.sets, prep.params, backend, budget).build(prep.objective)({})
            report.objective = None if value is MISSING else float(value)
        except EvalError as exc:
            report.errors.append(f"objective: {exc.message}")
    if objective is not None and report.objective is not None:
        report.objective_consistent = abs(objective - report.objective) <= tolerance * (
            1 + abs(report.objective)
        )
    return report
