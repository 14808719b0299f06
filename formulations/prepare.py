"""From a Formulation to a checked, data-resolved model: parse, analyse, resolve, classify.

``prepare()`` never raises on a bad model: every problem lands in ``Prepared.report``.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations import issues as I
from optagent.formulations import limits as L
from optagent.formulations.analysis import Analyzer, Symbols, arity_of
from optagent.formulations.data import DataResolver, static_set_dims
from optagent.formulations.evaluate import Backend, Builder, EvalError, ResolvedSet
from optagent.formulations.expand import Binding, domain, domain_keys, domain_size, env_of, reserve, split_key
from optagent.formulations.model import LINEAR_TYPES, Formulation, ProblemType, VarType

RELATION_OPS = ("<=", ">=", "==")
_COUNT_WORDS = re.compile(r"\b(number of|how many|count of|num(ber)?_|n_)", re.IGNORECASE)
_SUFFIX = {"set": "set", "parameter": "data", "variable": "var"}
_CLASS_RANK = {
    ProblemType.LP: 0,
    ProblemType.ILP: 0,
    ProblemType.MILP: 0,
    ProblemType.QP: 1,
    ProblemType.MIQP: 1,
    ProblemType.QCP: 2,
    ProblemType.MIQCP: 2,
    ProblemType.NLP: 3,
    ProblemType.MINLP: 3,
}


@dataclass
class PreparedVar:
    name: str
    bindings: list[Binding]
    where: E.Node | None
    type: VarType
    lower: float | E.Node | None
    upper: float | E.Node | None
    keys: list[tuple] = field(default_factory=list)
    ready: bool = False  # index combinations enumerated
    dims: list[int] = field(default_factory=list)  # dimension of each binding's set
    _envs: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def envs(self) -> list[dict[str, Any]]:
        """The index environment of every key, in the order of ``keys`` (built when first asked for)."""
        if self._envs is None:
            self._envs = [env_of(self.bindings, split_key(k, self.dims)) for k in self.keys]
        return self._envs


@dataclass
class PreparedConstraint:
    name: str
    bindings: list[Binding]
    where: E.Node | None
    lhs: E.Node  # for ranged rows: the lower bound
    op: str  # "<=", ">=", "==" or "range"
    rhs: E.Node  # for ranged rows: the upper bound
    body: E.Node | None = None  # ranged rows only
    degree: float = 0
    checked: bool = False  # passed the static checks, so it can be instantiated


@dataclass
class Prepared:
    formulation: Formulation
    report: I.Report
    sets: dict[str, ResolvedSet] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, PreparedVar] = field(default_factory=dict)
    objective: E.Node | None = None
    objective_degree: float = 0
    constraints: list[PreparedConstraint] = field(default_factory=list)
    problem_class: ProblemType = ProblemType.LP
    ambiguous: set[str] = field(default_factory=set)  # names declared more than once
    # Work allowed to prepare() and the expansion that follows it (validation or compilation): its
    # deadline runs from prepare(). Give a Prepared a fresh Budget() before expanding it again later.
    budget: L.Budget = field(default_factory=L.Budget)

    @property
    def has_integers(self) -> bool:
        return any(v.type != VarType.continuous for v in self.variables.values())


class _Preparer:
    def __init__(self, f: Formulation) -> None:
        self.f = f
        self.report = I.Report()
        self.prep = Prepared(f, self.report)
        self.nonlinear_parts: list[str] = []  # source of every nonlinear term, for the class-mismatch message

    def parse(self, text: str, loc: str) -> E.Node | None:
        try:
            return E.parse(text)
        except E.ExprSyntaxError as exc:
            self.report.add(I.SYNTAX, loc, exc.message, exc.hint)
            return None

    def bindings(self, items: list[str], loc: str) -> list[Binding] | None:
        out: list[Binding] = []
        for text in items:
            try:
                out.append(E.parse_binding(text))
            except E.ExprSyntaxError as exc:
                self.report.add(I.SYNTAX, loc, exc.message, exc.hint)
                return None
        return out

    def run(self) -> Prepared:
        self.check_names()
        dims = static_set_dims(self.f.sets)
        self.symbols = Symbols(sets=dict(dims))
        param_bindings: dict[str, list[Binding] | None] = {}
        param_exprs: dict[str, E.Node | None] = {}
        for p in self.f.parameters:
            loc = f"parameter '{p.name}'"
            param_bindings[p.name] = b = self.bindings(p.index, loc)
            self.symbols.params[p.name] = arity_of(b, self.symbols) if b is not None else None
            param_exprs[p.name] = self.parse(p.expr, loc) if p.expr is not None else None
        var_bindings = {}
        for v in self.f.variables:
            var_bindings[v.name] = b = self.bindings(v.index, f"variable '{v.name}'")
            self.symbols.variables[v.name] = arity_of(b, self.symbols) if b is not None else None
        # range ends and filter conditions may use parameters: analysed once every symbol is known
        set_parsed = {s.name: self.parse_set(s) for s in self.f.sets}
        self.check_set_references()
        self.resolve_data(set_parsed, param_bindings, param_exprs)
        self.prepare_variables(var_bindings)
        self.prepare_objective()
        for c in self.f.constraints:
            self.prepare_constraint(c)
        self.book_expansion()
        self.classify()
        return self.prep

    # -- names ----------------------------------------------------------------------------------------------
    def check_names(self) -> None:
        seen: dict[str, str] = {}
        reserved = {*E.FUNCTIONS, *E.REDUCTIONS}
        for kind, items in (
            ("set", self.f.sets),
            ("parameter", self.f.parameters),
            ("variable", self.f.variables),
        ):
            for item in items:
                name = item.name
                loc = f"{kind} '{name}'"
                if not name.isidentifier() or keyword.iskeyword(name):
                    self.report.add(
                        I.SYNTAX, loc, f"'{name}' is not a valid name", "use letters, digits and _"
                    )
                elif name in reserved:
                    self.report.add(
                        I.RESERVED,
                        loc,
                        f"'{name}' is the expression language's function {name}(...)",
                        f"rename the {kind} (e.g. '{name}_{_SUFFIX[kind]}'); names that are no function "
                        "of the language are free",
                    )
                if name in seen:
                    self.prep.ambiguous.add(name)
                    self.report.add(
                        I.DUPLICATE,
                        loc,
                        f"'{name}' is already declared as a {seen[name]}",
                        "give each symbol one name",
                    )
                seen.setdefault(name, kind)
        names = [c.name for c in self.f.constraints]
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.report.add(
                I.DUPLICATE, f"constraint '{name}'", "two constraints share this name", "rename one"
            )

    # -- sets and data --------------------------------------------------------------------------------------
    def parse_set(self, s: Any) -> dict[str, Any] | None:
        """Parsed range ends and filter of a set; None when they are broken (the set is then skipped)."""
        loc = f"set '{s.name}'"
        errors = len(self.report.errors)
        parsed: dict[str, Any] = {}
        if s.range is not None:
            for part in ("start", "end"):
                value = getattr(s.range, part)
                if isinstance(value, str):
                    node = self.parse(value, f"{loc}.range.{part}")
                    if node is not None:
                        Analyzer(self.symbols, self.report, f"{loc}.range.{part}").value(node, {})
                    parsed[f"range.{part}"] = node
        if s.filter is not None:
            b = self.bindings([s.filter.over], loc)
            node = self.parse(s.filter.condition, f"{loc}.filter.condition")
            if b is not None and node is not None:
                an = Analyzer(self.symbols, self.report, f"{loc}.filter.condition")
                scope = an.bind_all(b, s.filter.over)
                an.condition(node, scope)
                parsed["filter.over"] = b[0]
                parsed["filter.condition"] = node
        return parsed if len(self.report.errors) == errors else None

    def check_set_references(self) -> None:
        for s in self.f.sets:
            for member in s.union or s.intersection or s.difference or s.product or []:
                if member not in self.symbols.sets:
                    an = Analyzer(self.symbols, self.report, f"set '{s.name}'")
                    an.undefined(member, {})

    def resolve_data(self, set_parsed: dict, param_bindings: dict, param_exprs: dict) -> None:
        resolver = DataResolver(self.report, self.prep.budget)
        deps: dict[str, set[str]] = {}
        for s in self.f.sets:
            refs = set(s.union or s.intersection or s.difference or s.product or [])
            for node in (set_parsed[s.name] or {}).values():
                if isinstance(node, tuple):
                    refs.add(node[1])
                elif node is not None:
                    refs |= references(node)
            deps[s.name] = refs
        for p in self.f.parameters:
            refs = {name for _, name in param_bindings[p.name] or []}
            node = param_exprs[p.name]
            if node is not None:
                loc = f"parameter '{p.name}'"
                errors = len(self.report.errors)
                an = Analyzer(self.symbols, self.report, loc)
                scope = an.bind_all(param_bindings[p.name] or [], ", ".join(p.index))
                if an.value(node, scope) > 0:
                    self.report.add(
                        I.TYPE, loc, f"derived parameter '{p.expr}' uses decision variables", "use only data"
                    )
                if len(self.report.errors) > errors:
                    param_bindings[p.name] = None  # not evaluated: its expression is broken
                refs |= references(node)
            deps[p.name] = refs
        set_defs = {s.name: s for s in self.f.sets}
        param_defs = {p.name: p for p in self.f.parameters}
        for name in topological(deps, self.report):
            ready = all(r in resolver.sets or r in resolver.params for r in deps[name] if r in deps)
            if not ready or (name in set_defs and set_parsed[name] is None):
                continue
            if name in set_defs:
                resolver.resolve_set(set_defs[name], set_parsed[name])
            elif param_bindings.get(name) is not None:
                resolver.resolve_param(param_defs[name], param_bindings[name], param_exprs[name])
        self.prep.sets, self.prep.params = resolver.sets, resolver.params
        for name, s in resolver.sets.items():
            self.symbols.sets[name] = s.dim

    # -- variables, objective, constraints -------------------------------------------------------------------
    def scope(
        self, loc: str, bindings: list[Binding], texts: list[str], where_text: str | None
    ) -> tuple[Analyzer, dict[str, int | None], E.Node | None]:
        """Analyzer for an indexed item, the index scope its bindings open, and its checked condition."""
        an = Analyzer(self.symbols, self.report, loc)
        scope = an.bind_all(bindings, ", ".join(texts))
        where = self.parse(where_text, f"{loc}.where") if where_text else None
        if where is not None:
            an.condition(where, scope)
        return an, scope, where

    def prepare_variables(self, var_bindings: dict[str, list[Binding] | None]) -> None:
        for v in self.f.variables:
            loc = f"variable '{v.name}'"
            b = var_bindings[v.name]
            if b is None:
                continue
            errors = len(self.report.errors)
            an, scope, where = self.scope(loc, b, v.index, v.where)
            bounds: list[float | E.Node | None] = []
            for part in ("lower", "upper"):
                raw = getattr(v, part)
                if isinstance(raw, str):
                    node = self.parse(raw, f"{loc}.{part}")
                    if node is not None and an.value(node, scope) > 0:
                        self.report.add(
                            I.TYPE, f"{loc}.{part}", "bounds cannot use decision variables", "use data"
                        )
                        node = None
                    bounds.append(node)
                else:
                    bounds.append(raw)
            lo, up = bounds
            if isinstance(lo, (int, float)) and isinstance(up, (int, float)) and lo > up:
                self.report.add(
                    I.BOUNDS, loc, f"lower bound {lo} exceeds upper bound {up}", "swap or fix the bounds"
                )
            if v.type == VarType.binary and any(
                isinstance(x, (int, float)) and not 0 <= x <= 1 for x in (lo, up)
            ):
                self.report.add(
                    I.BOUNDS, loc, f"binary variable with bounds [{lo}, {up}]", "binaries lie in [0, 1]"
                )
            if v.type == VarType.continuous and _COUNT_WORDS.search(f"{v.name} {v.description}"):
                self.report.add(
                    I.INTEGRALITY,
                    loc,
                    "looks like a count of indivisible things but is continuous",
                    "declare type 'integer' unless fractional amounts are allowed",
                    "warning",
                )
            pv = PreparedVar(v.name, b, where, v.type, lo, up)
            if all(s in self.prep.sets for _, s in b) and len(self.report.errors) == errors:
                self.enumerate_var(pv, loc)
            self.prep.variables[v.name] = pv

    def enumerate_var(self, pv: PreparedVar, loc: str) -> None:
        prep = self.prep
        size = domain_size(pv.bindings, prep.sets)
        prep.budget.store(size, loc)
        reserve(prep.budget, size, [pv.where], prep.sets, f"{loc} ({size:,} index combinations)")
        pv.dims = [prep.sets[s].dim for _, s in pv.bindings]
        if pv.where is None:
            pv.keys = domain_keys(pv.bindings, prep.sets)
            pv.ready = True
            return
        cond = Builder(prep.sets, prep.params, Backend(), prep.budget).condition(pv.where)
        envs = []
        for key, env in domain(pv.bindings, prep.sets, prep.budget):
            try:
                if cond(env):
                    pv.keys.append(key)
                    envs.append(env)
            except EvalError as exc:
                self.report.add(exc.code, f"{loc}.where", exc.message, exc.hint)
                return
        pv._envs = envs
        pv.ready = True

    def prepare_objective(self) -> None:
        node = self.parse(self.f.objective.expr, "objective")
        if node is None:
            return
        if isinstance(node, (E.Compare, E.Membership, E.BoolOp)):
            self.report.add(
                I.RELATION, "objective", "the objective is a relation", "give an expression to optimise"
            )
            return
        errors = len(self.report.errors)
        an = Analyzer(self.symbols, self.report, "objective")
        self.prep.objective_degree = an.value(node, {})
        if len(self.report.errors) == errors:
            self.prep.objective = node
        self.nonlinear_parts += an.nonlinear

    def prepare_constraint(self, c: Any) -> None:
        loc = f"constraint '{c.name}'"
        b = self.bindings(c.forall, loc)
        node = self.parse(c.expr, loc)
        if b is None or node is None:
            return
        errors = len(self.report.errors)
        an, scope, where = self.scope(loc, b, c.forall, c.where)
        if not isinstance(node, E.Compare):
            self.report.add(
                I.RELATION,
                loc,
                f"'{c.expr}' is not a relation",
                "write 'lhs <= rhs', 'lhs >= rhs' or 'lhs == rhs'",
            )
            return
        bad = [op for op in node.ops if op not in RELATION_OPS]
        if bad:
            hint = (
                "solvers need non-strict relations: use <= or >="
                if set(bad) <= {"<", ">"}
                else "use <=, >=, =="
            )
            self.report.add(I.RELATION, loc, f"relation '{bad[0]}' is not allowed in '{c.expr}'", hint)
            return
        degrees = [an.value(o, scope) for o in node.operands]
        self.nonlinear_parts += an.nonlinear
        if len(node.ops) == 1:
            pc = PreparedConstraint(c.name, b, where, node.operands[0], node.ops[0], node.operands[1])
        elif len(node.ops) == 2 and node.ops[0] == node.ops[1] and "==" not in node.ops:
            if degrees[0] > 0 or degrees[2] > 0:
                self.report.add(
                    I.RELATION,
                    loc,
                    "a chained relation needs data-only outer terms",
                    "split it into two constraints",
                )
                return
            lo, body, hi = node.operands if node.ops[0] == "<=" else node.operands[::-1]
            pc = PreparedConstraint(c.name, b, where, lo, "range", hi, body=body)
        else:
            self.report.add(
                I.RELATION, loc, f"unsupported chained relation '{c.expr}'", "split into two constraints"
            )
            return
        pc.degree = max(degrees)
        pc.checked = len(self.report.errors) == errors
        if pc.degree == 0:
            self.report.add(
                I.CONSTANT,
                loc,
                "involves no decision variables",
                "it only tests data; remove it or check the variable names",
                "warning",
            )
        self.prep.constraints.append(pc)

    def book_expansion(self) -> None:
        """Book the objective, the bounds and every constraint's rows against the budget before any of
        them is expanded, so an oversized model is refused here, by its estimate."""
        prep = self.prep
        if prep.objective is not None:
            reserve(prep.budget, 1, [prep.objective], prep.sets, "the objective")
        for pv in prep.variables.values():
            nodes = [b for b in (pv.lower, pv.upper) if isinstance(b, E.Node)]
            if pv.ready and nodes:
                reserve(prep.budget, len(pv.keys), nodes, prep.sets, f"the bounds of variable '{pv.name}'")
        for pc in prep.constraints:
            if pc.checked and all(s in prep.sets for _, s in pc.bindings):
                rows = domain_size(pc.bindings, prep.sets)
                prep.budget.store(rows, f"constraint '{pc.name}'")
                nodes = [pc.where, pc.lhs, pc.rhs, pc.body]
                reserve(prep.budget, rows, nodes, prep.sets, f"constraint '{pc.name}' ({rows:,} rows)")

    # -- classification --------------------------------------------------------------------------------------
    def classify(self) -> None:
        prep = self.prep
        integer = prep.has_integers
        cons = max((c.degree for c in prep.constraints), default=0)
        obj = prep.objective_degree
        if math.isinf(max(cons, obj)):
            cls = ProblemType.MINLP if integer else ProblemType.NLP
        elif cons == 2:
            cls = ProblemType.MIQCP if integer else ProblemType.QCP
        elif obj == 2:
            cls = ProblemType.MIQP if integer else ProblemType.QP
        elif not integer:
            cls = ProblemType.LP
        else:
            all_int = all(v.type != VarType.continuous for v in prep.variables.values())
            cls = ProblemType.ILP if all_int else ProblemType.MILP
        prep.problem_class = cls
        declared = self.f.problem_type
        if declared is None:
            return
        if _CLASS_RANK[cls] > _CLASS_RANK[declared]:
            parts = self.nonlinear_parts
            shown = "; ".join(f"'{p}'" for p in parts[:4])
            code = I.NONLINEAR if declared in LINEAR_TYPES else I.TYPE
            self.report.add(
                code,
                "problem_type",
                f"declared {declared.value} but the model is {cls.value}: {shown}",
                "linearise these terms (e.g. binaries with big-M) or declare the true problem_type",
            )


def references(node: E.Node) -> set[str]:
    """Every symbol a node mentions (names, indexed symbols, loop and membership sets)."""
    refs: set[str] = set()
    for n in E.walk(node):
        if isinstance(n, E.Name):
            refs.add(n.id)
        elif isinstance(n, E.Index):
            refs.add(n.base)
        elif isinstance(n, E.Reduce):
            refs.update(loop.set_name for loop in n.loops)
        elif isinstance(n, E.Membership):
            refs.add(n.set_name)
    return refs


def topological(deps: dict[str, set[str]], report: I.Report) -> list[str]:
    """Order sets and parameters so each comes after what it uses; report cycles."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name) :], name]
            report.add(
                I.CYCLE, f"'{name}'", "defined in terms of itself: " + " -> ".join(cycle), "break the cycle"
            )
            return
        state[name] = 1
        for dep in sorted(deps[name]):
            if dep in deps:
                visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in deps:
        visit(name, [])
    return order


def prepare(formulation: Formulation) -> Prepared:
    """Parse, analyse and resolve a formulation; all problems are in the returned ``report``."""
    return _Preparer(formulation).run()
