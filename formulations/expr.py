"""The safe expression language: Python syntax parsed with ``ast`` under a whitelist into typed nodes.

Nothing is ever ``eval``-ed: the nodes below are interpreted by ``optagent.formulations.evaluate``.
Supported: numbers, strings, names, indexing ``x[i, j]``, ``+ - * / ** %``, unary minus, comparisons,
``and/or/not``, ``a if c else b``, membership ``(i, j) in A``, calls to the functions in ``FUNCTIONS``, and
``sum/prod/min/max(body for i in I for (j, k) in A if cond)``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from optagent.errors import InputError
from optagent.formulations import limits as L

# name -> (min args, max args or None, needs variables-free args)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "sqrt": (1, 1),
    "exp": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "abs": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "floor": (1, 1),
    "ceil": (1, 1),
    "round": (1, 2),
    "card": (1, 1),
    "len": (1, 1),
}
REDUCTIONS = ("sum", "prod", "min", "max")
DATA_ONLY_FUNCTIONS = {"floor", "ceil", "round", "card", "len"}
BIN_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%"}
CMP_OPS = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}


class ExprSyntaxError(InputError):
    """An expression that is not valid in the language; ``hint`` says what to write instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint=hint, code="syntax")


@dataclass(frozen=True)
class Node:
    src: str


@dataclass(frozen=True)
class Const(Node):
    value: int | float | str


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Index(Node):
    base: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # "and" | "or"
    values: tuple[Node, ...]


@dataclass(frozen=True)
class Compare(Node):
    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Membership(Node):
    items: tuple[Node, ...]
    set_name: str
    negated: bool


@dataclass(frozen=True)
class IfExp(Node):
    cond: Node
    then: Node
    other: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Loop:
    targets: tuple[str, ...]
    set_name: str


@dataclass(frozen=True)
class Reduce(Node):
    func: str
    body: Node
    loops: tuple[Loop, ...]
    conditions: tuple[Node, ...]


def parse(text: str) -> Node:
    """Parse one expression; raises :class:`ExprSyntaxError` with a fix hint."""
    if not isinstance(text, str) or not text.strip():
        raise ExprSyntaxError("empty expression", "write an expression such as 'sum(c[i] * x[i] for i in I)'")
    cleaned = _normalised(text)
    try:
        tree = ast.parse(cleaned, mode="eval")
    except SyntaxError as exc:
        if "Exceeds the limit" in str(exc.msg):  # Python refuses integer literals of over 4300 digits
            raise ExprSyntaxError(
                f"'{_short(cleaned)}' has an integer of thousands of digits", L.NUMBER_HINT
            ) from None
        hint = "use Python syntax: ** for powers, == for equality, sum(... for i in I) for sums"
        if "=" in cleaned and "==" not in cleaned and "<=" not in cleaned and ">=" not in cleaned:
            hint = "write equality as '==', not '='"
        elif "^" in cleaned:
            hint = "write powers as '**', not '^'"
        raise ExprSyntaxError(f"cannot parse '{_short(cleaned)}': {exc.msg}", hint) from None
    except (RecursionError, MemoryError):
        raise _too_deep(cleaned) from None
    if _depth(tree.body) > L.MAX_EXPRESSION_DEPTH:
        raise _too_deep(cleaned)
    return _Converter(cleaned).convert(tree.body)


def _normalised(text: str) -> str:
    """The text with runs of white space made single spaces, refused when over MAX_EXPRESSION_CHARS."""
    if len(text) > L.MAX_EXPRESSION_CHARS:
        raise ExprSyntaxError(
            f"the expression '{_short(text)}' is {len(text):,} characters long, over the "
            f"{L.MAX_EXPRESSION_CHARS:,} allowed (limit max_expression_chars)",
            "write long sums as sum(... for i in I) over indexed parameters",
        )
    return " ".join(text.split())


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 5] + " ... "


def _depth(root: ast.AST) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _too_deep(text: str) -> ExprSyntaxError:
    return ExprSyntaxError(
        f"'{_short(text)}' nests deeper than {L.MAX_EXPRESSION_DEPTH} levels (limit max_expression_depth)",
        "write long sums as sum(... for i in I) over indexed parameters instead of a + b + c + ...",
    )


def parse_binding(text: str) -> tuple[tuple[str, ...], str]:
    """Parse an index binding ``"i in I"``, ``"(i, j) in A"`` or ``"I"`` into (names, set name)."""
    try:
        tree = ast.parse(_normalised(str(text)), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError):
        tree = None
    if isinstance(tree, ast.Name):
        return (), tree.id
    if (
        isinstance(tree, ast.Compare)
        and len(tree.ops) == 1
        and isinstance(tree.ops[0], ast.In)
        and isinstance(tree.comparators[0], ast.Name)
    ):
        target = tree.left
        if isinstance(target, ast.Name):
            return (target.id,), tree.comparators[0].id
        if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
            return tuple(e.id for e in target.elts), tree.comparators[0].id  # type: ignore[attr-defined]
    raise ExprSyntaxError(
        f"bad index binding '{text}'", "write 'i in I', '(i, j) in A' or just the set name 'I'"
    )


