"""Static checks of expressions: symbols, index arity, types, and polynomial degree in the variables."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

from optagent.formulations import expr as E
from optagent.formulations import issues as I

NONLINEAR = math.inf  # degree of anything that is not a polynomial in the variables


@dataclass
class Symbols:
    """What names mean: set dimensions, parameter and variable arities (None when unknown)."""

    sets: dict[str, int | None] = field(default_factory=dict)
    params: dict[str, int | None] = field(default_factory=dict)
    variables: dict[str, int | None] = field(default_factory=dict)

    def all_names(self) -> list[str]:
        return [*self.sets, *self.params, *self.variables]


class Analyzer:
    """Walks one expression; reports into ``report`` under ``location``."""

    def __init__(self, symbols: Symbols, report: I.Report, location: str) -> None:
        self.sym = symbols
        self.report = report
        self.loc = location
        self.nonlinear: list[str] = []

    # -- entry points -------------------------------------------------------------------------------------
    def value(self, node: E.Node, scope: dict[str, int | None]) -> float:
        """Degree of a numeric expression."""
        return self._value(node, dict(scope))

    def condition(self, node: E.Node, scope: dict[str, int | None]) -> None:
        """A condition must not involve decision variables."""
        deg = self._cond(node, dict(scope))
        if deg > 0:
            self.err(
                I.TYPE,
                f"condition '{node.src}' depends on decision variables",
                "conditions select index combinations from data; model logic on variables with binaries",
            )

    def err(self, code: str, message: str, hint: str = "") -> None:
        self.report.add(code, self.loc, message, hint)

    # -- numeric expressions ------------------------------------------------------------------------------
    def _value(self, node: E.Node, scope: dict[str, int | None]) -> float:
        if isinstance(node, E.Const):
            if isinstance(node.value, str):
                self.err(
                    I.TYPE,
                    f"the name {node.src} is used as a number",
                    "quoted names only index data (x['D', j]) or compare with indices (i == 'D')",
                )
            return 0
        if isinstance(node, E.Name):
            return self._name(node, scope)
        if isinstance(node, E.Index):
            return self._index(node, scope)
        if isinstance(node, E.Neg):
            return self._value(node.operand, scope)
        if isinstance(node, E.BinOp):
            return self._binop(node, scope)
        if isinstance(node, E.Call):
            return self._call(node, scope)
        if isinstance(node, E.Reduce):
            return self._reduce(node, scope)
        if isinstance(node, E.IfExp):
            self.condition(node.cond, scope)
            return max(self._value(node.then, scope), self._value(node.other, scope))
        if isinstance(node, (E.Compare, E.BoolOp, E.Not, E.Membership)):
            self.err(
                I.TYPE,
                f"'{node.src}' is a condition, not a number",
                "relations belong at the top of a constraint; conditions go in 'where' or 'if'",
            )
            return 0
        self.err(I.SYNTAX, f"unsupported expression '{node.src}'")
        return 0

    def _mark(self, node: E.Node, degree: float) -> float:
        if degree > 1 and node.src not in self.nonlinear:
            self.nonlinear.append(node.src)
        return degree

    def _name(self, node: E.Name, scope: dict[str, int | None]) -> float:
        name = node.id
        if name in scope:
            if scope[name] not in (None, 1):
                self.err(
                    I.TYPE,
                    f"index '{name}' stands for a tuple and cannot be used as a number",
                    f"unpack it: for (a, b) in ... instead of for {name} in ...",
                )
            return 0
        if name in self.sym.params:
            self._check_arity(name, self.sym.params[name], 0, node.src)
            return 0
        if name in self.sym.variables:
            self._check_arity(name, self.sym.variables[name], 0, node.src)
            return 1
        if name in self.sym.sets:
            self.err(
                I.TYPE,
                f"set '{name}' used as a number in '{node.src}'",
                f"use card({name}) for its size, or sum(... for i in {name})",
            )
            return 0
        self.undefined(name, scope)
        return 0

    def undefined(self, name: str, scope: dict[str, int | None]) -> None:
        known = [*scope, *self.sym.all_names()]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "declare it as a set, parameter or variable"
        if len(name) <= 2 and name.islower():
            hint += f" If '{name}' is an index, bind it: forall ['{name} in SET'] or 'for {name} in SET'"
        self.err(I.UNDEFINED, f"'{name}' is not defined", hint)

    def _check_arity(self, name: str, arity: int | None, given: int, src: str) -> None:
        if arity is None or arity == given:
            return
        if arity == 0:
            self.err(I.ARITY, f"'{name}' is a scalar but is indexed in '{src}'", f"write plain '{name}'")
        else:
            self.err(
                I.ARITY,
                f"'{name}' needs {arity} index(es) but '{src}' gives {given}",
                f"write {name}[{', '.join(f'i{k + 1}' for k in range(arity))}]",
            )

    def _index(self, node: E.Index, scope: dict[str, int | None]) -> float:
        given = 0
        for arg in node.args:
            if isinstance(arg, E.Name) and arg.id in scope:
                given += scope[arg.id] or 1
                continue
            given += 1
            if self._element(arg, scope) > 0:
                self.err(
                    I.TYPE,
                    f"index '{arg.src}' of '{node.src}' depends on decision variables",
                    "indices must be elements computed from data and bound indices",
                )
        name = node.base
        if name in self.sym.params:
            self._check_arity(name, self.sym.params[name], given, node.src)
            return 0
        if name in self.sym.variables:
            self._check_arity(name, self.sym.variables[name], given, node.src)
            return 1
        if name in self.sym.sets:
            self.err(
                I.TYPE, f"set '{name}' cannot be indexed in '{node.src}'", f"use membership: (...) in {name}"
            )
            return 0
        if name in scope:
            self.err(
                I.TYPE, f"index '{name}' cannot be indexed in '{node.src}'", "index a parameter or variable"
            )
            return 0
        self.undefined(name, scope)
        return 0

    def _binop(self, node: E.BinOp, scope: dict[str, int | None]) -> float:
        left = self._value(node.left, scope)
        right = self._value(node.right, scope)
        op = node.op
        if op in ("+", "-"):
            return max(left, right)
        if op == "*":
            if left > 0 and right > 0:
                return self._mark(node, NONLINEAR if left + right > 2 else left + right)
            return left + right
        if op == "/":
            return left if right == 0 else self._mark(node, NONLINEAR)
        if op == "%":
            if left or right:
                self.err(
                    I.TYPE, f"'%' on decision variables in '{node.src}'", "use integer variables instead"
                )
            return 0
        # power
        if right > 0:
            return self._mark(node, NONLINEAR)
        if left == 0:
            return 0
        exponent = node.right
        if isinstance(exponent, E.Const) and isinstance(exponent.value, (int, float)):
            k = exponent.value
            if float(k).is_integer() and k >= 0:
                deg = left * int(k)
                return self._mark(node, NONLINEAR if deg > 2 else deg)
        return self._mark(node, NONLINEAR)

    def _call(self, node: E.Call, scope: dict[str, int | None]) -> float:
        if node.func in ("card", "len"):
            arg = node.args[0]
            if not (isinstance(arg, E.Name) and arg.id in self.sym.sets):
                self.err(
                    I.TYPE, f"{node.func}() takes a set name in '{node.src}'", "write card(I) for a set I"
                )
            return 0
        degrees = [self._value(a, scope) for a in node.args]
        top = max(degrees, default=0)
        if top == 0:
            return 0
        if node.func in E.DATA_ONLY_FUNCTIONS:
            self.err(
                I.TYPE,
                f"{node.func}() of decision variables in '{node.src}'",
                "use an integer variable to model rounding",
            )
            return 0
        return self._mark(node, NONLINEAR)

    def _reduce(self, node: E.Reduce, scope: dict[str, int | None]) -> float:
        inner = dict(scope)
        for loop in node.loops:
            self._bind(loop.targets, loop.set_name, inner, node.src)
        for cond in node.conditions:
            self.condition(cond, inner)
        body = self._value(node.body, inner)
        if node.func == "sum":
            return body
        return self._mark(node, NONLINEAR) if body > 0 else 0

    def _bind(self, targets: tuple[str, ...], set_name: str, scope: dict[str, int | None], src: str) -> None:
        if set_name not in self.sym.sets:
            if set_name in self.sym.params or set_name in self.sym.variables:
                self.err(I.TYPE, f"'{set_name}' is not a set (in '{src}')", "loops run over declared sets")
            else:
                self.undefined(set_name, scope)
            dim = None
        else:
            dim = self.sym.sets[set_name]
        for t in targets:
            if t in scope:
                self.err(
                    I.TYPE, f"index '{t}' is bound twice (in '{src}')", "give the inner index another name"
                )
            if t in self.sym.all_names():
                self.err(I.TYPE, f"index '{t}' shadows a declared symbol (in '{src}')", "rename the index")
        if len(targets) > 1:
            if dim is not None and dim != len(targets):
                self.err(
                    I.ARITY,
                    f"'{set_name}' has {dim}-tuples but {len(targets)} names are bound (in '{src}')",
                    f"bind {dim} name(s)",
                )
            for t in targets:
                scope[t] = 1
        elif targets:
            scope[targets[0]] = dim

    def bind_all(self, bindings: list[tuple[tuple[str, ...], str]], src: str) -> dict[str, int | None]:
        scope: dict[str, int | None] = {}
        for targets, set_name in bindings:
            self._bind(targets, set_name, scope, src)
        return scope

    # -- conditions ---------------------------------------------------------------------------------------
    def _cond(self, node: E.Node, scope: dict[str, int | None]) -> float:
        if isinstance(node, E.BoolOp):
            return max(self._cond(v, scope) for v in node.values)
        if isinstance(node, E.Not):
            return self._cond(node.operand, scope)
        if isinstance(node, E.Membership):
            if node.set_name not in self.sym.sets:
                self.undefined(node.set_name, scope)
            return max((self._element(i, scope) for i in node.items), default=0)
        if isinstance(node, E.Compare):
            return max(self._element(o, scope) for o in node.operands)
        return self._value(node, scope)

    def _element(self, node: E.Node, scope: dict[str, int | None]) -> float:
        """Degree of an index position or a compared operand, where names and tuple indices are fine."""
        if isinstance(node, E.Const) or (isinstance(node, E.Name) and node.id in scope):
            return 0
        return self._value(node, scope)


def arity_of(bindings: list[tuple[tuple[str, ...], str]], symbols: Symbols) -> int | None:
    """Number of index positions a list of bindings produces (None when a set's dimension is unknown)."""
    total = 0
    for targets, set_name in bindings:
        dim = symbols.sets.get(set_name)
        if dim is None:
            return None
        total += dim if len(targets) <= 1 else len(targets)
    return total
