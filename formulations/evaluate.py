"""Interpreter of the expression language: each node becomes a Python closure over an index environment.

The same closures build numbers (data, solution checks) or solver expressions (Pyomo): a :class:`Backend`
supplies the variable tables, the math functions and the summation.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations import issues as I

Env = dict[str, Any]
Fn = Callable[[Env], Any]
Key = tuple


class EvalError(Exception):
    """An expression could not be evaluated for one index combination."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def norm(value: Any) -> Any:
    """Canonical element: integral floats become ints, so 3.0 and 3 address the same entry."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def flat_key(values: list[Any]) -> Key:
    key: list[Any] = []
    for v in values:
        if isinstance(v, tuple):
            key.extend(v)
        else:
            key.append(norm(v))
    return tuple(key)


def key_str(key: Key) -> str:
    """The string form of an index key used in JSON: elements joined by commas ('' for scalars)."""
    return ",".join(str(k) for k in key)


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
    "**": operator.pow,
    "%": operator.mod,
}
_CMP = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Builder:
    """Turns nodes into closures against resolved sets, parameter data and a backend."""

    def __init__(self, sets: Mapping[str, ResolvedSet], params: Mapping[str, Any], backend: Backend) -> None:
        self.sets = sets
        self.params = params
        self.backend = backend
        self.terms = 0  # terms expanded by sum/prod/min/max so far: bounded by MAX_TERMS

    def build(self, node: E.Node) -> Fn:
        if isinstance(node, E.Const):
            value = node.value
            return lambda env: value
        if isinstance(node, E.Name):
            return self._name(node)
        if isinstance(node, E.Index):
            return self._index(node)
        if isinstance(node, E.Neg):
            inner = self.build(node.operand)
            return lambda env: -inner(env)
        if isinstance(node, E.BinOp):
            return self._binop(node)
        if isinstance(node, E.Call):
            return self._call(node)
        if isinstance(node, E.Reduce):
            return self._reduce(node)
        if isinstance(node, E.IfExp):
            cond, then, other = self.build(node.cond), self.build(node.then), self.build(node.other)
            return lambda env: then(env) if cond(env) else other(env)
        if isinstance(node, E.Compare):
            return self._compare(node)
        if isinstance(node, E.BoolOp):
            parts = [self.build(v) for v in node.values]
            if node.op == "and":
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        if isinstance(node, E.Not):
            inner = self.build(node.operand)
            return lambda env: not inner(env)
        if isinstance(node, E.Membership):
            members = self.sets[node.set_name].members
            items = [self.build(i) for i in node.items]
            negated = node.negated

            def member(env: Env) -> bool:
                values = flat_key([f(env) for f in items])
                found = (values[0] if len(values) == 1 else values) in members
                return found != negated

            return member
        raise EvalError(I.SYNTAX, f"cannot evaluate '{node.src}'")

    def _name(self, node: E.Name) -> Fn:
        name = node.id
        if name in self.params or name in self.backend.variables:
            value = self.params[name] if name in self.params else self.backend.variables[name]
            return lambda env: value
        return lambda env: env[name]

    def _index(self, node: E.Index) -> Fn:
        args = [self.build(a) for a in node.args]
        source = self.params.get(node.base)
        if source is None:
            source = self.backend.variables[node.base]
        table: Table = source
        src = node.src
        if len(args) == 1:
            only = args[0]

            def lookup1(env: Env) -> Any:
                v = only(env)
                key = v if isinstance(v, tuple) else (norm(v),)
                return table.get(key, src)

            return lookup1
        return lambda env: table.get(flat_key([a(env) for a in args]), src)

    def _binop(self, node: E.BinOp) -> Fn:
        left, right = self.build(node.left), self.build(node.right)
        op = _ARITH[node.op]
        src = node.src

        def apply(env: Env) -> Any:
            a, b = left(env), right(env)
            try:
                return op(a, b)
            except ZeroDivisionError:
                raise EvalError(
                    I.DOMAIN, f"division by zero in '{src}'", "guard the division with a condition"
                ) from None
            except TypeError:
                raise EvalError(
                    I.TYPE, f"cannot apply '{node.op}' to {a!r} and {b!r} in '{src}'", "check element types"
                ) from None

        return apply

    def _compare(self, node: E.Compare) -> Fn:
        operands = [self.build(o) for o in node.operands]
        ops = [_CMP[o] for o in node.ops]

        def compare(env: Env) -> bool:
            values = [f(env) for f in operands]
            return all(op(values[k], values[k + 1]) for k, op in enumerate(ops))

        return compare

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
            fn = numeric if all(is_number(v) for v in values) else symbolic
            try:
                return fn(*values)
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise EvalError(I.DOMAIN, f"{name}() failed in '{src}' for {values}: {exc}") from None

        return call

    def _reduce(self, node: E.Reduce) -> Fn:
        body = self.build(node.body)
        conditions = [self.build(c) for c in node.conditions]
        loops = [(loop.targets, self.sets[loop.set_name].elements) for loop in node.loops]
        func = node.func
        total = self.backend.total

        size = math.prod(len(elements) for _, elements in loops)
        if size > MAX_TERMS:
            raise _too_large(f"'{node.src}' loops over {size:,} combinations")

        def reduce(env: Env) -> Any:
            terms = [body(e) for e in iterate(loops, conditions, env)]
            self.terms += len(terms)
            if self.terms > MAX_TERMS:
                raise _too_large(f"the expressions expand to more than {MAX_TERMS:,} terms (at '{node.src}')")
            if func == "sum":
                return total(terms) if terms else 0
            if not terms:
                raise EvalError(
                    I.DOMAIN, f"{func}() over an empty selection in '{node.src}'", "check the loop sets"
                )
            if func == "prod":
                return math.prod(terms)
            if all(is_number(t) for t in terms):
                return min(terms) if func == "min" else max(terms)
            fn = self.backend.funcs[func]
            return fn(*terms)

        return reduce


MAX_TERMS = 20_000_000


def _too_large(what: str) -> Exception:
    from optagent.errors import ModelTooLarge

    return ModelTooLarge(
        f"{what} (at most {MAX_TERMS:,})", hint="check set ranges for typos or aggregate the model"
    )


def iterate(loops: list[tuple[tuple[str, ...], list[Any]]], conditions: list[Fn], env: Env) -> Iterator[Env]:
    """Every extension of ``env`` over the loops that satisfies all conditions."""
    local = dict(env)

    def rec(depth: int) -> Iterator[Env]:
        if depth == len(loops):
            if all(c(local) for c in conditions):
                yield local
            return
        targets, elements = loops[depth]
        for element in elements:
            bind(targets, element, local)
            yield from rec(depth + 1)

    yield from rec(0)


def bind(targets: tuple[str, ...], element: Any, env: Env) -> None:
    if len(targets) == 1:
        env[targets[0]] = element
    else:
        for t, v in zip(targets, element):
            env[t] = v