class _Converter:
    def __init__(self, source: str) -> None:
        self.source = source

    def seg(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def fail(self, node: ast.AST, what: str, hint: str) -> ExprSyntaxError:
        return ExprSyntaxError(f"{what} in '{_short(self.seg(node))}'", hint)

    def convert(self, node: ast.AST) -> Node:
        src = self.seg(node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float, str)):
                raise self.fail(node, "unsupported constant", "use numbers or quoted element names")
            if not isinstance(node.value, str) and not L.number_ok(node.value):
                raise self.fail(node, L.bad_number(node.value), L.NUMBER_HINT)
            return Const(src, node.value)
        if isinstance(node, ast.Name):
            return Name(src, node.id)
        if isinstance(node, ast.Subscript):
            if not isinstance(node.value, ast.Name):
                raise self.fail(
                    node, "only named symbols can be indexed", "write x[i, j] with x a declared name"
                )
            sl = node.slice
            if isinstance(sl, ast.Slice):
                raise self.fail(node, "slices are not supported", "index with single elements, e.g. x[i]")
            args = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            return Index(src, node.value.id, tuple(self.convert(a) for a in args))
        if isinstance(node, ast.BinOp):
            op = BIN_OPS.get(type(node.op))
            if op is None:
                hint = "write powers as '**'" if isinstance(node.op, ast.BitXor) else "use + - * / ** %"
                raise self.fail(node, f"operator '{type(node.op).__name__}' is not supported", hint)
            return BinOp(src, op, self.convert(node.left), self.convert(node.right))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Neg(src, self.convert(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            if isinstance(node.op, ast.Not):
                return Not(src, self.convert(node.operand))
            raise self.fail(node, "unsupported unary operator", "use '-' or 'not'")
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(src, op, tuple(self.convert(v) for v in node.values))
        if isinstance(node, ast.Compare):
            return self.compare(node, src)
        if isinstance(node, ast.IfExp):
            return IfExp(src, self.convert(node.test), self.convert(node.body), self.convert(node.orelse))
        if isinstance(node, ast.Call):
            return self.call(node, src)
        if isinstance(node, ast.Tuple):
            raise self.fail(
                node, "a bare tuple is not a value", "tuples may only appear in 'in' tests and loops"
            )
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            raise self.fail(node, "a bare comprehension is not a value", "wrap it: sum(... for i in I)")
        raise self.fail(
            node,
            f"'{type(node).__name__}' is not allowed",
            "the language has arithmetic, indexing, comparisons, sum/min/max/prod and math functions only",
        )

    def compare(self, node: ast.Compare, src: str) -> Node:
        ops = [CMP_OPS.get(type(o)) for o in node.ops]
        if None in ops:
            raise self.fail(node, "'is' comparisons are not supported", "use == or !=")
        if ops[0] in ("in", "not in"):
            if len(ops) != 1 or not isinstance(node.comparators[0], ast.Name):
                raise self.fail(node, "membership needs a set name on the right", "write '(i, j) in A'")
            left = node.left
            items = left.elts if isinstance(left, ast.Tuple) else [left]
            return Membership(
                src, tuple(self.convert(e) for e in items), node.comparators[0].id, ops[0] == "not in"
            )
        if "in" in ops or "not in" in ops:
            raise self.fail(node, "membership cannot be chained", "split it with 'and'")
        operands = (self.convert(node.left), *(self.convert(c) for c in node.comparators))
        return Compare(src, tuple(ops), operands)  # type: ignore[arg-type]

    def call(self, node: ast.Call, src: str) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only plain function names can be called", f"use one of {_fn_list()}")
        name = node.func.id
        if node.keywords:
            raise self.fail(node, "keyword arguments are not supported", "pass arguments by position")
        if len(node.args) == 1 and isinstance(node.args[0], ast.GeneratorExp | ast.ListComp):
            if name not in REDUCTIONS:
                raise self.fail(
                    node, f"'{name}' cannot take a generator", f"use one of {', '.join(REDUCTIONS)}"
                )
            return self.reduce(name, node.args[0], src)
        if name == "sum" or name == "prod":
            raise self.fail(node, f"{name} needs a generator", f"write {name}(expr for i in I)")
        if name not in FUNCTIONS:
            raise self.fail(node, f"unknown function '{name}'", f"use one of {_fn_list()}")
        lo, hi = FUNCTIONS[name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise self.fail(
                node, f"'{name}' takes {lo}{'' if hi == lo else '+' if hi is None else f'-{hi}'} args", ""
            )
        return Call(src, name, tuple(self.convert(a) for a in node.args))

    def reduce(self, func: str, gen: ast.GeneratorExp | ast.ListComp, src: str) -> Reduce:
        loops: list[Loop] = []
        conditions: list[Node] = []
        for comp in gen.generators:
            if comp.is_async:
                raise self.fail(gen, "async comprehensions are not supported", "")
            if not isinstance(comp.iter, ast.Name):
                raise self.fail(
                    comp.iter,
                    "a loop must run over a declared set name",
                    "declare the set, then 'for i in I'",
                )
            target = comp.target
            if isinstance(target, ast.Name):
                names: tuple[str, ...] = (target.id,)
            elif isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
                names = tuple(e.id for e in target.elts)  # type: ignore[attr-defined]
            else:
                raise self.fail(
                    target, "loop targets must be names", "write 'for i in I' or 'for (i, j) in A'"
                )
            loops.append(Loop(names, comp.iter.id))
            conditions.extend(self.convert(c) for c in comp.ifs)
        return Reduce(src, func, self.convert(gen.elt), tuple(loops), tuple(conditions))


def _fn_list() -> str:
    return ", ".join(sorted({*FUNCTIONS, *REDUCTIONS}))


def walk(node: Node):
    """Yield every node of a tree, parents first."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Index):
        return node.args
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, (Neg, Not)):
        return (node.operand,)
    if isinstance(node, BoolOp):
        return node.values
    if isinstance(node, Compare):
        return node.operands
    if isinstance(node, Membership):
        return node.items
    if isinstance(node, IfExp):
        return (node.cond, node.then, node.other)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Reduce):
        return (node.body, *node.conditions)
    return ()
