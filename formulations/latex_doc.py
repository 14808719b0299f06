"""A standalone LaTeX document of a formulation: the model, every definition, and the data as tables.

It compiles with pdflatex and the packages of a basic TeX installation (amsmath, amssymb, geometry,
longtable; Debian's texlive-latex-base).
"""

from __future__ import annotations

from typing import Any

from optagent.errors import ModelTooLarge
from optagent.formulations import expr as E
from optagent.formulations import statements as S
from optagent.formulations.evaluate import Table
from optagent.formulations.latex import element_latex, latex_name, number_latex, tex_text, to_latex
from optagent.formulations.model import ConstraintDef, Formulation, ParamDef
from optagent.formulations.prepare import prepare

TABLE_ENTRIES = 400
"""Entries of one parameter shown in the document; the count of the rest is stated."""
MATRIX_COLUMNS = 8
"""A two-index parameter is laid out as a matrix when its second index takes at most this many values."""
ROW_ENTRIES = 10
"""A one-index parameter with at most this many entries is laid out as one row."""
COMPUTED_DIGITS = 6
"""Significant digits of the values of derived parameters (given data is shown exactly)."""

_PREAMBLE = [
    r"\documentclass[11pt]{article}",
    r"\usepackage[margin=2cm]{geometry}",
    r"\usepackage{amsmath,amssymb}",
    r"\usepackage{longtable}",
    r"\allowdisplaybreaks",
    r"\setlength{\parindent}{0pt}",
    r"\begin{document}",
]


def objective_latex(f: Formulation, align: str = "") -> str:
    r"""``\min \quad expr``; ``align`` (``&``) goes before the expression in an align environment."""
    sense = r"\min" if f.objective.sense.value == "minimize" else r"\max"
    return rf"{sense} \quad {align}{to_latex(E.parse(f.objective.expr))}"


def constraint_latex(f: Formulation, c: ConstraintDef) -> str:
    ix = S.indexing(f, c.forall, c.where, c.expr)
    return to_latex(E.parse(c.expr)) + S.forall_latex(ix)


def render_latex(f: Formulation) -> str:
    """The document: title, the model (objective, constraints, domains and bounds), the sets with their
    definitions, the parameters with their definitions and values, the variables and constraints
    with their descriptions."""
    rows = [objective_latex(f, "& ") + r" \\"]
    for k, c in enumerate(f.constraints):
        head = r"\text{s.t.} \quad" if k == 0 else ""
        rows.append(rf"{head} & {constraint_latex(f, c)} && \text{{({tex_text(c.name)})}} \\")
    rows += [rf"& {S.variable_latex(f, v)} \\" for v in f.variables]
    out = [*_PREAMBLE, rf"\section*{{{tex_text(f.name)}}}"]
    if f.description:
        out += [tex_text(f.description), ""]
    if f.problem_type:
        out += [f"Problem type: {f.problem_type.value}.", ""]
    out += [r"\subsection*{Model}", r"\begin{align*}", *rows, r"\end{align*}"]
    out += _sets(f) + _parameters(f) + _described(f)
    out += [r"\end{document}", ""]
    return "\n".join(out)


def _sets(f: Formulation) -> list[str]:
    if not f.sets:
        return []
    out = [r"\subsection*{Sets}", r"\begin{itemize}"]
    for s in f.sets:
        note = f" --- {tex_text(s.description)}" if s.description else ""
        out.append(rf"\item ${S.set_latex(s)}${note}")
    return [*out, r"\end{itemize}"]


def _parameters(f: Formulation) -> list[str]:
    if not f.parameters:
        return []
    try:
        prep = prepare(f)
        values, missing = prep.params, ""
    except ModelTooLarge as exc:
        values, missing = {}, f"values not shown: {exc.message}"
    out = [r"\subsection*{Parameters}"]
    if missing:
        out += [tex_text(missing), ""]
    for p in f.parameters:
        out += [_parameter_head(f, p), ""]
        if p.name in values and (p.index or p.expr is not None):
            out += _values(p, values[p.name])
        elif not missing and (p.index or p.expr is not None):
            out += [r"\emph{values not resolved: the model has errors here (see validation).}", ""]
    return out


