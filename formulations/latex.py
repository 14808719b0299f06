"""LaTeX for names, text and expressions of the formulation language.

The output is valid both for LaTeX (amsmath, amssymb) and for matplotlib's mathtext, so it compiles in a
document and displays in Markdown viewers alike: ``\\leq`` rather than ``\\le``, ``\\wedge`` rather than
``\\land``, no environments inside expressions, and no bare ``|`` (which would split a Markdown table cell).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from optagent.formulations import expr as E
from optagent.formulations.numtext import number_text

REL = {"<=": r"\leq", ">=": r"\geq", "==": "=", "!=": r"\neq", "<": "<", ">": ">"}
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "**": 4}
_OPS = {"*": r" \cdot ", "%": r" \;\mathrm{mod}\; ", "+": " + ", "-": " - "}
_FUNC = {"exp": r"\exp", "log": r"\ln", "log10": r"\log_{10}", "sin": r"\sin", "cos": r"\cos"}
_REDUCE = {"sum": r"\sum", "prod": r"\prod", "min": r"\min", "max": r"\max"}

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\n": " ",
    "\t": " ",
}
# Symbols that descriptions often carry, in forms pdflatex knows (accented letters need no mapping).
_UNICODE_TEXT = {
    "—": "---",
    "–": "--",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "•": r"\textbullet{}",
    "€": r"\texteuro{}",
    "×": r"\texttimes{}",
    "·": r"\textperiodcentered{}",
    "°": r"\textdegree{}",
    "µ": r"\textmu{}",
    "²": r"\texttwosuperior{}",
    "³": r"\textthreesuperior{}",
    "±": r"\textpm{}",
    "→": r"\textrightarrow{}",
    "≤": r"\textless{}=",
    "≥": r"\textgreater{}=",
    "≠": "!=",
    "∞": "infinity",
}


def tex_text(text: str) -> str:
    """``text`` escaped for LaTeX text mode (also inside ``\\text{}``); characters pdflatex cannot set
    are written as their code point, e.g. ``[U+4E2D]``."""
    out = []
    for ch in text:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch.isascii() and ch.isprintable():
            out.append(ch)
        elif ch in _UNICODE_TEXT:
            out.append(_UNICODE_TEXT[ch])
        elif _accented_latin(ch):
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


def _accented_latin(ch: str) -> bool:
    """A letter of Latin-1 or Latin Extended-A (é, ß, ő, Ł, ...), which LaTeX's utf8 input handles."""
    return (
        "\u00c0" <= ch <= "\u017f" and ch not in "\u00d7\u00f7" and unicodedata.category(ch).startswith("L")
    )


def latex_name(name: str) -> str:
    """A symbol's name: ``x`` for one letter, ``\\mathit{min\\_make}`` for longer names."""
    if not name.isascii():
        return rf"\text{{{tex_text(name)}}}"
    if len(name) == 1 and name.isalpha():
        return name
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def number_latex(value: float | int, digits: int | None = None) -> str:
    """A number as :func:`number_text` writes it, exponents as powers of ten (``1.5 \\cdot 10^{-7}``)."""
    text = number_text(value, digits)
    mantissa, sep, exponent = text.partition("e")
    if not sep:
        return text
    power = f"10^{{{int(exponent)}}}"
    if mantissa in ("1", "-1"):
        return ("-" if mantissa == "-1" else "") + power
    return rf"{mantissa} \cdot {power}"


def element_latex(value: Any) -> str:
    """A set element in math: numbers as numbers, names as text, tuples in parentheses."""
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(element_latex(v) for v in value) + ")"
    if isinstance(value, str):
        return rf"\text{{{tex_text(value)}}}"
    return number_latex(value)


