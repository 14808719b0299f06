"""Sensitivity from a solved direct-HiGHS model: duals, reduced costs, slacks, binding rows, HiGHS ranging.

MILPs are priced on the LP with every integer variable fixed at its optimal value
(``basis="fixed-integer-lp"``). Conventions are documented in :mod:`optagent.formulations.sensitivity`.
"""

from __future__ import annotations

import math
from typing import Any

import highspy
import numpy as np

from optagent.formulations import expr as E
from optagent.formulations.evaluate import Backend, Builder, EvalError, Table, flat_key, key_str
from optagent.formulations.highs_direct import HighsRun, key_strings
from optagent.formulations.lower import Block, Lowered, data_only
from optagent.formulations.sensitivity import ConstraintSensitivity, Sensitivity, VariableSensitivity

BINDING_TOLERANCE = 1e-7
_BASIC = highspy.HighsBasisStatus.kBasic


def sensitivity(run: HighsRun, *, time_limit: float, threads: int) -> tuple[Sensitivity | None, str]:
    """Sensitivity of an optimally solved run, or (None, why not). Re-solves MILPs with integers fixed."""
    lw, h = run.lowered, run.h
    basis = "qp" if len(lw.obj_quad[0]) else "lp"
    if lw.integer.any():
        cols = np.flatnonzero(lw.integer).astype(np.int32)
        fixed = np.round(np.asarray(h.getSolution().col_value)[cols])
        h.changeColsIntegrality(len(cols), cols, np.zeros(len(cols), dtype=np.uint8))
        h.changeColsBounds(len(cols), cols, fixed, fixed)
        run.run(time_limit=time_limit, threads=threads, mip_gap=0.0)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return (
                None,
                "no sensitivity: the LP with the integers fixed at their values did not solve to optimality",
            )
        basis = "fixed-integer-lp" if basis == "lp" else "qp"
    sol = h.getSolution()
    if not sol.dual_valid:
        return None, "no sensitivity: HiGHS returned no dual values"
    ranging = None
    if basis != "qp":
        status, ranging = h.getRanging()
        if status != highspy.HighsStatus.kOk or not ranging.valid:
            ranging = None
    rows = _rows(lw, sol, h.getBasis(), ranging)
    cols = _columns(lw, sol, ranging)
    sense = "maximize" if lw.maximize else "minimize"
    return Sensitivity.model_construct(
        basis=basis, sense=sense, constraints=rows, variables=cols
    ), ""  # trusted


def _end(value: float) -> float | None:
    return None if not math.isfinite(value) or abs(value) >= highspy.kHighsInf else value + 0.0


def _range(lo: float, hi: float, sign: float = 1.0, offset: float = 0.0) -> tuple[float | None, float | None]:
    a, b = sign * lo + offset, sign * hi + offset
    a, b = (a, b) if a <= b else (b, a)
    return _end(a), _end(b)


def _rows(lw: Lowered, sol: Any, basis: Any, ranging: Any) -> list[ConstraintSensitivity]:
    activity, duals = sol.row_value, sol.row_dual
    status = basis.row_status if basis.valid else None
    up = ranging.row_bound_up.value_ if ranging is not None else None
    dn = ranging.row_bound_dn.value_ if ranging is not None else None
    lower, upper = lw.row_lower.tolist(), lw.row_upper.tolist()
    signs, offsets = lw.side_sign.tolist(), lw.side_offset.tolist()
    out = []
    for block in lw.con_blocks:
        terms = _side_terms(lw, block)
        for i in range(block.start, block.stop):
            ax, lo, hi, s, o = activity[i], lower[i], upper[i], signs[i], offsets[i]
            finite_lo, finite_hi = math.isfinite(lo), math.isfinite(hi)
            if finite_lo and finite_hi and lo != hi:
                beta = lo if ax - lo <= hi - ax else hi
                slack = min(hi - ax, ax - lo)
            else:
                beta = lo if finite_lo else hi
                slack = 0.0 if finite_lo and finite_hi else (ax - lo if finite_lo else hi - ax)
            slack = max(slack, 0.0)
            rng = None
            if status is not None and status[i] == _BASIC:
                if not (finite_lo and finite_hi):
                    rng = _range(ax, math.inf if finite_hi else -math.inf, s, o)
            elif up is not None:
                rng = _range(dn[i], up[i], s, o)
            term = terms.get((i, beta == lo)) if terms else None
            out.append(
                ConstraintSensitivity(
                    name=block.name,
                    index=key_str(block.keys[i - block.start]) if block.indexed else "",
                    activity=s * ax + o + 0.0,
                    rhs=s * beta + o + 0.0,
                    dual=s * duals[i] + 0.0,
                    slack=slack,
                    binding=slack <= BINDING_TOLERANCE * max(1.0, abs(beta)),
                    rhs_range=rng,
                    rhs_term=term,
                )
            )
    return out


