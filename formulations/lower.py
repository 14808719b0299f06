"""Lower a prepared formulation to solver arrays: columns, a sparse row matrix, quadratic terms, row bounds.

The result (:class:`Lowered`) is what a matrix solver takes directly (HiGHS through highspy, see
:mod:`optagent.formulations.highs_direct`) and what the convexity check reads. Every column and row keeps its
IR name and index. Each constraint is evaluated over its whole index domain at once where the expressions
allow it (:mod:`optagent.formulations.vectorized`), else row by row with the reference interpreter
(:mod:`optagent.formulations.rowwise`); both give the same rows, and the second reports evaluation errors.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optagent.errors import FormulationInvalid
from optagent.formulations import expr as E
from optagent.formulations.data import domain_text
from optagent.formulations.evaluate import Builder, EvalError, is_number, key_str
from optagent.formulations.instantiate import constraint_rows, var_bounds
from optagent.formulations.model import Sense, VarType
from optagent.formulations.prepare import Prepared, PreparedConstraint, references
from optagent.formulations.rowwise import NotQuadratic, QExpr, quadratic_backend
from optagent.formulations.vectorized import Frame, Terms, Unvectorized, VarLayout, VectorBuilder, as_terms

INF = math.inf


class NotDirect(Exception):
    """The model has terms a matrix solver cannot take (functions or powers of variables beyond degree 2)."""


@dataclass
class Block:
    """Consecutive columns (or rows) that come from one IR variable (or constraint)."""

    name: str
    start: int
    keys: list[tuple]
    indexed: bool = True

    @property
    def stop(self) -> int:
        return self.start + len(self.keys)

    def label(self, pos: int) -> str:
        """``name[i,j]`` of the column or row at absolute position ``pos`` (``name`` for scalars)."""
        key = self.keys[pos - self.start]
        return f"{self.name}[{key_str(key)}]" if self.indexed else self.name


@dataclass
class Lowered:
    """A linear or quadratic model as arrays; rows are ``row_lower <= A x (+ x'Q_r x) <= row_upper``.

    ``side_sign`` and ``side_offset`` give each row's constant side as written in the IR:
    ``constant = side_sign * bound + side_offset`` (``-1`` when the data stands on the left of the relation).
    """

    prep: Prepared
    maximize: bool
    var_blocks: list[Block]
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    cost: np.ndarray
    offset: float
    obj_quad: tuple[np.ndarray, np.ndarray, np.ndarray]  # (col1 <= col2, col2, coefficient of x1 * x2)
    con_blocks: list[Block]
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray]  # CSR: row starts, column indices, values
    row_quad: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # (row, col1 <= col2, col2, coef)
    side_sign: np.ndarray
    side_offset: np.ndarray
    row_wise: list[str] = field(default_factory=list)  # constraints expanded row by row

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)


@dataclass
class _Rows:
    """Rows of one constraint, numbered from 0, before assembly."""

    keys: list[tuple]
    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray
    quad: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    lower: np.ndarray
    upper: np.ndarray
    sign: np.ndarray
    offset: np.ndarray


def lower(prep: Prepared, *, vectorize: bool = True) -> Lowered:
    """Arrays of a valid prepared model. Raises FormulationInvalid (every problem) or NotDirect.

    ``vectorize=False`` expands everything row by row (the reference the vectorised path is tested against).
    """
    report = prep.report
    if not report.ok:
        raise FormulationInvalid(report)
    columns, var_blocks = _columns(prep)
    col_lower, col_upper, integer = _bounds(prep, var_blocks)
    if not report.ok:
        raise FormulationInvalid(report)
    vb = VectorBuilder(prep.sets, prep.params, columns)
    domains = {name: domain_text(pv.bindings) for name, pv in prep.variables.items()}
    qbackend = quadratic_backend(columns, domains)
    ncols = len(col_lower)
    assert prep.objective is not None
    obj = _objective(prep, vb if vectorize else None, qbackend)
    cost = np.bincount(obj.col, weights=obj.coef, minlength=ncols)
    obj_quad = _merge_pairs(obj.qcol1, obj.qcol2, obj.qcoef, ncols)
    blocks: list[Block] = []
    parts: list[_Rows] = []
    row_wise: list[str] = []
    start = 0
    for pc in prep.constraints:
        try:
            if not vectorize:
                raise Unvectorized("row by row on request")
            rows = _vector_rows(pc, vb)
        except Unvectorized:
            row_wise.append(pc.name)
            rows = _rowwise_rows(prep, pc, qbackend)
        blocks.append(Block(pc.name, start, rows.keys, bool(pc.bindings)))
        rows.row = rows.row + start
        rows.quad = (rows.quad[0] + start, *rows.quad[1:])
        parts.append(rows)
        start += len(rows.keys)
    if not report.ok:
        raise FormulationInvalid(report)

    def cat(get: Any, dtype: Any = float) -> np.ndarray:
        return np.concatenate([get(p) for p in parts]) if parts else np.zeros(0, dtype=dtype)

    matrix = _csr(
        start, ncols, cat(lambda p: p.row, np.int64), cat(lambda p: p.col, np.int64), cat(lambda p: p.coef)
    )
    qrow = cat(lambda p: p.quad[0], np.int64)
    q1, q2 = cat(lambda p: p.quad[1], np.int64), cat(lambda p: p.quad[2], np.int64)
    lo, hi = np.minimum(q1, q2), np.maximum(q1, q2)
    return Lowered(
        prep=prep,
        maximize=prep.formulation.objective.sense == Sense.maximize,
        var_blocks=var_blocks,
        col_lower=col_lower,
        col_upper=col_upper,
        integer=integer,
        cost=cost,
        offset=float(obj.const[0]),
        obj_quad=obj_quad,
        con_blocks=blocks,
        row_lower=cat(lambda p: p.lower),
        row_upper=cat(lambda p: p.upper),
        matrix=matrix,
        row_quad=(qrow, lo, hi, cat(lambda p: p.quad[3])),
        side_sign=cat(lambda p: p.sign),
        side_offset=cat(lambda p: p.offset),
        row_wise=row_wise,
    )


# -- columns -------------------------------------------------------------------------------------------------
def _columns(prep: Prepared) -> tuple[dict[str, VarLayout], list[Block]]:
    layouts: dict[str, VarLayout] = {}
    blocks = []
    start = 0
    for name, pv in prep.variables.items():
        layout = VarLayout(start, pv.keys, bool(pv.bindings))
        if pv.where is None and all(len(targets) == 1 for targets, _ in pv.bindings):
            layout.dense = tuple(s for _, s in pv.bindings)
            layout.sizes = tuple(len(prep.sets[s].elements) for s in layout.dense)
        layouts[name] = layout
        blocks.append(Block(name, start, pv.keys, bool(pv.bindings)))
        start += len(pv.keys)
    return layouts, blocks


def _bounds(prep: Prepared, blocks: list[Block]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bounds = var_bounds(prep, prep.report)
    lower, upper, integer = [], [], []
    for block in blocks:
        pv = prep.variables[block.name]
        n = len(block.keys)
        pairs = bounds.get(block.name, [(None, None)] * n)
        if not isinstance(pv.lower, E.Node) and not isinstance(pv.upper, E.Node) and pairs:
            lo, up = pairs[0]
            lower.append(np.full(n, -INF if lo is None else float(lo)))
            upper.append(np.full(n, INF if up is None else float(up)))
        else:
            lower.append(np.array([-INF if lo is None else float(lo) for lo, _ in pairs]))
            upper.append(np.array([INF if up is None else float(up) for _, up in pairs]))
        integer.append(np.full(n, pv.type != VarType.continuous))
    if not blocks:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate(lower), np.concatenate(upper), np.concatenate(integer)


# -- objective -----------------------------------------------------------------------------------------------
def _objective(prep: Prepared, vb: VectorBuilder | None, qbackend: Any) -> Terms:
    assert prep.objective is not None
    if vb is not None:
        with contextlib.suppress(Unvectorized):
            return as_terms(vb.eval(prep.objective, Frame(1)), 1)
    try:
        value = Builder(prep.sets, prep.params, qbackend).build(prep.objective)({})
    except EvalError as exc:
        prep.report.add(exc.code, "objective", exc.message, exc.hint)
        raise FormulationInvalid(prep.report) from None
    except NotQuadratic as exc:
        raise NotDirect(f"objective: {exc}") from None
    return _qexpr_terms([value])


def _qexpr_terms(values: list[Any]) -> Terms:
    """Terms of a list of QExpr / numbers (expression k at row k)."""
    row, col, coef, qrow, q1, q2, qc = [], [], [], [], [], [], []
    const = np.zeros(len(values))
    for k, v in enumerate(values):
        if not isinstance(v, QExpr):
            const[k] = float(v)
            continue
        const[k] = v.const
        row += [k] * len(v.lin)
        col += v.lin.keys()
        coef += v.lin.values()
        for (c1, c2), c in v.quad.items():
            qrow.append(k)
            q1.append(c1)
            q2.append(c2)
            qc.append(c)
    i64 = [np.array(x, dtype=np.int64) for x in (row, col, qrow, q1, q2)]
    return Terms(const, i64[0], i64[1], np.array(coef, dtype=float), *i64[2:], np.array(qc, dtype=float))


# -- constraints ---------------------------------------------------------------------------------------------
def _tolerance(values: np.ndarray) -> np.ndarray:
    return 1e-9 * np.maximum(1.0, np.abs(values))


def _vector_rows(pc: PreparedConstraint, vb: VectorBuilder) -> _Rows:
    fr = vb.frame(pc.bindings)
    if pc.where is not None:
        cond = vb.eval(pc.where, fr)
        mask = cond.astype(bool) if isinstance(cond, np.ndarray) else np.full(fr.n, bool(cond))
        if not mask.all():
            fr = fr.take(np.flatnonzero(mask))
    lhs, rhs = vb.eval(pc.lhs, fr), vb.eval(pc.rhs, fr)
    n = fr.n
    if pc.op == "range":
        if isinstance(lhs, Terms) or isinstance(rhs, Terms):
            raise Unvectorized("ranged row with variables in its bounds")
        body = as_terms(vb.eval(pc.body, fr), n)  # type: ignore[arg-type]
        lo, hi = _broadcast(lhs, n), _broadcast(rhs, n)
        has = body.has_terms()
        c = body.const
        const_ok = (lo <= c + _tolerance(c)) & (c <= hi + _tolerance(hi))
        lower, upper = lo - c, hi - c
        sign, offset = np.ones(n), c
        terms = body
    else:
        left, right = as_terms(lhs, n), as_terms(rhs, n)
        left_has, right_has = left.has_terms(), right.has_terms()
        has = left_has | right_has
        terms = left.plus(right.scaled(-1.0))
        gap, scale = terms.const, _tolerance(right.const)
        const_ok = {"<=": gap <= scale, ">=": gap >= -scale, "==": np.abs(gap) <= scale}[pc.op]
        bound = -gap
        lower = bound if pc.op in (">=", "==") else np.full(n, -INF)
        upper = bound if pc.op in ("<=", "==") else np.full(n, INF)
        flipped = ~left_has & right_has
        sign = np.where(flipped, -1.0, 1.0)
        offset = np.where(flipped, right.const, np.where(right_has, 0.0, left.const))
    if not const_ok[~has].all():
        raise Unvectorized("a row false on data alone")  # reported row by row
    keep = np.flatnonzero(has)
    keys = vb.frame_keys(fr, pc.bindings)
    if len(keep) < n:
        keys = [keys[k] for k in keep.tolist()]
    renumber = np.cumsum(has) - 1
    return _Rows(
        keys,
        renumber[terms.row],
        terms.col,
        terms.coef,
        (renumber[terms.qrow], terms.qcol1, terms.qcol2, terms.qcoef),
        lower[keep],
        upper[keep],
        sign[keep],
        offset[keep],
    )


def _broadcast(value: Any, n: int) -> np.ndarray:
    if not (is_number(value) or (isinstance(value, np.ndarray) and value.dtype.kind in "iuf")):
        raise Unvectorized("non-numeric row bound")
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


def _rowwise_rows(prep: Prepared, pc: PreparedConstraint, qbackend: Any) -> _Rows:
    keys, exprs, lower, upper, sign, offset = [], [], [], [], [], []
    try:
        for row in constraint_rows(prep, pc, qbackend, prep.report):
            keys.append(row.key)
            if row.op == "range":
                body = row.body
                c = body.const if isinstance(body, QExpr) else float(body)
                exprs.append(body)
                lower.append(row.lhs - c)
                upper.append(row.rhs - c)
                sign.append(1.0)
                offset.append(c)
                continue
            left, right = row.lhs, row.rhs
            expr = left - right
            exprs.append(expr)
            bound = -(expr.const if isinstance(expr, QExpr) else float(expr))
            lower.append(bound if row.op in (">=", "==") else -INF)
            upper.append(bound if row.op in ("<=", "==") else INF)
            if not isinstance(left, QExpr):
                sign.append(-1.0)
                offset.append(right.const)
            else:
                sign.append(1.0)
                offset.append(0.0 if isinstance(right, QExpr) else left.const)
    except NotQuadratic as exc:
        raise NotDirect(f"constraint '{pc.name}': {exc}") from None
    t = _qexpr_terms(exprs)
    floats = [np.array(v, dtype=float) for v in (lower, upper, sign, offset)]
    return _Rows(keys, t.row, t.col, t.coef, (t.qrow, t.qcol1, t.qcol2, t.qcoef), *floats)


def data_only(prep: Prepared, node: E.Node) -> bool:
    """True when an expression mentions no decision variable."""
    return not (references(node) & prep.variables.keys())


# -- assembly ------------------------------------------------------------------------------------------------
def _csr(
    nrows: int, ncols: int, row: np.ndarray, col: np.ndarray, val: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-compressed matrix with duplicate entries summed and exact zeros dropped."""
    key = row * max(ncols, 1) + col
    if len(key) > 1 and not (key[1:] > key[:-1]).all():
        order = np.argsort(key, kind="stable")
        key, val = key[order], val[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        if not first.all():
            idx = np.flatnonzero(first)
            val = np.add.reduceat(val, idx)
            key = key[idx]
    nonzero = val != 0
    if not nonzero.all():
        key, val = key[nonzero], val[nonzero]
    rows = key // max(ncols, 1)
    starts = np.zeros(nrows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=nrows), out=starts[1:])
    return starts, key % max(ncols, 1), val


def _merge_pairs(c1: np.ndarray, c2: np.ndarray, coef: np.ndarray, ncols: int) -> tuple:
    """Quadratic terms keyed by (min, max) column, duplicates summed, zeros dropped."""
    lo, hi = np.minimum(c1, c2), np.maximum(c1, c2)
    if not len(lo):
        return lo, hi, coef.astype(float)
    key = lo * max(ncols, 1) + hi
    uniq, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse, weights=coef)
    keep = total != 0
    return (uniq // max(ncols, 1))[keep], (uniq % max(ncols, 1))[keep], total[keep]
