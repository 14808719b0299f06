"""Render a formulation for people: plain text, Markdown (with math) and a LaTeX document."""

from __future__ import annotations

import json
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations.model import ConstraintDef, Formulation, SetDef

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4}
_REL = {"<=": r"\le", ">=": r"\ge", "==": "=", "!=": r"\ne", "<": "<", ">": ">"}
_FUNC = {"exp": r"\exp", "log": r"\ln", "log10": r"\log_{10}", "sin": r"\sin", "cos": r"\cos"}


def latex_name(name: str) -> str:
    base, _, sub = name.partition("_")
    head = base if len(base) == 1 else rf"\mathit{{{base}}}"
    return f"{head}_{{\\mathit{{{sub}}}}}" if sub else head


def _prec(node: E.Node) -> int:
    if isinstance(node, E.BinOp):
        return _PREC[node.op]
    if isinstance(node, E.Neg):
        return 3
    if isinstance(node, E.Reduce):
        return 1  # a sum binds loosely: parenthesise it inside products
    return 5


def to_latex(node: E.Node) -> str:
    """LaTeX for one expression node."""
    if isinstance(node, E.Const):
        return rf"\text{{{node.value}}}" if isinstance(node.value, str) else f"{node.value:g}"
    if isinstance(node, E.Name):
        return latex_name(node.id)
    if isinstance(node, E.Index):
        return f"{latex_name(node.base)}_{{{','.join(to_latex(a) for a in node.args)}}}"
    if isinstance(node, E.Neg):
        return f"-{_wrap(node.operand, 3)}"
    if isinstance(node, E.BinOp):
        if node.op == "/":
            return rf"\frac{{{to_latex(node.left)}}}{{{to_latex(node.right)}}}"
        if node.op == "**":
            return f"{_wrap(node.left, 5)}^{{{to_latex(node.right)}}}"
        p = _PREC[node.op]
        op = {"*": r" \cdot ", "%": r" \bmod ", "+": " + ", "-": " - "}[node.op]
        right = _wrap(node.right, p + (1 if node.op in "-%" else 0))
        return f"{_wrap(node.left, p)}{op}{right}"
    if isinstance(node, E.Call):
        args = [to_latex(a) for a in node.args]
        if node.func == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if node.func == "abs":
            return rf"\left|{args[0]}\right|"
        if node.func in ("card", "len"):
            return rf"\left|{args[0]}\right|"
        if node.func in ("min", "max"):
            return rf"\{node.func}\left\{{{', '.join(args)}\right\}}"
        if node.func in ("floor", "ceil"):
            return rf"\l{node.func}{args[0]}\r{node.func}"
        return rf"{_FUNC.get(node.func, node.func)}\left({', '.join(args)}\right)"
    if isinstance(node, E.Reduce):
        op = {"sum": r"\sum", "prod": r"\prod", "min": r"\min", "max": r"\max"}[node.func]
        return f"{op}_{{{_loops(node.loops, node.conditions)}}} {_wrap(node.body, 2)}"
    if isinstance(node, E.Compare):
        out = to_latex(node.operands[0])
        for op, operand in zip(node.ops, node.operands[1:]):
            out += f" {_REL[op]} {to_latex(operand)}"
        return out
    if isinstance(node, E.Membership):
        items = [to_latex(i) for i in node.items]
        item = items[0] if len(items) == 1 else f"({', '.join(items)})"
        rel = r"\notin" if node.negated else r"\in"
        return f"{item} {rel} {latex_name(node.set_name)}"
    if isinstance(node, E.BoolOp):
        joiner = r" \land " if node.op == "and" else r" \lor "
        return joiner.join(to_latex(v) for v in node.values)
    if isinstance(node, E.Not):
        return rf"\lnot ({to_latex(node.operand)})"
    if isinstance(node, E.IfExp):
        return (
            rf"\begin{{cases}} {to_latex(node.then)} & {to_latex(node.cond)} \\ "
            rf"{to_latex(node.other)} & \text{{otherwise}} \end{{cases}}"
        )
    return node.src


