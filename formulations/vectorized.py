"""Evaluate an expression over many index environments at once, into numpy arrays of solver terms.

A :class:`Frame` holds N index environments column-wise (one array per bound index name). Evaluating a node
over a frame gives data (a Python scalar shared by all N environments, or an array of N values) or
:class:`Terms`: the linear and quadratic terms of N expressions in the variables' column numbers, as flat
arrays. ``sum(... for i in I if c)`` expands the frame, filters it, evaluates the body once over all
combinations and folds the terms back onto their parent environment.

This is the fast path of :mod:`optagent.formulations.lower`. It takes the happy path only: anything unusual
(an evaluation error, a nonlinear term, an odd element type) raises :class:`Unvectorized`, and the caller
expands that constraint row by row with the reference interpreter (:mod:`optagent.formulations.evaluate`),
which gives the exact semantics and the exact error messages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optagent.formulations import expr as E
from optagent.formulations.evaluate import NUMERIC_FUNCS, ResolvedSet, Table, flat_key, is_number

_I64 = np.int64
CHECK_ABOVE = 1e15  # computed data beyond this size goes row by row
MAX_FRAME = 5_000_000  # environments in one expanded sum; larger sums go row by row (bounded by MAX_TERMS)
_EMPTY_I = np.zeros(0, dtype=_I64)
_EMPTY_F = np.zeros(0)


class Unvectorized(Exception):
    """This expression is left to the row-by-row interpreter."""


def object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def element_array(values: list[Any]) -> np.ndarray:
    """Elements as an int64 array when they are all integers (that fit), else as an object array."""
    if values and all(type(v) is int and -(2**62) < v < 2**62 for v in values):
        return np.array(values, dtype=_I64)
    return object_array(values)


@dataclass
class Frame:
    """N index environments, column-wise: ``cols[name][k]`` is the value of ``name`` in environment k.

    ``origin[name] = (set, positions)`` when the column runs over a set's elements: their positions in the
    set, so variables indexed by such columns are found by arithmetic instead of dictionary lookups.
    """

    n: int
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    origin: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)

    def take(self, idx: np.ndarray) -> Frame:
        return Frame(
            len(idx),
            {k: v[idx] for k, v in self.cols.items()},
            {k: (s, pos[idx]) for k, (s, pos) in self.origin.items()},
        )

    def expand(
        self, targets: tuple[str, ...], set_name: str, elements: np.ndarray, parts: list[np.ndarray]
    ) -> Frame:
        """Every environment combined with every element (environment-major); ``parts`` split tuples."""
        m = len(elements)
        parent = np.repeat(np.arange(self.n, dtype=_I64), m)
        cols = {k: v[parent] for k, v in self.cols.items()}
        origin = {k: (s, pos[parent]) for k, (s, pos) in self.origin.items()}
        for name in targets:
            origin.pop(name, None)
        if len(targets) == 1:
            cols[targets[0]] = np.tile(elements, self.n)
            origin[targets[0]] = (set_name, np.tile(np.arange(m, dtype=_I64), self.n))
        else:
            for name, part in zip(targets, parts):
                cols[name] = np.tile(part, self.n)
        return Frame(self.n * m, cols, origin)


@dataclass
class VarLayout:
    """Where a variable's columns are: ``start`` + position of the key in ``keys``.

    ``dense`` names the variable's index sets when its keys are exactly their product in order (no ``where``,
    one name per binding), so a key's column is ``start`` plus its row-major position.
    """

    start: int
    keys: list[tuple]
    indexed: bool
    dense: tuple[str, ...] | None = None
    sizes: tuple[int, ...] = ()
    _colmap: dict[tuple, int] | None = None

    @property
    def colmap(self) -> dict[tuple, int]:
        if self._colmap is None:
            self._colmap = dict(zip(self.keys, range(self.start, self.start + len(self.keys))))
        return self._colmap


@dataclass
class Terms:
    """N expressions: ``const[k] + sum(coef * x[col] for terms with row == k) + quadratic terms``."""

    const: np.ndarray
    row: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    col: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    coef: np.ndarray = field(default_factory=lambda: _EMPTY_F)
    qrow: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    qcol1: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    qcol2: np.ndarray = field(default_factory=lambda: _EMPTY_I)
    qcoef: np.ndarray = field(default_factory=lambda: _EMPTY_F)

    @property
    def n(self) -> int:
        return len(self.const)

    def has_terms(self) -> np.ndarray:
        """Per expression: does it mention any variable (a zero coefficient counts)?"""
        seen = np.zeros(self.n, dtype=bool)
        seen[self.row] = True
        seen[self.qrow] = True
        return seen

    def scaled(self, factor: Any) -> Terms:
        f = np.asarray(factor, dtype=float)
        if f.ndim == 0:
            return Terms(
                self.const * f,
                self.row,
                self.col,
                self.coef * f,
                self.qrow,
                self.qcol1,
                self.qcol2,
                self.qcoef * f,
            )
        return Terms(
            self.const * f,
            self.row,
            self.col,
            self.coef * f[self.row],
            self.qrow,
            self.qcol1,
            self.qcol2,
            self.qcoef * f[self.qrow],
        )

    def plus(self, other: Terms) -> Terms:
        return Terms(
            self.const + other.const,
            np.concatenate([self.row, other.row]),
            np.concatenate([self.col, other.col]),
            np.concatenate([self.coef, other.coef]),
            np.concatenate([self.qrow, other.qrow]),
            np.concatenate([self.qcol1, other.qcol1]),
            np.concatenate([self.qcol2, other.qcol2]),
            np.concatenate([self.qcoef, other.qcoef]),
        )

    def remap(self, rows: np.ndarray, n: int) -> Terms:
        """Move expression k to position ``rows[k]`` of a frame of ``n`` (positions may repeat: summed)."""
        const = np.bincount(rows, weights=self.const, minlength=n) if self.n else np.zeros(n)
        return Terms(
            const, rows[self.row], self.col, self.coef, rows[self.qrow], self.qcol1, self.qcol2, self.qcoef
        )

    def times(self, other: Terms) -> Terms:
        """Product of two affine batches (quadratic terms pair up within each expression)."""
        if len(self.qrow) or len(other.qrow):
            raise Unvectorized("product of degree above 2")
        out = self.scaled(other.const).plus(other.scaled(self.const))
        out.const = self.const * other.const
        order = np.argsort(other.row, kind="stable")
        counts = np.bincount(other.row, minlength=self.n)
        starts = np.cumsum(counts) - counts
        reps = counts[self.row]
        total = int(reps.sum())
        if total:
            first = np.repeat(np.arange(len(self.row)), reps)
            offset = np.arange(total) - np.repeat(np.cumsum(reps) - reps, reps)
            second = order[np.repeat(starts[self.row], reps) + offset]
            out.qrow = np.concatenate([out.qrow, self.row[first]])
            out.qcol1 = np.concatenate([out.qcol1, self.col[first]])
            out.qcol2 = np.concatenate([out.qcol2, other.col[second]])
            out.qcoef = np.concatenate([out.qcoef, self.coef[first] * other.coef[second]])
        return out


def _numeric(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iufb"
    return is_number(value) or isinstance(value, bool)


def as_terms(value: Any, n: int) -> Terms:
    if isinstance(value, Terms):
        return value
    if not _numeric(value):
        raise Unvectorized("non-numeric value in an expression")
    return Terms(np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy())


def _truthy(value: Any, n: int) -> np.ndarray:
    if isinstance(value, Terms):
        raise Unvectorized("condition on variables")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iufb":
            return value.astype(bool)
        return np.fromiter((bool(v) for v in value), dtype=bool, count=len(value))
    return np.full(n, bool(value))


def _values(value: Any, n: int) -> list[Any]:
    """Data as a list of n Python values (integral floats as ints, as element keys want them)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            whole = np.isfinite(value) & (value == np.round(value))
            if whole.all():
                return value.astype(_I64).tolist()
            return [int(v) if w else v for v, w in zip(value.tolist(), whole.tolist())]
        return value.tolist()
    if isinstance(value, Terms):
        raise Unvectorized("variables used as an index")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return [value] * n