def _parameter_head(f: Formulation, p: ParamDef) -> str:
    notes = [tex_text(t) for t in (p.description, f"unit: {p.unit}" if p.unit else "") if t]
    if p.default is not None:
        notes.append(f"entries not listed are ${number_latex(p.default)}$")
    return rf"\paragraph{{${latex_name(p.name)}$}} ${S.parameter_latex(f, p)}$" + (
        " --- " + "; ".join(notes) + "." if notes else ""
    )


def _values(p: ParamDef, value: Any) -> list[str]:
    """The values of one parameter (computed ones too) as a table, or ``= v`` for a derived scalar."""
    digits = COMPUTED_DIGITS if p.expr is not None else None
    computed = f" (computed; {COMPUTED_DIGITS} significant digits)" if digits else ""
    if not isinstance(value, Table):
        return [rf"Value{computed}: ${latex_name(p.name)} = {number_latex(value, digits)}$.", ""]
    entries = list(value.entries.items())
    if not entries:
        return ["No entries.", ""]
    shown = [(k, _number(v, digits)) for k, v in entries[:TABLE_ENTRIES]]
    notes = [f"Values{computed}."] if digits else []
    if len(entries) > len(shown):
        notes.append(f"First {len(shown)} of {len(entries)} entries shown.")
    note = [" ".join(notes), ""] if notes else []
    arity = len(shown[0][0])
    if arity == 2 and len({k[1] for k, _ in shown}) <= MATRIX_COLUMNS:
        return note + _matrix(shown)
    if arity == 1 and len(shown) <= ROW_ENTRIES:
        return note + _grid([[_element(k[0]) for k, _ in shown], [v for _, v in shown]], header=True)
    rows = [[_element(k if len(k) > 1 else k[0]), v] for k, v in shown]
    return note + _grid(rows, header=False, head=["index", "value"])


def _matrix(entries: list[tuple[tuple, str]]) -> list[str]:
    order = {e: n for n, e in enumerate(dict.fromkeys(e for k, _ in entries for e in k))}  # as the data runs
    rows = sorted({k[0] for k, _ in entries}, key=order.__getitem__)
    cols = sorted({k[1] for k, _ in entries}, key=order.__getitem__)
    table = dict(entries)
    body = [[_element(r)] + [table.get((r, c), "") for c in cols] for r in rows]
    return _grid(body, header=False, head=["", *(_element(c) for c in cols)])


def _grid(rows: list[list[str]], *, header: bool, head: list[str] | None = None) -> list[str]:
    """A longtable; ``header`` sets the first row apart as the index row of a one-row layout."""
    width = len(rows[0])
    out = [r"\begin{longtable}{l|" + "r" * (width - 1) + "}"]
    if head is not None:
        out += [" & ".join(head) + r" \\", r"\hline", r"\endhead"]
    for k, row in enumerate(rows):
        out.append(" & ".join(row) + r" \\")
        if header and k == 0:
            out.append(r"\hline")
    return [*out, r"\end{longtable}", ""]


def _element(value: Any) -> str:
    return f"${element_latex(value)}$"


def _number(value: Any, digits: int | None = None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"${number_latex(value, digits)}$"
    return tex_text(str(value))


def _described(f: Formulation) -> list[str]:
    """Variables and constraints with their descriptions and units."""
    out = [r"\subsection*{Variables}", r"\begin{itemize}"]
    for v in f.variables:
        notes = [tex_text(t) for t in (v.description, f"unit: {v.unit}" if v.unit else "") if t]
        out.append(rf"\item ${S.variable_latex(f, v)}$" + (" --- " + "; ".join(notes) if notes else ""))
    out.append(r"\end{itemize}")
    described = [c for c in f.constraints if c.description]
    if described:
        out += [r"\subsection*{Constraints}", r"\begin{itemize}"]
        out += [rf"\item \textbf{{{tex_text(c.name)}}}: {tex_text(c.description)}" for c in described]
        out.append(r"\end{itemize}")
    return out
