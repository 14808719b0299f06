"""What each element of a formulation states, in plain text and in LaTeX: set definitions, parameter
declarations and definitions, and every variable's domain and bounds exactly as the model has them.

Shared by the text, Markdown and LaTeX renderers so that the three say the same thing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations.latex import (
    binding_latex,
    element_latex,
    latex_name,
    number_latex,
    tex_text,
    to_latex,
)
from optagent.formulations.model import Bound, Formulation, ParamDef, SetDef, VarDef, VarType
from optagent.formulations.numtext import number_text

DOMAIN_TEXT = {VarType.continuous: "ℝ", VarType.integer: "ℤ", VarType.binary: "{0,1}"}
DOMAIN_LATEX = {VarType.continuous: r"\mathbb{R}", VarType.integer: r"\mathbb{Z}", VarType.binary: r"\{0,1\}"}
SHOWN_ELEMENTS = 12
_SET_OPS_TEXT = {"union": " ∪ ", "intersection": " ∩ ", "difference": " \\ ", "product": " × "}
_SET_OPS_LATEX = {
    "union": r" \cup ",
    "intersection": r" \cap ",
    "difference": r" \setminus ",
    "product": r" \times ",
}
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True)
class Indexing:
    """The index of an element as shown: names per binding (made up where a binding names none)."""

    bindings: tuple[tuple[tuple[str, ...], str], ...]
    where: str | None = None

    @property
    def names(self) -> list[str]:
        return [n for targets, _ in self.bindings for n in targets]


def indexing(
    f: Formulation, items: list[str], where: str | None, *texts: str | None, strict: bool = True
) -> Indexing:
    """Bindings of ``items``; a binding given as a bare set name gets a fresh index name that no symbol,
    binding or word of ``texts`` (the element's expressions) uses. Unless ``strict``, a binding that does
    not parse is kept as written (plain text shows broken models too) instead of raising."""
    parsed = [_binding(b, strict) for b in items]
    taken = {s.name for s in f.sets} | {p.name for p in f.parameters} | {v.name for v in f.variables}
    taken |= {n for targets, _ in parsed for n in targets}
    for text in (where, *texts):
        taken |= set(_IDENTIFIER.findall(text or ""))
    out = []
    for targets, set_name in parsed:
        if not targets:
            base = set_name[0].lower() if set_name[0].isalpha() else "k"
            name = next(
                c for c in (base, *(f"{base}{k}" for k in range(1, len(taken) + 2))) if c not in taken
            )
            taken.add(name)
            targets = (name,)
        out.append((targets, set_name))
    return Indexing(tuple(out), where)


def _binding(text: str, strict: bool) -> tuple[tuple[str, ...], str]:
    try:
        return E.parse_binding(text)
    except E.ExprSyntaxError:
        if strict:
            raise
        return (text,), ""  # shown as written


def _binding_text(targets: tuple[str, ...], set_name: str) -> str:
    t = targets[0] if len(targets) == 1 else f"({', '.join(targets)})"
    return f"{t} in {set_name}" if set_name else t


def forall_text(ix: Indexing) -> str:
    if not ix.bindings:
        return ""
    where = f" where {ix.where}" if ix.where else ""
    return "  for all " + ", ".join(_binding_text(*b) for b in ix.bindings) + where


def forall_latex(ix: Indexing) -> str:
    if not ix.bindings:
        return ""
    text = r"\quad \forall " + ", ".join(binding_latex(*b) for b in ix.bindings)
    return text + (" : " + to_latex(E.parse(ix.where)) if ix.where else "")


def symbol_text(name: str, ix: Indexing) -> str:
    return f"{name}[{', '.join(ix.names)}]" if ix.names else name


def symbol_latex(name: str, ix: Indexing) -> str:
    return f"{latex_name(name)}_{{{','.join(ix.names)}}}" if ix.names else latex_name(name)


# -- variables ------------------------------------------------------------------------------------------
def stated_bounds(v: VarDef) -> tuple[Bound, Bound]:
    """The bounds the model imposes beyond the domain: a binary's 0 and 1 are its domain already."""
    lo, up = v.lower, v.upper
    if v.type == VarType.binary:
        lo = None if lo is None or (not isinstance(lo, str) and lo == 0) else lo
        up = None if up is None or (not isinstance(up, str) and up == 1) else up
    return lo, up


def _var_indexing(f: Formulation, v: VarDef, strict: bool = True) -> Indexing:
    bounds = (b for b in (v.lower, v.upper) if isinstance(b, str))
    return indexing(f, v.index, v.where, *bounds, strict=strict)


def variable_text(f: Formulation, v: VarDef) -> str:
    """E.g. ``start[j] ∈ ℝ, start[j] >= r[j]  for all j in J``; a free continuous variable says so."""
    ix = _var_indexing(f, v, strict=False)
    sym = symbol_text(v.name, ix)
    lo, up = (None if b is None else b if isinstance(b, str) else number_text(b) for b in stated_bounds(v))
    bounds = _relation(sym, lo, up, "<=", ">=", ", ")
    if not bounds and v.type == VarType.continuous:
        bounds = " (free)"
    return f"{sym} ∈ {DOMAIN_TEXT[v.type]}{bounds}{forall_text(ix)}"


def variable_latex(f: Formulation, v: VarDef) -> str:
    r"""E.g. ``\mathit{start}_{j} \in \mathbb{R},\; \mathit{start}_{j} \geq r_{j} \quad \forall j \in J``."""
    ix = _var_indexing(f, v)
    sym = symbol_latex(v.name, ix)
    lo, up = (None if b is None else _bound_latex(b) for b in stated_bounds(v))
    bounds = _relation(sym, lo, up, r"\leq", r"\geq", r",\; ")
    return f"{sym} \\in {DOMAIN_LATEX[v.type]}{bounds}{forall_latex(ix)}"


def _bound_latex(bound: float | str) -> str:
    return to_latex(E.parse(bound)) if isinstance(bound, str) else number_latex(bound)


def _relation(sym: str, lo: str | None, up: str | None, le: str, ge: str, sep: str) -> str:
    if lo is not None and up is not None:
        return f"{sep}{lo} {le} {sym} {le} {up}"
    if lo is not None:
        return f"{sep}{sym} {ge} {lo}"
    if up is not None:
        return f"{sep}{sym} {le} {up}"
    return ""


# -- sets -----------------------------------------------------------------------------------------------
def element_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "(" + ", ".join(element_text(v) for v in value) + ")"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return number_text(value)


def set_text(s: SetDef) -> str:
    """The definition as written: ``{"A", "B"}``, ``{1 .. 6}``, ``J × J``, ``{(i, j) in JJ | i < j}``."""
    if s.elements is not None:
        shown = ", ".join(element_text(e) for e in s.elements[:SHOWN_ELEMENTS])
        more = f", ... ({len(s.elements)} elements)" if len(s.elements) > SHOWN_ELEMENTS else ""
        return "{" + shown + more + "}"
    if s.range is not None:
        step = f" step {s.range.step}" if s.range.step != 1 else ""
        return f"{{{s.range.start} .. {s.range.end}{step}}}"
    if s.filter is not None:
        return f"{{{s.filter.over} | {s.filter.condition}}}"
    return _SET_OPS_TEXT[s.kind].join(getattr(s, s.kind))


def set_latex(s: SetDef) -> str:
    r"""``S = ...`` in LaTeX: elements, ranges (``\{1, \dots, n\}``), set algebra, filters."""
    return f"{latex_name(s.name)} = {_set_body_latex(s)}"


def _set_body_latex(s: SetDef) -> str:
    if s.elements is not None:
        shown = [element_latex(e) for e in s.elements[:SHOWN_ELEMENTS]]
        if len(s.elements) > SHOWN_ELEMENTS:
            shown += [r"\dots", element_latex(s.elements[-1])]
        return r"\{" + ", ".join(shown) + r"\}" if shown else r"\emptyset"
    if s.range is not None:
        return _range_latex(s.range.start, s.range.end, s.range.step)
    if s.filter is not None:
        targets, over = E.parse_binding(s.filter.over)
        head = binding_latex(targets, over) if targets else latex_name(over)
        return rf"\{{{head} : {to_latex(E.parse(s.filter.condition))}\}}"
    return _SET_OPS_LATEX[s.kind].join(latex_name(m) for m in getattr(s, s.kind))


def _range_latex(start: int | str, end: int | str, step: int) -> str:
    if isinstance(start, int) and isinstance(end, int):
        items = range(start, end + (1 if step > 0 else -1), step)
        if len(items) <= 4:
            return r"\{" + ", ".join(str(i) for i in items) + r"\}" if items else r"\emptyset"
        shown = [str(items[0])] + ([str(items[1])] if step != 1 else [])
        return r"\{" + ", ".join([*shown, r"\dots", str(items[-1])]) + r"\}"
    lo, hi = (_bound_latex(v) if isinstance(v, str) else str(v) for v in (start, end))
    if step == 1:
        return rf"\{{{lo}, \dots, {hi}\}}"
    rel = r"\leq" if step > 0 else r"\geq"
    term = f"{lo} + {step} k" if step > 0 else f"{lo} - {-step} k"
    return rf"\{{{term} : k \in \mathbb{{Z}}, k \geq 0, {term} {rel} {hi}\}}"


# -- parameters -----------------------------------------------------------------------------------------
def _param_indexing(f: Formulation, p: ParamDef) -> Indexing:
    return indexing(f, p.index, None, p.expr)


def parameter_latex(f: Formulation, p: ParamDef) -> str:
    r"""``c_{i,j} = f \cdot d_{i,j} \quad \forall ...`` for a derived parameter, ``c_{i,j},\; i \in I,
    j \in J`` for given data, ``B = 100`` for a given scalar."""
    ix = _param_indexing(f, p)
    sym = symbol_latex(p.name, ix)
    if p.expr is not None:
        return f"{sym} = {to_latex(E.parse(p.expr))}{forall_latex(ix)}"
    if not ix.bindings:
        shown = tex_text(value_text(p.value, 40))
        return f"{sym} = " + (number_latex(p.value) if _is_number(p.value) else rf"\text{{{shown}}}")
    return sym + r",\; " + ", ".join(binding_latex(*b) for b in ix.bindings)


def parameter_text(p: ParamDef, limit: int = 80) -> str:
    """``p[j in J] = [4, 3, 6] (h)`` or ``cost[p in P, m in M] = freight * dist[p, m]``."""
    idx = f"[{', '.join(p.index)}]" if p.index else ""
    body = p.expr if p.expr is not None else value_text(p.value, limit)
    default = f" (default {number_text(p.default)})" if p.default is not None else ""
    unit = f" ({p.unit})" if p.unit else ""
    return f"{p.name}{idx} = {body}{default}{unit}"


def value_text(value: Any, limit: int = 80) -> str:
    """Data as compact JSON, numbers without noise or "-0", cut at ``limit`` characters."""
    text = json.dumps(_tidy(value), separators=(", ", ": "), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tidy(value: Any) -> Any:
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else float(number_text(value))
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    if isinstance(value, dict):
        return {k: _tidy(v) for k, v in value.items()}
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
