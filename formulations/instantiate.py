"""Expand a prepared model into concrete rows (one per constraint index) for any backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from optagent.formulations import issues as I
from optagent.formulations import limits as L
from optagent.formulations.evaluate import Backend, Builder, EvalError, is_number
from optagent.formulations.expand import domain
from optagent.formulations.prepare import Prepared, PreparedConstraint, references

_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": lambda a, b: a <= b + 1e-9 * max(1.0, abs(b)),
    ">=": lambda a, b: a >= b - 1e-9 * max(1.0, abs(b)),
    "==": lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(b)),
}


@dataclass
class Row:
    """One concrete constraint: ``lhs op rhs``, or ``lhs <= body <= rhs`` when ``op == "range"``."""

    key: tuple
    env: dict[str, Any]
    lhs: Any
    op: str
    rhs: Any
    body: Any = None


def where_text(env: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in env.items())


def usable(prep: Prepared, names: set[str]) -> bool:
    """True when every symbol is resolved data, an enumerated variable, or not a declared symbol at all."""
    f = prep.formulation
    declared_data = {s.name for s in f.sets} | {p.name for p in f.parameters}
    for name in names:
        if name in prep.ambiguous:
            return False
        if name in prep.variables and not prep.variables[name].ready:
            return False
        if name in declared_data and name not in prep.sets and name not in prep.params:
            return False
    return True


def constraint_rows(
    prep: Prepared,
    pc: PreparedConstraint,
    backend: Backend,
    report: I.Report,
    *,
    numeric: bool = False,
    budget: L.Budget | None = None,
) -> Iterator[Row]:
    """Rows of one constraint; the first evaluation problem is reported and ends the constraint.

    Rows that reduce to numbers are checked and dropped, unless ``numeric`` (values plugged in for a
    solution check), where every row is yielded. Work is charged to ``budget`` (default: the Prepared's).
    """
    nodes = [pc.lhs, pc.rhs] + ([pc.body] if pc.body is not None else [])
    refs = set().union(*(references(n) for n in nodes), *(s for _, s in pc.bindings))
    if pc.where is not None:
        refs |= references(pc.where)
    if not pc.checked or not usable(prep, refs):
        return
    budget = budget if budget is not None else prep.budget
    builder = Builder(prep.sets, prep.params, backend, budget)
    lhs, rhs = builder.build(pc.lhs), builder.build(pc.rhs)
    body = builder.build(pc.body) if pc.body is not None else None
    cond = builder.condition(pc.where) if pc.where is not None else None
    loc = f"constraint '{pc.name}'"
    for key, env in domain(pc.bindings, prep.sets, budget):
        try:
            if cond is not None and not cond(env):
                continue
            row = Row(key, env, lhs(env), pc.op, rhs(env), body(env) if body is not None else None)
        except EvalError as exc:
            at = f" (at {where_text(env)})" if env else ""
            report.add(exc.code, loc, exc.message + at, exc.hint)
            return
        parts = [row.lhs, row.rhs] + ([row.body] if body is not None else [])
        if not numeric and all(is_number(p) for p in parts):
            if not holds(row):
                at = f" at {where_text(env)}" if env else ""
                report.add(
                    I.CONSTANT,
                    loc,
                    f"reduces to a false statement on data alone{at} ({_show(row)}): the model is infeasible",
                    "check the data or the relation's direction",
                )
            continue
        yield row


def holds(row: Row) -> bool:
    if row.op == "range":
        return _RELATIONS["<="](row.lhs, row.body) and _RELATIONS["<="](row.body, row.rhs)
    return _RELATIONS[row.op](row.lhs, row.rhs)


def _show(row: Row) -> str:
    if row.op == "range":
        return f"{row.lhs} <= {row.body} <= {row.rhs}"
    return f"{row.lhs} {row.op} {row.rhs}"


def var_bounds(
    prep: Prepared, report: I.Report, budget: L.Budget | None = None
) -> dict[str, list[tuple[Any, Any]]]:
    """Numeric (lower, upper) per variable index, in the order of ``PreparedVar.keys``."""
    builder = Builder(prep.sets, prep.params, Backend(), budget if budget is not None else prep.budget)
    out: dict[str, list[tuple[Any, Any]]] = {}
    for name, pv in prep.variables.items():
        if not pv.ready:
            continue
        if pv.type.value == "binary":
            lo_raw, up_raw = (
                (pv.lower if pv.lower is not None else 0),
                (pv.upper if pv.upper is not None else 1),
            )
        else:
            lo_raw, up_raw = pv.lower, pv.upper
        fns = [builder.build(b) if not (b is None or is_number(b)) else None for b in (lo_raw, up_raw)]
        if fns == [None, None]:
            out[name] = [(lo_raw, up_raw)] * len(pv.keys)
            continue
        values = []
        for env in pv.envs:
            try:
                lo = fns[0](env) if fns[0] else lo_raw
                up = fns[1](env) if fns[1] else up_raw
            except EvalError as exc:
                report.add(
                    exc.code, f"variable '{name}' bounds", f"{exc.message} (at {where_text(env)})", exc.hint
                )
                break
            if lo is not None and up is not None and lo > up:
                report.add(
                    I.BOUNDS,
                    f"variable '{name}'",
                    f"lower bound {lo:g} exceeds upper bound {up:g} (at {where_text(env)})",
                    "swap or fix the bounds",
                )
                break
            values.append((lo, up))
        else:
            out[name] = values
    return out
