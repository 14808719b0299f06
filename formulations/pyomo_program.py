"""A readable Pyomo program generated deterministically from a formulation.

The program builds the model the compiler builds (the same sets, data, variables, bounds, objective and
constraint rows) from plain Python data, solves it with the solver optagent would choose and prints the
result. It needs only pyomo and the solver, and it cannot go stale: it is derived from the formulation each
time it is asked for (chat's ``/code`` and ``/export python``).
"""

from __future__ import annotations

import json
import math
import textwrap
from typing import Any

from optagent.errors import SolverUnavailable
from optagent.formulations import expr as E
from optagent.formulations.compile_pyomo import Compiled, compile_prepared
from optagent.formulations.data import Binding, domain
from optagent.formulations.evaluate import Backend, Builder, Table
from optagent.formulations.issues import Report
from optagent.formulations.model import Formulation, SetDef, VarType
from optagent.formulations.prepare import Prepared, PreparedConstraint, prepare, references, topological
from optagent.formulations.solvers import SOLVERS, choose

WIDTH = 100
# Names the program itself uses; formulation names equal to one of these get a trailing "_".
RESERVED = frozenset(
    {"model", "pyo", "math", "defaultdict", "results", "var", "pyomo_abs", "pyomo_min", "pyomo_max"}
    | {"skip_if_constant", "sum", "len", "min", "max", "abs", "round", "range", "list", "dict", "int"}
    | {"print", "tuple", "float"}
)
_PREC = {"+": 7, "-": 7, "*": 8, "/": 8, "%": 8, "**": 10}
_PYOMO_FUNCS = {"sqrt", "exp", "log", "log10", "sin", "cos"}
_GAP_OPTION = {"highs": "mip_rel_gap", "scip": "limits/gap", "gurobi": "MIPGap"}
_HELPERS = {
    "skip_if_constant": '''def skip_if_constant(relation):
    """A row without variables (e.g. an empty sum) holds on data alone: skip it, as optagent does."""
    return pyo.Constraint.Skip if relation is True else relation''',
    "pyomo_abs": '''def pyomo_abs(e):
    """|e| written as sqrt(e**2): exact, and accepted by every nonlinear solver (SCIP has no abs)."""
    return pyo.sqrt(e**2)''',
    "pyomo_min": '''def pyomo_min(*args):
    """min(a, b) = (a + b - |a - b|) / 2, applied pairwise."""
    out = args[0]
    for a in args[1:]:
        out = (out + a - pyomo_abs(out - a)) / 2
    return out''',
    "pyomo_max": '''def pyomo_max(*args):
    """max(a, b) = (a + b + |a - b|) / 2, applied pairwise."""
    out = args[0]
    for a in args[1:]:
        out = (out + a + pyomo_abs(out - a)) / 2
    return out''',
}


def pyomo_program(formulation: Formulation, *, solver: str = "auto", title: str = "") -> str:
    """The Python source of a Pyomo program for ``formulation`` (raises FormulationInvalid if it is invalid).

    ``title`` is added to the program's docstring (e.g. the chat scenario it belongs to).
    """
    prep = prepare(formulation)
    compiled = compile_prepared(prep)
    return _Writer(prep, compiled).program(solver, title)


def one_line(text: str) -> str:
    """Free text (descriptions, units) made safe for a comment: one line, whitespace collapsed."""
    return " ".join(str(text).split())


def literal(value: Any) -> str:
    """Python literal of a data value or a set element (strings in double quotes, tuples flat)."""
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    return repr(value)