def _wrap(node: E.Node, parent: int) -> str:
    text = to_latex(node)
    return rf"\left({text}\right)" if _prec(node) < parent else text


def _binding_latex(targets: tuple[str, ...], set_name: str) -> str:
    if not targets:
        return latex_name(set_name)
    t = targets[0] if len(targets) == 1 else f"({', '.join(targets)})"
    return rf"{t} \in {latex_name(set_name)}"


def _loops(loops: tuple[E.Loop, ...], conditions: tuple[E.Node, ...]) -> str:
    parts = [_binding_latex(loop.targets, loop.set_name) for loop in loops]
    text = ", ".join(parts)
    if conditions:
        text += " : " + r" \land ".join(to_latex(c) for c in conditions)
    return text


def _forall_latex(items: list[str], where: str | None) -> str:
    if not items:
        return ""
    parts = [_binding_latex(*E.parse_binding(b)) for b in items]
    text = r"\quad \forall " + ", ".join(parts)
    if where:
        text += " : " + to_latex(E.parse(where))
    return text


def _set_text(s: SetDef) -> str:
    if s.elements is not None:
        shown = ", ".join(json.dumps(e) if isinstance(e, str) else str(e) for e in s.elements[:12])
        return "{" + shown + (", ..." if len(s.elements) > 12 else "") + "}"
    if s.range is not None:
        step = f" step {s.range.step}" if s.range.step != 1 else ""
        return f"{{{s.range.start} .. {s.range.end}{step}}}"
    if s.filter is not None:
        return f"{{{s.filter.over} | {s.filter.condition}}}"
    sep = {"union": " ∪ ", "intersection": " ∩ ", "difference": " \\ ", "product": " × "}[s.kind]
    return sep.join(getattr(s, s.kind))


