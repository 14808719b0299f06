"""Interpreter of the expression language: each node becomes a Python closure over an index environment.

The same closures build numbers (data, solution checks) or solver expressions (Pyomo): a :class:`Backend`
supplies the variable tables, the math functions and the summation. Arithmetic on data is checked: every
number it produces is finite and within MAX_ABS_NUMBER, and names (string elements) are never numbers.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from optagent.errors import InputError, ModelTooLarge
from optagent.formulations import expr as E
from optagent.formulations import issues as I
from optagent.formulations import limits as L
from optagent.formulations.expand import Env, Fn, Level, expand, plan
from optagent.formulations.keys import Key, flat_key, key_str, norm
from optagent.formulations.limits import MAX_TERMS  # read here when sums run (tests may shrink it)

__all__ = ["Backend", "Builder", "EvalError", "ResolvedSet", "Table", "flat_key", "key_str", "norm"]


class EvalError(InputError):
    """An expression could not be evaluated for one index combination; ``code`` is the issue code."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint=hint, code=code)


@dataclass
class ResolvedSet:
    name: str
    elements: list[Any]  # scalars, or tuples for dimension > 1
    dim: int
    members: set[Any] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.members = set(self.elements)

    def describe(self, limit: int = 6) -> str:
        shown = ", ".join(str(e) for e in self.elements[:limit])
        more = ", ..." if len(self.elements) > limit else ""
        return f"{self.name} = {{{shown}{more}}}"


@dataclass
class Table:
    """Indexed data or variables: entries keyed by flat tuples, with an optional default for missing keys."""

    name: str
    entries: dict[Key, Any]
    domain_text: str = ""
    default: Any = None

    def get(self, key: Key, src: str) -> Any:
        try:
            return self.entries[key]
        except KeyError:
            if self.default is not None:
                return self.default
            shown = key_str(key) if len(key) != 1 else repr(key[0])
            raise EvalError(
                I.OUT_OF_SET,
                f"'{src}' refers to {self.name}[{shown}], which is not in its index set{self.domain_text}",
                "restrict the index with a condition (e.g. 'where': 't > 1') or fix the index expression",
            ) from None


@dataclass
class Backend:
    """What closures need besides data: variables, math functions and summation."""

    variables: Mapping[str, Table | Any] = field(default_factory=dict)
    funcs: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    total: Callable[[list[Any]], Any] = sum


NUMERIC_FUNCS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
    "min": min,
    "max": max,
    "floor": math.floor,
    "ceil": math.ceil,
    "round": round,
}

_ARITH = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}
_CMP = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
_LOG10_MAX = math.log10(L.MAX_ABS_NUMBER)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def checked(value: Any, src: str) -> Any:
    """``value`` unless it is a number past MAX_ABS_NUMBER, NaN or a complex number."""
    kind = value.__class__
    if (kind is float or kind is int) and not -L.MAX_ABS_NUMBER <= value <= L.MAX_ABS_NUMBER:
        raise EvalError(I.DOMAIN, f"'{src}' gives {L.bad_number(value)}", L.NUMBER_HINT)
    if kind is complex:
        raise EvalError(I.DOMAIN, f"'{src}' has no real value", "keep the base of a fractional power >= 0")
    return value