def _layout(lines: list[str]) -> str:
    """Join lines with PEP 8 spacing: two blank lines around top-level functions and the main block."""
    chunks: list[tuple[str, list[str], bool]] = []  # (kind, lines, a blank line came before)
    blank = False
    for line in lines:
        if not line.strip():
            blank = True
            continue
        if line.startswith((" ", ")", "]", "}")) and chunks:
            chunks[-1][1].append(line)  # a function body or a wrapped literal continues
        elif line.startswith(("def ", "if __name__")):
            if chunks and chunks[-1][0] == "comment" and not blank:
                _, comment, before = chunks.pop()  # the comment above a function stays with it
                chunks.append(("def", [*comment, line], before))
            else:
                chunks.append(("def", [line], blank))
        else:
            chunks.append(("comment" if line.startswith("#") else "code", [line], blank))
        blank = False
    out: list[str] = []
    for k, (kind, body, before) in enumerate(chunks):
        if k and "def" in (kind, chunks[k - 1][0]):
            out += ["", ""]
        elif k and before:
            out.append("")
        out += body
    return "\n".join(out) + "\n"


def _doc(text: str) -> str:
    """Free text made safe inside a docstring (no quote or backslash can end it early)."""
    return one_line(text).replace("\\", "/").replace('"', "'")


def _wrapped(head: str, items: list[str], tail: str) -> list[str]:
    """``head item, item, ... tail`` on one line, or the items packed on indented lines."""
    one = f"{head}{', '.join(items)}{tail}"
    if len(one) <= WIDTH:
        return [one]
    lines, line = [head], ""
    for item in items:
        if line and 4 + len(line) + len(item) + 2 > WIDTH:
            lines.append(f"    {line.rstrip()}")
            line = ""
        line += f"{item}, "
    lines += [f"    {line.rstrip()}", tail.strip()]
    return lines