def _value_text(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_text(f: Formulation) -> str:
    """Plain text, one element per line, in the five-element order."""
    lines = [f"{f.name}" + (f" ({f.problem_type.value})" if f.problem_type else "")]
    if f.description:
        lines.append(f.description)
    lines.append("\nSets:")
    lines += [
        f"  {s.name} = {_set_text(s)}" + (f"  # {s.description}" if s.description else "") for s in f.sets
    ]
    lines.append("\nParameters:")
    for p in f.parameters:
        idx = f"[{', '.join(p.index)}]" if p.index else ""
        body = f"= {p.expr}" if p.expr else f"= {_value_text(p.value)}"
        unit = f" ({p.unit})" if p.unit else ""
        lines.append(f"  {p.name}{idx} {body}{unit}" + (f"  # {p.description}" if p.description else ""))
    lines.append("\nVariables:")
    for v in f.variables:
        idx = f"[{', '.join(v.index)}]" if v.index else ""
        where = f" where {v.where}" if v.where else ""
        lines.append(
            f"  {v.name}{idx}{where}: {v.type.value}, "
            f"bounds [{_bound(v.lower, '-inf')}, {_bound(v.upper, '+inf')}]"
            + (f"  # {v.description}" if v.description else "")
        )
    lines.append(f"\nObjective: {f.objective.sense.value} {f.objective.expr}")
    lines.append("\nConstraints:")
    for c in f.constraints:
        lines.append(
            f"  {c.name}: {c.expr}{_forall_text(c)}" + (f"  # {c.description}" if c.description else "")
        )
    return "\n".join(lines)


def _bound(value: Any, none: str) -> str:
    return none if value is None else str(value)


def _forall_text(c: ConstraintDef) -> str:
    if not c.forall:
        return ""
    return "  for all " + ", ".join(c.forall) + (f" where {c.where}" if c.where else "")


def _constraint_latex(c: ConstraintDef) -> str:
    return to_latex(E.parse(c.expr)) + _forall_latex(c.forall, c.where)


def render_markdown(f: Formulation) -> str:
    """Markdown with tables for the data and display math for the objective and constraints."""
    out = [f"# {f.name}", ""]
    if f.description:
        out += [f.description, ""]
    if f.problem_type:
        out += [f"Problem type: **{f.problem_type.value}**", ""]
    out += ["## Sets", "", "| set | definition | description |", "|---|---|---|"]
    out += [f"| ${latex_name(s.name)}$ | `{_set_text(s)}` | {s.description} |" for s in f.sets]
    out += [
        "",
        "## Parameters",
        "",
        "| parameter | index | value | unit | description |",
        "|---|---|---|---|---|",
    ]
    for p in f.parameters:
        value = f"`{p.expr}`" if p.expr else f"`{_value_text(p.value, 60)}`"
        out.append(
            f"| ${latex_name(p.name)}$ | {', '.join(p.index)} | {value} | {p.unit} | {p.description} |"
        )
    out += [
        "",
        "## Variables",
        "",
        "| variable | index | type | bounds | description |",
        "|---|---|---|---|---|",
    ]
    for v in f.variables:
        bounds = f"[{_bound(v.lower, '-∞')}, {_bound(v.upper, '+∞')}]"
        out.append(
            f"| ${latex_name(v.name)}$ | {', '.join(v.index)} | {v.type.value} | {bounds} | {v.description} |"
        )
    sense = r"\min" if f.objective.sense.value == "minimize" else r"\max"
    out += ["", "## Objective", "", f"$$ {sense} \\; {to_latex(E.parse(f.objective.expr))} $$", ""]
    out += ["## Constraints", ""]
    for c in f.constraints:
        out += [
            f"**{c.name}**" + (f" — {c.description}" if c.description else ""),
            "",
            f"$$ {_constraint_latex(c)} $$",
            "",
        ]
    return "\n".join(out)


def render_latex(f: Formulation) -> str:
    """A standalone LaTeX document of the model (sets, parameters, variables, objective, constraints)."""
    sense = r"\min" if f.objective.sense.value == "minimize" else r"\max"
    rows = [rf"{sense} \quad & {to_latex(E.parse(f.objective.expr))} \\"]
    rows.append(r"\text{s.t.} \quad & \\")
    for c in f.constraints:
        rows.append(rf"& {_constraint_latex(c)} && \text{{({_tex_escape(c.name)})}} \\")
    for v in f.variables:
        idx = _forall_latex(v.index, v.where)
        dom = {"continuous": r"\mathbb{R}", "integer": r"\mathbb{Z}", "binary": r"\{0,1\}"}[v.type.value]
        rows.append(rf"& {latex_name(v.name)} \in {dom}{idx} \\")
    sets = "\n".join(
        rf"\item ${latex_name(s.name)}$: {_tex_escape(s.description or _set_text(s))}" for s in f.sets
    )
    params = "\n".join(
        rf"\item ${latex_name(p.name)}$: {_tex_escape(p.description or p.name)}"
        + (rf" ({_tex_escape(p.unit)})" if p.unit else "")
        for p in f.parameters
    )
    return "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage{amsmath,amssymb}",
            r"\begin{document}",
            rf"\section*{{{_tex_escape(f.name)}}}",
            _tex_escape(f.description),
            r"\subsection*{Sets}",
            r"\begin{itemize}" + ("\n" + sets if sets else "\n\\item none") + "\n" + r"\end{itemize}",
            r"\subsection*{Parameters}",
            r"\begin{itemize}" + ("\n" + params if params else "\n\\item none") + "\n" + r"\end{itemize}",
            r"\subsection*{Model}",
            r"\begin{align*}",
            "\n".join(rows),
            r"\end{align*}",
            r"\end{document}",
            "",
        ]
    )


def _tex_escape(text: str) -> str:
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
    ):
        text = text.replace(a, b)
    return text


RENDERERS = {"text": render_text, "markdown": render_markdown, "latex": render_latex}