def to_latex(node: E.Node) -> str:
    """LaTeX for one expression node."""
    if isinstance(node, E.Const):
        return element_latex(node.value)
    if isinstance(node, E.Name):
        return latex_name(node.id)
    if isinstance(node, E.Index):
        return f"{latex_name(node.base)}_{{{','.join(to_latex(a) for a in node.args)}}}"
    if isinstance(node, E.Neg):
        zero = isinstance(node.operand, E.Const) and node.operand.value == 0
        return "0" if zero else f"-{_wrap(node.operand, 3)}"
    if isinstance(node, E.BinOp):
        return _binop(node)
    if isinstance(node, E.Call):
        return _call(node)
    if isinstance(node, E.Reduce):
        return f"{_REDUCE[node.func]}_{{{loops_latex(node.loops, node.conditions)}}} {_wrap(node.body, 2)}"
    if isinstance(node, E.Compare):
        out = to_latex(node.operands[0])
        for op, operand in zip(node.ops, node.operands[1:]):
            out += f" {REL[op]} {to_latex(operand)}"
        return out
    if isinstance(node, E.Membership):
        items = [to_latex(i) for i in node.items]
        item = items[0] if len(items) == 1 else f"({', '.join(items)})"
        rel = r"\notin" if node.negated else r"\in"
        return f"{item} {rel} {latex_name(node.set_name)}"
    if isinstance(node, E.BoolOp):
        return _logic(node.op, node.values)
    if isinstance(node, E.Not):
        return rf"\neg\left({to_latex(node.operand)}\right)"
    if isinstance(node, E.IfExp):
        return (
            rf"\left({to_latex(node.then)} \;\text{{if}}\; {to_latex(node.cond)}"
            rf" \;\text{{else}}\; {to_latex(node.other)}\right)"
        )
    raise TypeError(f"no LaTeX for {type(node).__name__}")


def _binop(node: E.BinOp) -> str:
    if node.op == "/":
        return rf"\frac{{{to_latex(node.left)}}}{{{to_latex(node.right)}}}"
    if node.op == "**":
        return f"{_wrap(node.left, 5)}^{{{to_latex(node.right)}}}"
    p = _PREC[node.op]
    right = node.right
    # a - (b - c), a % (b * c) and a + (-b) keep their parentheses
    right_text = _wrap(right, 4) if isinstance(right, E.Neg) else _wrap(right, p + (node.op in "-%"))
    return f"{_wrap(node.left, p)}{_OPS[node.op]}{right_text}"


def _call(node: E.Call) -> str:
    args = [to_latex(a) for a in node.args]
    if node.func == "sqrt":
        return rf"\sqrt{{{args[0]}}}"
    if node.func in ("abs", "card", "len"):
        return rf"\left\vert {args[0]}\right\vert"
    if node.func in ("min", "max"):
        return rf"\{node.func}\left\{{{', '.join(args)}\right\}}"
    if node.func in ("floor", "ceil"):
        return rf"\l{node.func} {args[0]} \r{node.func}"
    name = _FUNC.get(node.func, rf"\mathrm{{{node.func}}}")
    return rf"{name}\left({', '.join(args)}\right)"


def _prec(node: E.Node) -> int:
    if isinstance(node, E.BinOp):
        return _PREC[node.op]
    if isinstance(node, E.Neg):
        return 3
    if isinstance(node, (E.Reduce, E.BoolOp, E.Compare, E.Membership)):
        return 1  # a sum binds loosely: parenthesise it inside products
    return 5


def _wrap(node: E.Node, parent: int) -> str:
    text = to_latex(node)
    return rf"\left({text}\right)" if _prec(node) < parent else text


def binding_latex(targets: Sequence[str], set_name: str) -> str:
    """``i \\in I`` or ``(i, j) \\in A``."""
    t = targets[0] if len(targets) == 1 else f"({', '.join(targets)})"
    return rf"{t} \in {latex_name(set_name)}"


def loops_latex(loops: Sequence[E.Loop], conditions: Sequence[E.Node]) -> str:
    text = ", ".join(binding_latex(loop.targets, loop.set_name) for loop in loops)
    if conditions:
        text += " : " + _logic("and", conditions)
    return text


def _logic(op: str, values: Sequence[E.Node]) -> str:
    """Operands joined by and/or; a nested and/or of the other kind is parenthesised, so no reader has to
    know their precedence."""
    joiner = r" \wedge " if op == "and" else r" \vee "
    parts = []
    for v in values:
        if isinstance(v, E.BoolOp):
            inner = _logic(v.op, v.values)
            parts.append(inner if v.op == op else rf"\left({inner}\right)")
        else:
            parts.append(to_latex(v))
    return joiner.join(parts)
