"""Check a candidate solution from any source against a formulation: violations and objective consistency."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from optagent.errors import FormulationInvalid, InputError
from optagent.formulations.evaluate import Backend, Builder, EvalError, Table, key_str
from optagent.formulations.instantiate import Row, constraint_rows, var_bounds
from optagent.formulations.issues import Report
from optagent.formulations.model import Formulation, VarType
from optagent.formulations.prepare import Prepared, prepare


class ConstraintCheck(BaseModel):
    name: str
    rows: int
    max_violation: float
    worst_index: str | None = None
    satisfied: bool


class CheckReport(BaseModel):
    """How well ``values`` satisfy the formulation (violations are absolute; tolerance scales with |rhs|)."""

    feasible: bool
    tolerance: float
    max_violation: float
    constraints: list[ConstraintCheck] = Field(default_factory=list)
    bound_violations: list[str] = Field(default_factory=list)
    integrality_violations: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="Variables without a value (taken as 0).")
    unknown: list[str] = Field(default_factory=list, description="Values for names/indices not in the model.")
    objective: float | None = None
    claimed_objective: float | None = None
    objective_consistent: bool | None = None
    errors: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"feasible: {self.feasible} "
            f"(max violation {self.max_violation:.3g}, tolerance {self.tolerance:g})"
        ]
        lines += [
            f"  constraint '{c.name}': max violation {c.max_violation:.3g} at [{c.worst_index}]"
            for c in self.constraints
            if not c.satisfied
        ]
        lines += [f"  bound: {b}" for b in self.bound_violations]
        lines += [f"  integrality: {b}" for b in self.integrality_violations]
        if self.missing:
            lines.append(f"  missing values (taken as 0): {', '.join(self.missing[:10])}")
        if self.unknown:
            lines.append(f"  values for unknown names/indices: {', '.join(self.unknown[:10])}")
        if self.objective is not None:
            lines.append(f"objective recomputed: {self.objective:.10g}")
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


def _tables(prep: Prepared, values: dict[str, Any], report: CheckReport) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    known = set(prep.variables)
    report.unknown += [n for n in values if n not in known]
    for name, pv in prep.variables.items():
        given = values.get(name)
        if not pv.bindings:
            if isinstance(given, (int, float)):
                tables[name] = float(given)
            else:
                report.missing.append(name)
                tables[name] = 0.0
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
            if s in by_str and by_str[s] is not None:
                entries[key] = float(by_str.pop(s))
            else:
                report.missing.append(f"{name}[{s}]")
                entries[key] = 0.0
        report.unknown += [f"{name}[{s}]" for s in by_str]
        tables[name] = Table(name, entries)
    return tables


def check_solution(
    formulation: Formulation | Prepared,
    values: dict[str, Any],
    *,
    objective: float | None = None,
    tolerance: float = 1e-6,
) -> CheckReport:
    """Plug ``values`` (name -> number or {"i,j": number}) into every constraint, bound and the objective."""
    prep = formulation if isinstance(formulation, Prepared) else prepare(formulation)
    if not prep.report.ok:
        raise FormulationInvalid(prep.report)
    report = CheckReport(feasible=True, tolerance=tolerance, max_violation=0.0, claimed_objective=objective)
    tables = _tables(prep, values, report)
    backend = Backend(variables=tables)
    issues = Report()
    for pc in prep.constraints:
        worst, where, count, ok = 0.0, None, 0, True
        for row in constraint_rows(prep, pc, backend, issues, numeric=True):
            count += 1
            v = _violation(row)
            if v > worst:
                worst, where = v, key_str(row.key)
            if v > tolerance * _scale(row):
                ok = False
        report.constraints.append(
            ConstraintCheck(name=pc.name, rows=count, max_violation=worst, worst_index=where, satisfied=ok)
        )
        report.max_violation = max(report.max_violation, worst)
        report.feasible &= ok
    for name, bounds in var_bounds(prep, issues).items():
        pv = prep.variables[name]
        for key, (lo, up) in zip(pv.keys, bounds):
            table = tables[name]
            value = table if not pv.bindings else table.entries[key]
            label = f"{name}[{key_str(key)}]" if pv.bindings else name
            if lo is not None and value < lo - tolerance * max(1.0, abs(lo)):
                report.bound_violations.append(f"{label} = {value:g} < lower bound {lo:g}")
            if up is not None and value > up + tolerance * max(1.0, abs(up)):
                report.bound_violations.append(f"{label} = {value:g} > upper bound {up:g}")
            if pv.type != VarType.continuous and abs(value - round(value)) > max(tolerance, 1e-5):
                report.integrality_violations.append(f"{label} = {value:g} is not integral")
    report.feasible &= not report.bound_violations and not report.integrality_violations
    report.errors += [i.format() for i in issues.errors]
    report.feasible &= not report.errors
    if prep.objective is not None:
        try:
            report.objective = float(Builder(prep.sets, prep.params, backend).build(prep.objective)({}))
        except EvalError as exc:
            report.errors.append(f"objective: {exc.message}")
    if objective is not None and report.objective is not None:
        report.objective_consistent = abs(objective - report.objective) <= tolerance * (
            1 + abs(report.objective)
        )
    return report