class _Writer:
    def __init__(self, prep: Prepared, compiled: Compiled) -> None:
        self.prep = prep
        self.f = prep.formulation
        self.compiled = compiled
        self.components = compiled.component_names
        self.dims = {name: s.dim for name, s in prep.sets.items()}
        self.used: set[str] = set()  # helpers and imports the program needs

    # -- names and bindings ---------------------------------------------------------------------------------
    def name(self, ident: str) -> str:
        return f"{ident}_" if ident in RESERVED else ident

    def binding(self, b: Binding, n: int) -> tuple[str, list[str], list[str], set[str]]:
        """(for-target, flat key parts, rule arguments, names bound to tuples) of one index binding."""
        targets, set_name = b
        dim = self.dims.get(set_name, 1)
        if len(targets) > 1:
            names = [self.name(t) for t in targets]
            return ", ".join(names), names, names, set()
        name = self.name(targets[0]) if targets else f"_{set_name.lower()}{n}"
        if dim == 1:
            return name, [name], [name], set()
        return name, [f"*{name}"], [f"{name}_{k + 1}" for k in range(dim)], {targets[0] if targets else name}

    def loops(self, bindings: list[Binding]) -> tuple[str, str, set[str]]:
        """(``for ... in ...`` clauses, the flat key expression, tuple-bound names) of several bindings."""
        clauses, parts, tuples = [], [], set()
        for n, b in enumerate(bindings):
            target, key, _, bound = self.binding(b, n)
            clauses.append(f"for {target} in {self.name(b[1])}")
            parts += key
            tuples |= bound
        key = parts[0].removeprefix("*") if len(parts) == 1 else f"({', '.join(parts)})"
        return " ".join(clauses), key, tuples

    def rule_args(self, bindings: list[Binding]) -> tuple[list[str], list[str], set[str]]:
        """Arguments of a Pyomo rule (flat index parts), lines that rebuild tuple indices, tuple names."""
        args, unpack, tuples = [], [], set()
        for n, b in enumerate(bindings):
            target, _, names, bound = self.binding(b, n)
            args += names
            if bound:
                unpack.append(f"    {target} = ({', '.join(names)})")
            tuples |= bound
        return args, unpack, tuples

    def index_set(self, bindings: list[Binding], where: E.Node | None) -> str:
        """The index of a variable or constraint: a set name, or a comprehension of flat keys."""
        if len(bindings) == 1 and where is None:
            return self.name(bindings[0][1])
        clauses, key, tuples = self.loops(bindings)
        condition = f" if {self.expr(where, tuples)}" if where is not None else ""
        return f"[{key} {clauses}{condition}]"

    # -- expressions ----------------------------------------------------------------------------------------
    def expr(self, node: E.Node, tuples: set[str] = frozenset()) -> str:  # type: ignore[assignment]
        return self.emit(node, tuples)[0]

    def wrap(self, node: E.Node, tuples: set[str], least: int) -> str:
        text, prec = self.emit(node, tuples)
        return f"({text})" if prec < least else text

    def uses_variables(self, node: E.Node) -> bool:
        return bool(references(node) & set(self.prep.variables))

    def emit(self, node: E.Node, tuples: set[str]) -> tuple[str, int]:
        """Python source of ``node`` and its precedence (higher binds tighter)."""
        if isinstance(node, E.Const):
            return literal(node.value), 11
        if isinstance(node, E.Name):
            return self.symbol(node.id), 11
        if isinstance(node, E.Index):
            return self.index(node, tuples), 11
        if isinstance(node, E.Neg):
            return "-" + self.wrap(node.operand, tuples, 9), 9
        if isinstance(node, E.BinOp):
            p = _PREC[node.op]
            if node.op == "**":
                return f"{self.wrap(node.left, tuples, 11)}**{self.wrap(node.right, tuples, 9)}", p
            left, right = self.wrap(node.left, tuples, p), self.wrap(node.right, tuples, p + 1)
            return f"{left} {node.op} {right}", p
        if isinstance(node, E.Compare):
            parts = [self.wrap(node.operands[0], tuples, 6)]
            for op, operand in zip(node.ops, node.operands[1:]):
                parts.append(f"{op} {self.wrap(operand, tuples, 6)}")
            return " ".join(parts), 5
        if isinstance(node, E.Membership):
            items = [self.wrap(i, tuples, 6) for i in node.items]
            item = items[0] if len(items) == 1 else f"({', '.join(items)})"
            return f"{item} {'not in' if node.negated else 'in'} {self.name(node.set_name)}", 5
        if isinstance(node, E.Not):
            return "not " + self.wrap(node.operand, tuples, 4), 4
        if isinstance(node, E.BoolOp):
            p = 3 if node.op == "and" else 2
            return f" {node.op} ".join(self.wrap(v, tuples, p + 1) for v in node.values), p
        if isinstance(node, E.IfExp):
            then, cond = self.wrap(node.then, tuples, 2), self.wrap(node.cond, tuples, 2)
            return f"{then} if {cond} else {self.wrap(node.other, tuples, 1)}", 1
        if isinstance(node, E.Call):
            return self.call(node, tuples), 11
        if isinstance(node, E.Reduce):
            return self.reduce(node, tuples), 11
        raise AssertionError(f"unexpected expression node {type(node).__name__}")  # validated input

    def symbol(self, name: str) -> str:
        """A variable as the model's component, anything else by its (possibly renamed) name."""
        return f"model.{self.components[name]}" if name in self.prep.variables else self.name(name)

    def index(self, node: E.Index, tuples: set[str]) -> str:
        base = self.symbol(node.base)
        args = [self.expr(a, tuples) for a in node.args]
        if len(args) > 1 and any(isinstance(a, E.Name) and a.id in tuples for a in node.args):
            starred = [
                f"*{text}" if isinstance(a, E.Name) and a.id in tuples else text
                for a, text in zip(node.args, args)
            ]
            return f"{base}[({', '.join(starred)})]"
        return f"{base}[{', '.join(args)}]"

    def call(self, node: E.Call, tuples: set[str]) -> str:
        func = node.func
        if func in ("card", "len"):
            return f"len({self.name(node.args[0].id)})"  # type: ignore[attr-defined]
        args = ", ".join(self.expr(a, tuples) for a in node.args)
        if func in _PYOMO_FUNCS:
            return f"pyo.{func}({args})"
        if func in ("floor", "ceil"):
            self.used.add("math")
            return f"math.{func}({args})"
        if func in ("abs", "min", "max") and self.uses_variables(node):
            return f"{self.helper(func)}({args})"
        return f"{func}({args})"

    def helper(self, func: str) -> str:
        self.used |= {f"pyomo_{func}", "pyomo_abs"}
        return f"pyomo_{func}"

    def reduce(self, node: E.Reduce, tuples: set[str]) -> str:
        inner = set(tuples)
        clauses = []
        for n, loop in enumerate(node.loops):
            target, _, _, bound = self.binding((loop.targets, loop.set_name), n)
            clauses.append(f"for {target} in {self.name(loop.set_name)}")
            inner |= bound
        clauses += [f"if {self.wrap(c, inner, 2)}" for c in node.conditions]
        generator = f"{self.wrap(node.body, inner, 2)} {' '.join(clauses)}"
        if node.func == "sum":
            return f"sum({generator})"
        if node.func == "prod":
            self.used.add("math")
            return f"math.prod({generator})"
        if self.uses_variables(node.body):
            return f"{self.helper(node.func)}(*[{generator}])"
        return f"{node.func}({generator})"

    # -- sections -------------------------------------------------------------------------------------------
    def program(self, solver: str, title: str) -> str:
        body = [
            "# Sets and data",
            *self.data(),
            "",
            f"model = pyo.ConcreteModel(name={literal(self.f.name)})",
            "",
            "# Variables",
            *self.variables(),
            "",
            "# Objective",
            *self.objective(),
            "",
            "# Constraints",
            *self.constraints(),
            *self.main(solver),
        ]
        imports = ["import math"] if "math" in self.used else []
        if "defaultdict" in self.used:
            imports.append("from collections import defaultdict")
        imports += ["", "import pyomo.environ as pyo"] if imports else ["import pyomo.environ as pyo"]
        helpers = [line for h in _HELPERS if h in self.used for line in _HELPERS[h].splitlines()]
        return _layout([*self.docstring(title), "", *imports, "", *helpers, "", *body])

    def docstring(self, title: str) -> list[str]:
        kind = f" ({self.f.problem_type.value})" if self.f.problem_type else ""
        first = f"{self.f.name}{kind}" + (f" - {title}" if title else "")
        lines = [f'"""{_doc(first)}']
        if self.f.description:
            lines += ["", *textwrap.wrap(_doc(self.f.description), WIDTH)]
        lines += [
            "",
            "Generated by optagent from the formulation: it builds the model optagent solves.",
            '"""',
        ]
        return lines

    def order(self) -> list[str]:
        deps: dict[str, set[str]] = {}
        for s in self.f.sets:
            refs = set(s.union or s.intersection or s.difference or s.product or [])
            if s.range is not None:
                for end in (s.range.start, s.range.end):
                    refs |= references(E.parse(end)) if isinstance(end, str) else set()
            if s.filter is not None:
                refs.add(E.parse_binding(s.filter.over)[1])
                refs |= references(E.parse(s.filter.condition))
            deps[s.name] = refs
        for p in self.f.parameters:
            refs = {E.parse_binding(b)[1] for b in p.index}
            deps[p.name] = refs | (references(E.parse(p.expr)) if p.expr else set())
        return topological(deps, Report())

    def data(self) -> list[str]:
        sets = {s.name: s for s in self.f.sets}
        params = {p.name: p for p in self.f.parameters}
        lines: list[str] = []
        for name in self.order():
            item = sets.get(name) or params[name]
            comment = [f"# {one_line(item.description)}"] if item.description else []
            body = self.set_lines(item) if isinstance(item, SetDef) else self.param_lines(item)
            lines += comment + body
        return lines

    def set_lines(self, s: SetDef) -> list[str]:
        name = self.name(s.name)
        if s.elements is not None:
            items = [literal(e) for e in self.prep.sets[s.name].elements]
            return _wrapped(f"{name} = [", items, "]")
        if s.range is not None:
            start, end, step = s.range.start, s.range.end, s.range.step
            first = self.expr(E.parse(start)) if isinstance(start, str) else str(start)
            sign = 1 if step > 0 else -1
            if isinstance(end, str):
                stop = f"int({self.expr(E.parse(end))}) {'+' if sign > 0 else '-'} 1"
            else:
                stop = str(end + sign)
            if isinstance(start, str):
                first = f"int({first})"
            tail = f", {step}" if step != 1 else ""
            return [f"{name} = list(range({first}, {stop}{tail}))"]
        if s.union is not None:
            return [f"{name} = list(dict.fromkeys({' + '.join(self.name(m) for m in s.union)}))"]
        if s.intersection is not None:
            first, *rest = (self.name(m) for m in s.intersection)
            return [f"{name} = [e for e in {first} if {' and '.join(f'e in {r}' for r in rest)}]"]
        if s.difference is not None:
            a, b = (self.name(m) for m in s.difference)
            return [f"{name} = [e for e in {a} if e not in {b}]"]
        if s.product is not None:
            bindings = [((f"{m.lower()}{k + 1}",), m) for k, m in enumerate(s.product)]
            clauses, key, _ = self.loops(bindings)
            return [f"{name} = [{key} {clauses}]"]
        assert s.filter is not None
        bindings = [E.parse_binding(s.filter.over)]
        clauses, key, tuples = self.loops(bindings)
        return [f"{name} = [{key} {clauses} if {self.expr(E.parse(s.filter.condition), tuples)}]"]

    def param_lines(self, p: Any) -> list[str]:
        name = self.name(p.name)
        unit = f"  # {one_line(p.unit)}" if p.unit else ""
        bindings = [E.parse_binding(b) for b in p.index]
        if p.expr is not None:
            node = E.parse(p.expr)
            if not bindings:
                return [f"{name} = {self.expr(node)}{unit}"]
            clauses, key, tuples = self.loops(bindings)
            return [f"{name} = {{{key}: {self.expr(node, tuples)} {clauses}}}{unit}"]
        value = self.prep.params[p.name]
        if not isinstance(value, Table):
            return [f"{name} = {literal(value)}{unit}"]
        items = [f"{literal(k[0] if len(k) == 1 else k)}: {literal(v)}" for k, v in value.entries.items()]
        if value.default is None:
            lines = _wrapped(f"{name} = {{", items, "}")
        else:
            self.used.add("defaultdict")
            lines = _wrapped(f"{name} = defaultdict(lambda: {literal(value.default)}, {{", items, "})")
        lines[0] += unit
        return lines

    def variables(self) -> list[str]:
        lines = []
        for v in self.f.variables:
            pv = self.prep.variables[v.name]
            cname = self.components[v.name]
            args = [self.index_set(pv.bindings, pv.where)] if pv.bindings else []
            lo, up = pv.lower, pv.upper
            if pv.type == VarType.binary:
                args.append("domain=pyo.Binary")
                lo, up = (None if lo in (0, None) else lo), (None if up in (1, None) else up)
            else:
                kind = "Reals" if pv.type == VarType.continuous else "Integers"
                if lo == 0 and up is None:
                    kind, lo = f"NonNegative{kind}", None
                args.append(f"domain=pyo.{kind}")
            rule: list[str] = []
            if isinstance(lo, E.Node) or isinstance(up, E.Node):
                params, unpack, tuples = self.rule_args(pv.bindings)
                bounds = ", ".join(self.bound(b, tuples) for b in (lo, up))
                rule = [f"def {cname}_bounds({', '.join(['model', *params])}):", *unpack]
                rule.append(f"    return ({bounds})")
                args.append(f"bounds={cname}_bounds")
            elif lo is not None or up is not None:
                args.append(f"bounds=({self.bound(lo, set())}, {self.bound(up, set())})")
            comment = f"  # {one_line(v.description)}" if v.description else ""
            lines += [*rule, f"model.{cname} = pyo.Var({', '.join(args)}){comment}"]
        return lines

    def bound(self, value: Any, tuples: set[str]) -> str:
        if isinstance(value, E.Node):
            return self.expr(value, tuples)
        return "None" if value is None else literal(value)

    def objective(self) -> list[str]:
        assert self.prep.objective is not None
        name = self.objective_name()
        sense = self.f.objective.sense.value
        expr = self.expr(self.prep.objective)
        description = self.f.objective.description
        comment = [f"# {one_line(description)}"] if description else []
        return [*comment, f"model.{name} = pyo.Objective(expr={expr}, sense=pyo.{sense})"]

    def relation(self, pc: PreparedConstraint, tuples: set[str]) -> str:
        if pc.op == "range":
            assert pc.body is not None
            parts = (self.expr(n, tuples) for n in (pc.lhs, pc.body, pc.rhs))
            return f"pyo.inequality({', '.join(parts)})"
        return f"{self.wrap(pc.lhs, tuples, 6)} {pc.op} {self.wrap(pc.rhs, tuples, 6)}"

    def constraints(self) -> list[str]:
        lines = []
        descriptions = {c.name: c.description for c in self.f.constraints}
        for pc in self.prep.constraints:
            cname = self.components[pc.name]
            guard = not self.keeps_every_row(pc)
            if guard:
                self.used.add("skip_if_constant")
            lines += [f"# {one_line(descriptions[pc.name])}"] if descriptions.get(pc.name) else []
            if not pc.bindings:
                relation = self.relation(pc, set())
                relation = f"skip_if_constant({relation})" if guard else relation
                lines.append(f"model.{cname} = pyo.Constraint(expr={relation})")
                continue
            params, unpack, tuples = self.rule_args(pc.bindings)
            relation = self.relation(pc, tuples)
            lines += [f"def {cname}_rule({', '.join(['model', *params])}):", *unpack]
            lines.append(f"    return skip_if_constant({relation})" if guard else f"    return {relation}")
            index = self.index_set(pc.bindings, pc.where)
            lines.append(f"model.{cname} = pyo.Constraint({index}, rule={cname}_rule)")
        return lines

    def keeps_every_row(self, pc: PreparedConstraint) -> bool:
        """False when the compiler dropped rows that hold on data alone (the program must skip them too)."""
        component = getattr(self.compiled.model, self.components[pc.name])
        if not pc.bindings:
            return len(component) == 1
        keep = Builder(self.prep.sets, self.prep.params, Backend()).build(pc.where) if pc.where else None
        rows = sum(1 for _, env in domain(pc.bindings, self.prep.sets) if keep is None or keep(env))
        return len(component) == rows

    def main(self, solver: str) -> list[str]:
        try:
            spec = choose(solver, self.prep.problem_class)
        except SolverUnavailable:
            spec = next(s for s in SOLVERS.values() if s.can_solve(self.prep.problem_class))
        options = f", options={{{literal(_GAP_OPTION[spec.name])}: 1e-9}}" if self.prep.has_integers else ""
        solve = f"pyo.SolverFactory({literal(spec.pyomo_name)}).solve(model, load_solutions=False{options})"
        return [
            'if __name__ == "__main__":',
            f"    results = {solve}",
            '    print("termination:", results.solver.termination_condition)',
            "    if len(results.solution) > 0:",
            "        model.solutions.load_from(results)",
            f'        print("objective:", pyo.value(model.{self.objective_name()}))',
            "        for var in model.component_data_objects(pyo.Var):",
            "            if var.value is not None and abs(var.value) > 1e-9:",
            '                print(f"{var.name} = {var.value:g}")',
        ]

    def objective_name(self) -> str:
        import pyomo.environ as pyo

        return next(iter(self.compiled.model.component_objects(pyo.Objective))).local_name