def _from_list(values: list[Any]) -> np.ndarray:
    """Python values as a numeric array when they are numbers, else as an object array."""
    try:
        out = np.array(values)
    except (ValueError, OverflowError):
        return object_array(values)
    return out if out.dtype.kind in "iufb" and out.ndim == 1 else object_array(values)


_ARITH = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "**": np.power,
    "%": np.mod,
}


class VectorBuilder:
    """Evaluates nodes over frames against resolved sets, parameters and variable column maps."""

    def __init__(
        self,
        sets: Mapping[str, ResolvedSet],
        params: Mapping[str, Any],
        variables: Mapping[str, VarLayout],
    ) -> None:
        self.sets = sets
        self.params = params
        self.variables = variables
        self._elements: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}

    def elements(self, set_name: str) -> tuple[np.ndarray, list[np.ndarray]]:
        """A set's elements as an array, plus one array per tuple position for tuple sets."""
        if set_name not in self._elements:
            s = self.sets[set_name]
            parts = [element_array([e[k] for e in s.elements]) for k in range(s.dim)] if s.dim > 1 else []
            self._elements[set_name] = (element_array(s.elements), parts)
        return self._elements[set_name]

    def frame(self, bindings: list[tuple[tuple[str, ...], str]]) -> Frame:
        frame = Frame(1)
        for pos, (targets, set_name) in enumerate(bindings):
            els, parts = self.elements(set_name)
            if len(targets) > 1 and len(parts) != len(targets):
                raise Unvectorized("binding width differs from the set's dimension")
            frame = frame.expand(targets or (f"\0{pos}",), set_name, els, parts)
        return frame

    def frame_keys(self, fr: Frame, bindings: list[tuple[tuple[str, ...], str]]) -> list[tuple]:
        """The flat index key of every environment of a frame made by :meth:`frame`."""
        names = [t for pos, (targets, _) in enumerate(bindings) for t in (targets or (f"\0{pos}",))]
        return self._keys([fr.cols[t] for t in names], fr.n) if names else [()] * fr.n

    # -- evaluation ------------------------------------------------------------------------------------------
    def eval(self, node: E.Node, fr: Frame) -> Any:
        try:
            with np.errstate(all="raise"):
                return self._eval(node, fr)
        except (FloatingPointError, TypeError, ValueError, KeyError, OverflowError, ZeroDivisionError) as exc:
            raise Unvectorized(str(exc)) from None

    def _eval(self, node: E.Node, fr: Frame) -> Any:
        if isinstance(node, E.Const):
            return node.value
        if isinstance(node, E.Name):
            return self._name(node.id, fr)
        if isinstance(node, E.Index):
            return self._index(node, fr)
        if isinstance(node, E.Neg):
            inner = self._eval(node.operand, fr)
            if isinstance(inner, Terms):
                return inner.scaled(-1.0)
            if not _numeric(inner):
                raise Unvectorized("negated non-number")
            return -inner
        if isinstance(node, E.BinOp):
            return self._binop(node, fr)
        if isinstance(node, E.Reduce):
            return self._reduce(node, fr)
        if isinstance(node, E.IfExp):
            return self._ifexp(node, fr)
        if isinstance(node, E.Compare):
            values = [self._data(o, fr) for o in node.operands]
            out: Any = True
            for k, op in enumerate(node.ops):
                out = out & _compare(op, values[k], values[k + 1])
            return out
        if isinstance(node, E.BoolOp):
            return self._boolop(node, fr)
        if isinstance(node, E.Not):
            return ~_truthy(self._eval(node.operand, fr), fr.n)
        if isinstance(node, E.Membership):
            members = self.sets[node.set_name].members
            keys = self._keys([self._data(i, fr) for i in node.items], fr.n)
            return (
                np.fromiter(((k[0] if len(k) == 1 else k) in members for k in keys), dtype=bool, count=fr.n)
                != node.negated
            )
        if isinstance(node, E.Call):
            return self._call(node, fr)
        raise Unvectorized(f"node {type(node).__name__}")

    def _data(self, node: E.Node, fr: Frame) -> Any:
        value = self._eval(node, fr)
        if isinstance(value, Terms):
            raise Unvectorized("variables where data is expected")
        return value

    def _name(self, name: str, fr: Frame) -> Any:
        if name in self.params:
            value = self.params[name]
            if isinstance(value, Table):
                raise Unvectorized("indexed parameter used without an index")
            return value
        if name in self.variables:
            layout = self.variables[name]
            if layout.indexed:
                raise Unvectorized("indexed variable used without an index")
            rows = np.arange(fr.n, dtype=_I64)
            return Terms(np.zeros(fr.n), rows, np.full(fr.n, layout.start, dtype=_I64), np.ones(fr.n))
        return fr.cols[name]

    def _keys(self, args: list[Any], n: int) -> list[tuple]:
        """Flat keys (as :func:`flat_key` makes them) of n index tuples, one array or scalar per position."""
        lists = [_values(a, n) for a in args]
        mixed = any(
            isinstance(a, np.ndarray)
            and a.dtype == object
            and any(isinstance(v, (tuple, float)) for v in lst)
            for a, lst in zip(args, lists)
        )
        if mixed:
            return [flat_key(list(vals)) for vals in zip(*lists)]
        return list(zip(*lists))

    def _index(self, node: E.Index, fr: Frame) -> Any:
        layout = self.variables.get(node.base) if node.base not in self.params else None
        if layout is not None:
            col = self._positional(node, layout, fr)
            if col is None:
                if not layout.indexed:
                    raise Unvectorized("scalar variable indexed")
                cols = layout.colmap
                keys = self._keys([self._data(a, fr) for a in node.args], fr.n)
                col = np.array([cols[k] for k in keys], dtype=_I64)
            return Terms(np.zeros(fr.n), np.arange(fr.n, dtype=_I64), col, np.ones(fr.n))
        source = self.params[node.base]
        if not isinstance(source, Table):
            raise Unvectorized("scalar parameter indexed")
        keys = self._keys([self._data(a, fr) for a in node.args], fr.n)
        entries, default = source.entries, source.default
        if default is None:
            return _from_list([entries[k] for k in keys])
        return _from_list([entries.get(k, default) for k in keys])

    def _positional(self, node: E.Index, layout: VarLayout, fr: Frame) -> np.ndarray | None:
        """Columns by arithmetic when every index is a frame column running over the variable's own set."""
        if layout.dense is None or len(node.args) != len(layout.dense):
            return None
        col = np.full(fr.n, layout.start, dtype=_I64)
        stride = 1
        for arg, set_name, size in zip(reversed(node.args), reversed(layout.dense), reversed(layout.sizes)):
            named = isinstance(arg, E.Name) and arg.id not in self.params
            origin = fr.origin.get(arg.id) if named else None  # type: ignore[attr-defined]
            if origin is None or origin[0] != set_name:
                return None
            col += origin[1] * stride
            stride *= size
        return col

    def _binop(self, node: E.BinOp, fr: Frame) -> Any:
        a, b = self._eval(node.left, fr), self._eval(node.right, fr)
        op = node.op
        if not isinstance(a, Terms) and not isinstance(b, Terms):
            if not (_numeric(a) and _numeric(b)):
                raise Unvectorized("arithmetic on non-numbers")
            # in float64, where overflow raises (integer numpy arithmetic would wrap around silently)
            return _checked(_ARITH[op](np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
        if op in ("+", "-"):
            right = as_terms(b, fr.n)
            return as_terms(a, fr.n).plus(right.scaled(-1.0) if op == "-" else right)
        if op == "*":
            if isinstance(a, Terms) and isinstance(b, Terms):
                return a.times(b)
            terms, factor = (a, b) if isinstance(a, Terms) else (b, a)
            if not _numeric(factor):
                raise Unvectorized("variables times a non-number")
            return terms.scaled(factor)
        if op == "/" and not isinstance(b, Terms) and _numeric(b):
            if np.any(np.asarray(b) == 0):
                raise Unvectorized("division by zero")
            return a.scaled(1.0 / np.asarray(b, dtype=float))
        if op == "**" and isinstance(a, Terms) and is_number(b) and b in (1, 2):
            return a if b == 1 else a.times(a)
        raise Unvectorized(f"'{op}' with variables")

    def _ifexp(self, node: E.IfExp, fr: Frame) -> Any:
        cond = self._eval(node.cond, fr)
        if not isinstance(cond, np.ndarray):
            return self._eval(node.then if _truthy(cond, 1)[0] else node.other, fr)
        mask = _truthy(cond, fr.n)
        parts = []
        for branch, sel in ((node.then, mask), (node.other, ~mask)):
            idx = np.flatnonzero(sel)
            if len(idx):
                parts.append((idx, self._eval(branch, fr.take(idx))))
        return _merge(parts, fr.n)

    def _boolop(self, node: E.BoolOp, fr: Frame) -> np.ndarray:
        out = _truthy(self._eval(node.values[0], fr), fr.n)
        for value in node.values[1:]:
            undecided = np.flatnonzero(out if node.op == "and" else ~out)
            if not len(undecided):
                break
            out = out.copy()
            out[undecided] = _truthy(self._eval(value, fr.take(undecided)), len(undecided))
        return out

    def _call(self, node: E.Call, fr: Frame) -> Any:
        name = node.func
        if name in ("card", "len"):
            return len(self.sets[node.args[0].id].elements)  # type: ignore[attr-defined]
        args = [self._data(a, fr) for a in node.args]
        fn = NUMERIC_FUNCS[name]
        if not any(isinstance(a, np.ndarray) for a in args):
            return _checked(fn(*args))
        cols = [a.tolist() if isinstance(a, np.ndarray) else [a] * fr.n for a in args]
        return _checked(_from_list([fn(*vals) for vals in zip(*cols)]))

    def _reduce(self, node: E.Reduce, fr: Frame) -> Any:
        sub = Frame(fr.n, dict(fr.cols), dict(fr.origin))
        sub.cols["\0parent"] = np.arange(fr.n, dtype=_I64)
        size = fr.n
        for loop in node.loops:
            els, parts = self.elements(loop.set_name)
            size *= len(els)
            if size > MAX_FRAME:
                raise Unvectorized("too many combinations to hold at once")
            if len(loop.targets) > 1 and len(parts) != len(loop.targets):
                raise Unvectorized("loop target width differs from the set's dimension")
            sub = sub.expand(loop.targets, loop.set_name, els, parts)
        for cond in node.conditions:
            keep = np.flatnonzero(_truthy(self._eval(cond, sub), sub.n))
            if len(keep) < sub.n:
                sub = sub.take(keep)
        parent = sub.cols["\0parent"]
        body = self._eval(node.body, sub) if sub.n else 0
        if node.func == "sum":
            if isinstance(body, Terms):
                return body.remap(parent, fr.n)
            if not _numeric(body):
                raise Unvectorized("sum of non-numbers")
            weights = np.broadcast_to(np.asarray(body, dtype=float), (sub.n,))
            return _checked(np.bincount(parent, weights=weights, minlength=fr.n))
        if isinstance(body, Terms) or not _numeric(body):
            raise Unvectorized(f"{node.func} over variables")
        values = np.broadcast_to(np.asarray(body), (sub.n,))
        counts = np.bincount(parent, minlength=fr.n)
        if not counts.all():
            raise Unvectorized(f"{node.func} over an empty selection")
        order = np.argsort(parent, kind="stable")
        groups = np.split(values[order], np.cumsum(counts)[:-1])
        fn = {"prod": math.prod, "min": min, "max": max}[node.func]
        return _checked(_from_list([fn(g.tolist()) for g in groups]))


def _checked(value: Any) -> Any:
    """Computed data, when every number is finite and at most CHECK_ABOVE in size; larger or non-finite
    numbers are left to the row-by-row interpreter, which owns the limits on numbers and their messages."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iufb" or not np.all(np.abs(arr) <= CHECK_ABOVE):
        raise Unvectorized("a number to be checked row by row")
    return arr.item() if arr.ndim == 0 else arr


def _compare(op: str, a: Any, b: Any) -> Any:
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


def _merge(parts: list[tuple[np.ndarray, Any]], n: int) -> Any:
    """Reassemble branch results evaluated on disjoint sub-frames (``idx``) into one frame of ``n``."""
    if any(isinstance(v, Terms) for _, v in parts):
        out = Terms(np.zeros(n))
        for idx, value in parts:
            out = out.plus(as_terms(value, len(idx)).remap(idx, n))
        return out
    if not all(_numeric(v) for _, v in parts):
        raise Unvectorized("conditional non-numeric data")
    out_arr = np.zeros(n, dtype=np.result_type(*(np.asarray(v) for _, v in parts)))
    for idx, value in parts:
        out_arr[idx] = value
    return out_arr