class Builder:
    """Turns nodes into closures against resolved sets, parameter data and a backend.

    ``budget`` counts the terms that sums expand to and checks the deadline (a fresh one when omitted).
    """

    def __init__(
        self,
        sets: Mapping[str, ResolvedSet],
        params: Mapping[str, Any],
        backend: Backend,
        budget: L.Budget | None = None,
    ) -> None:
        self.sets = sets
        self.params = params
        self.backend = backend
        self.budget = budget if budget is not None else L.Budget()

    def build(self, node: E.Node) -> Fn:
        """A closure giving the node's value (a number, or a solver expression when variables occur)."""
        if isinstance(node, E.Const):
            value = node.value
            if isinstance(value, str):
                return self._fail(I.TYPE, f"the name {value!r} is not a number", "names only index data")
            return lambda env: value
        if isinstance(node, E.Name):
            return self._name(node)
        if isinstance(node, E.Index):
            return self._index(node)
        if isinstance(node, E.Neg):
            inner = self.build(node.operand)
            return lambda env: -inner(env)
        if isinstance(node, E.BinOp):
            return self._power(node) if node.op == "**" else self._binop(node)
        if isinstance(node, E.Call):
            return self._call(node)
        if isinstance(node, E.Reduce):
            return self._reduce(node)
        if isinstance(node, E.IfExp):
            cond, then, other = self.condition(node.cond), self.build(node.then), self.build(node.other)
            return lambda env: then(env) if cond(env) else other(env)
        return self.condition(node)

    def condition(self, node: E.Node) -> Fn:
        """A closure giving the truth of a condition (comparisons may involve element names)."""
        if isinstance(node, E.Compare):
            return self._compare(node)
        if isinstance(node, E.BoolOp):
            parts = [self.condition(v) for v in node.values]
            if node.op == "and":
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        if isinstance(node, E.Not):
            inner = self.condition(node.operand)
            return lambda env: not inner(env)
        if isinstance(node, E.Membership):
            return self._membership(node)
        return self.build(node)

    def element(self, node: E.Node) -> Fn:
        """A closure giving an element: an index, a name or a number (positions of indices, comparisons)."""
        if isinstance(node, E.Const):
            value = node.value
            return lambda env: value
        if isinstance(node, E.Name) and node.id not in self.params and node.id not in self.backend.variables:
            name = node.id
            return lambda env: env[name]
        return self.build(node)

    @staticmethod
    def _fail(code: str, message: str, hint: str) -> Fn:
        def fail(env: Env) -> Any:
            raise EvalError(code, message, hint)

        return fail

    def _name(self, node: E.Name) -> Fn:
        name = node.id
        if name in self.params or name in self.backend.variables:
            value = self.params[name] if name in self.params else self.backend.variables[name]
            return lambda env: value

        def index_value(env: Env) -> Any:
            value = env[name]
            if value.__class__ is str or value.__class__ is tuple:
                raise EvalError(
                    I.TYPE,
                    f"index '{name}' = {value!r} is used as a number",
                    f"only numeric elements take part in arithmetic: use data indexed by {name} instead",
                )
            return value

        return index_value

    def _index(self, node: E.Index) -> Fn:
        source = self.params.get(node.base)
        if source is None:
            source = self.backend.variables[node.base]
        if not isinstance(source, Table):
            return self._fail(I.ARITY, f"'{node.base}' is a scalar but is indexed in '{node.src}'", "")
        table: Table = source
        entries = table.entries
        src = node.src
        names = [a.id for a in node.args if isinstance(a, E.Name) and a.id not in self.params]
        if len(names) == len(node.args) and not any(n in self.backend.variables for n in names):
            if len(names) == 1:
                only = names[0]

                def lookup1(env: Env) -> Any:
                    v = env[only]
                    try:
                        return entries[(v,)]
                    except KeyError:
                        return table.get(flat_key((v,)), src)

                return lookup1
            get = operator.itemgetter(*names)

            def lookup(env: Env) -> Any:
                key = get(env)
                try:
                    return entries[key]
                except KeyError:
                    return table.get(flat_key(key), src)

            return lookup
        args = [self.element(a) for a in node.args]

        def lookup_any(env: Env) -> Any:
            key = tuple([a(env) for a in args])
            try:
                return entries[key]
            except KeyError:
                return table.get(flat_key(key), src)

        return lookup_any

    def _binop(self, node: E.BinOp) -> Fn:
        left, right = self.build(node.left), self.build(node.right)
        op = _ARITH[node.op]
        src = node.src
        limit = L.MAX_ABS_NUMBER

        def apply(env: Env) -> Any:
            a, b = left(env), right(env)
            try:
                r = op(a, b)
            except ZeroDivisionError:
                raise EvalError(
                    I.DOMAIN, f"division by zero in '{src}'", "guard the division with a condition"
                ) from None
            except TypeError:
                raise EvalError(
                    I.TYPE, f"cannot apply '{node.op}' to {a!r} and {b!r} in '{src}'", "check element types"
                ) from None
            kind = r.__class__
            if (kind is float or kind is int) and not -limit <= r <= limit:
                checked(r, src)  # raises
            return r

        return apply

    def _power(self, node: E.BinOp) -> Fn:
        left, right = self.build(node.left), self.build(node.right)
        src = node.src

        def power(env: Env) -> Any:
            a, b = left(env), right(env)
            # decided before computing, so 10**10**10 never runs
            if is_number(a) and is_number(b) and a != 0 and b * math.log10(abs(a)) > _LOG10_MAX:
                raise EvalError(
                    I.DOMAIN,
                    f"'{src}' would be about 10**{b * math.log10(abs(a)):.3g}",
                    L.NUMBER_HINT,
                )
            try:
                return checked(a**b, src)
            except ZeroDivisionError:
                raise EvalError(
                    I.DOMAIN, f"0 to a negative power in '{src}'", "keep the base non-zero"
                ) from None
            except (TypeError, OverflowError) as exc:
                raise EvalError(I.DOMAIN, f"cannot compute '{src}' for {a!r} and {b!r}: {exc}") from None

        return power

    def _compare(self, node: E.Compare) -> Fn:
        operands = [self.element(o) for o in node.operands]
        ops = [_CMP[o] for o in node.ops]
        src = node.src
        if len(ops) == 1:
            first, second = operands
            op = ops[0]

            def compare1(env: Env) -> bool:
                a, b = first(env), second(env)
                try:
                    return op(a, b)
                except TypeError:
                    raise _incomparable(a, b, src) from None

            return compare1

        def compare(env: Env) -> bool:
            values = [f(env) for f in operands]
            try:
                return all(op(values[k], values[k + 1]) for k, op in enumerate(ops))
            except TypeError:
                raise _incomparable(values[0], values[-1], src) from None

        return compare

    def _membership(self, node: E.Membership) -> Fn:
        members = self.sets[node.set_name].members
        items = [self.element(i) for i in node.items]
        negated = node.negated
        if len(items) == 1:
            only = items[0]

            def member1(env: Env) -> bool:
                v = only(env)
                return (v in members) != negated

            return member1

        def member(env: Env) -> bool:
            return (flat_key([f(env) for f in items]) in members) != negated

        return member

    def _call(self, node: E.Call) -> Fn:
        name = node.func
        if name in ("card", "len"):
            size = len(self.sets[node.args[0].id].elements)  # type: ignore[attr-defined]
            return lambda env: size
        args = [self.build(a) for a in node.args]
        numeric = NUMERIC_FUNCS[name]
        symbolic = self.backend.funcs.get(name, numeric)
        src = node.src

        def call(env: Env) -> Any:
            values = [a(env) for a in args]
            if all(is_number(v) for v in values):
                try:
                    return checked(numeric(*values), src)
                except (ValueError, ZeroDivisionError, OverflowError, TypeError) as exc:
                    raise EvalError(I.DOMAIN, f"{name}() failed in '{src}' for {values}: {exc}") from None
            return symbolic(*values)

        return call

    def _reduce(self, node: E.Reduce) -> Fn:
        body = self.build(node.body)
        loops = [(loop.targets, self.sets[loop.set_name].elements) for loop in node.loops]
        conditions = [(self.condition(c), _names(c)) for c in node.conditions]
        levels: list[Level] = plan(loops, conditions)
        func = node.func
        total = self.backend.total
        budget = self.budget
        src = node.src
        size = math.prod(len(elements) for _, elements in loops)
        if size > MAX_TERMS:
            raise ModelTooLarge(
                f"'{src}' loops over {size:,} combinations (at most {MAX_TERMS:,}; limit max_terms)",
                hint=L.SIZE_HINT,
            )

        def reduce(env: Env) -> Any:
            terms = expand(levels, body, env)
            budget.add_terms(len(terms), MAX_TERMS, src)
            if func == "sum":
                if not terms:
                    return 0
                return checked(total(terms), src)
            if not terms:
                raise EvalError(
                    I.DOMAIN, f"{func}() over an empty selection in '{src}'", "check the loop sets"
                )
            if func == "prod":
                return _product(terms, src)
            if all(is_number(t) for t in terms):
                return min(terms) if func == "min" else max(terms)
            return self.backend.funcs[func](*terms)

        return reduce


def _product(terms: list[Any], src: str) -> Any:
    out: Any = 1
    for t in terms:
        out = out * t
        if is_number(out):
            checked(out, src)
    return out


def _names(node: E.Node) -> set[str]:
    return {n.id for n in E.walk(node) if isinstance(n, E.Name)}


def _incomparable(a: Any, b: Any, src: str) -> EvalError:
    return EvalError(
        I.TYPE,
        f"cannot compare {a!r} with {b!r} in '{src}'",
        "compare names with names and numbers with numbers",
    )