def _columns(lw: Lowered, sol: Any, ranging: Any) -> list[VariableSensitivity]:
    n = lw.num_cols
    values = (np.asarray(sol.col_value, dtype=float) + 0.0).tolist()
    reduced = (np.asarray(sol.col_dual, dtype=float) + 0.0).tolist()
    if ranging is None:
        ranges: list[Any] = [None] * n
    else:
        dn = np.asarray(ranging.col_cost_dn.value_, dtype=float)[:n]
        up = np.asarray(ranging.col_cost_up.value_, dtype=float)[:n]
        ranges = [None if fixed else r for r, fixed in zip(_ranges(dn, up), lw.integer.tolist())]
    labels = [
        (block.name, index)
        for block in lw.var_blocks
        for index in (key_strings(lw, block.name) if block.indexed else [""])
    ]
    return [
        VariableSensitivity(name, index, value, rc, rng, cost=cost)
        for (name, index), value, cost, rc, rng in zip(
            labels, values, (lw.cost + 0.0).tolist(), reduced, ranges
        )
    ]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> list[tuple[float | None, float | None]]:
    """Intervals with infinite ends (HiGHS's 1e30 and beyond included) as None."""
    a, b = np.minimum(lo, hi) + 0.0, np.maximum(lo, hi) + 0.0
    a_end = np.isfinite(a) & (np.abs(a) < highspy.kHighsInf)
    b_end = np.isfinite(b) & (np.abs(b) < highspy.kHighsInf)
    return [
        (x if xe else None, y if ye else None)
        for x, y, xe, ye in zip(a.tolist(), b.tolist(), a_end.tolist(), b_end.tolist())
    ]


# -- names of the constant side ('available[carpentry]') -----------------------------------------------------
def _side_terms(lw: Lowered, block: Block) -> dict[tuple[int, bool], str]:
    """(row, bound is the lower one) -> the data entry on the constant side, where it is one entry."""
    prep = lw.prep
    pc = next(c for c in prep.constraints if c.name == block.name)
    if pc.op == "range":
        sides = {True: pc.lhs, False: pc.rhs}
    elif data_only(prep, pc.rhs) and not data_only(prep, pc.lhs):
        sides = dict.fromkeys((True, False), pc.rhs)
    elif data_only(prep, pc.lhs) and not data_only(prep, pc.rhs):
        sides = dict.fromkeys((True, False), pc.lhs)
    else:
        return {}
    out: dict[tuple[int, bool], str] = {}
    builder = Builder(prep.sets, prep.params, Backend())
    for is_lower, node in sides.items():
        if (
            isinstance(node, E.Name)
            and node.id in prep.params
            and not isinstance(prep.params[node.id], Table)
        ):
            label = node.id
            out.update({(i, is_lower): label for i in range(block.start, block.stop)})
        elif isinstance(node, E.Index) and isinstance(prep.params.get(node.base), Table):
            args = [_element(builder, prep, a) for a in node.args]
            for i in range(block.start, block.stop):
                env = _env(prep, pc.bindings, block.keys[i - block.start])
                try:
                    out[(i, is_lower)] = f"{node.base}[{key_str(flat_key([a(env) for a in args]))}]"
                except (EvalError, KeyError):
                    continue
    return out


def _element(builder: Builder, prep: Any, node: E.Node) -> Any:
    """A closure giving an index argument's element: bound names and literals as they are (names of
    elements are not numbers), anything else evaluated as data (``t - 1``)."""
    if isinstance(node, E.Name) and node.id not in prep.params:
        name = node.id
        return lambda env: env[name]
    if isinstance(node, E.Const):
        value = node.value
        return lambda env: value
    return builder.build(node)


def _env(prep: Any, bindings: list, key: tuple) -> dict[str, Any]:
    """The index environment of a row from its flat key."""
    env: dict[str, Any] = {}
    pos = 0
    for targets, set_name in bindings:
        dim = prep.sets[set_name].dim
        part = key[pos : pos + dim]
        pos += dim
        if len(targets) == 1:
            env[targets[0]] = part[0] if dim == 1 else tuple(part)
        elif targets:
            env.update(zip(targets, part))
    return env
