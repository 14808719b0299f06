"""Render a formulation for people: plain text, Markdown (with math) and a LaTeX document.

All three state the same model: every set's definition, every parameter (derived ones by their
expression), every variable's domain and bounds, the objective and every constraint.
"""

from __future__ import annotations

from optagent.formulations import statements as S
from optagent.formulations.latex import latex_name
from optagent.formulations.latex_doc import constraint_latex, objective_latex, render_latex
from optagent.formulations.model import Formulation
from optagent.formulations.numtext import number_text

__all__ = ["RENDERERS", "render_latex", "render_markdown", "render_text"]


def render_text(f: Formulation) -> str:
    """Plain text, one element per line, in the five-element order."""
    lines = [f"{f.name}" + (f" ({f.problem_type.value})" if f.problem_type else "")]
    if f.description:
        lines.append(f.description)
    lines.append("\nSets:")
    lines += [f"  {s.name} = {S.set_text(s)}" + _note(s.description) for s in f.sets]
    lines.append("\nParameters:")
    lines += [f"  {S.parameter_text(p)}" + _note(p.description) for p in f.parameters]
    lines.append("\nVariables:")
    for v in f.variables:
        unit = f"  ({v.unit})" if v.unit else ""
        lines.append(f"  {S.variable_text(f, v)}{unit}" + _note(v.description))
    lines.append(f"\nObjective: {f.objective.sense.value} {f.objective.expr}")
    lines.append("\nConstraints:")
    for c in f.constraints:
        ix = S.indexing(f, c.forall, c.where, c.expr, strict=False)
        lines.append(f"  {c.name}: {c.expr}{S.forall_text(ix)}" + _note(c.description))
    return "\n".join(lines)


def _note(description: str) -> str:
    return f"  # {description}" if description else ""


def render_markdown(f: Formulation) -> str:
    """Markdown with tables for the elements and math for every definition, bound and relation."""
    out = [f"# {_md(f.name)}", ""]
    if f.description:
        out += [_md(f.description), ""]
    if f.problem_type:
        out += [f"Problem type: **{f.problem_type.value}**", ""]
    out += ["## Sets", "", "| set | definition | description |", "|---|---|---|"]
    out += [f"| ${latex_name(s.name)}$ | ${S.set_latex(s)}$ | {_md(s.description)} |" for s in f.sets]
    out += [
        "",
        "## Parameters",
        "",
        "| parameter | definition or data | unit | description |",
        "|---|---|---|---|",
    ]
    for p in f.parameters:
        data = "" if p.expr is not None or not p.index else f" {_md(S.value_text(p.value, 60))}"
        default = f" (default {number_text(p.default)})" if p.default is not None else ""
        out.append(
            f"| ${latex_name(p.name)}$ | ${S.parameter_latex(f, p)}${data}{default} | {_md(p.unit)} "
            f"| {_md(p.description)} |"
        )
    out += [
        "",
        "## Variables",
        "",
        "| variable | domain and bounds | unit | description |",
        "|---|---|---|---|",
    ]
    for v in f.variables:
        out.append(
            f"| ${latex_name(v.name)}$ | ${S.variable_latex(f, v)}$ | {_md(v.unit)} | {_md(v.description)} |"
        )
    out += ["", "## Objective", "", f"$$ {objective_latex(f)} $$", ""]
    out += ["## Constraints", ""]
    for c in f.constraints:
        note = f" — {_md(c.description)}" if c.description else ""
        out += [f"**{_md(c.name)}**{note}", "", f"$$ {constraint_latex(f, c)} $$", ""]
    return "\n".join(out)


def _md(text: str) -> str:
    """Text for a Markdown table cell or paragraph: no cell breaks, no stray math or emphasis."""
    for a, b in (("\\", "\\\\"), ("|", "\\|"), ("$", "\\$"), ("*", "\\*"), ("_", "\\_"), ("`", "\\`")):
        text = text.replace(a, b)
    return " ".join(text.split())


RENDERERS = {"text": render_text, "markdown": render_markdown, "latex": render_latex}
