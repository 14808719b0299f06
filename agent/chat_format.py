"""How chat words numbers, sentences and the changes between two solutions (no "-0", no "..")."""

from __future__ import annotations

import math
from typing import Any

ZERO = 1e-9


def number(value: Any, digits: int = 10) -> str:
    """A number as people write it: integral values without decimals, never "-0"."""
    if value is None:
        return "none"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) < ZERO:
        return "0"
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)) and abs(nearest) < 1e15:
        return str(int(nearest))
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "0") else text


def signed(delta: float, digits: int = 10) -> str:
    """A change with its sign: "+250", "-12.5", "0"."""
    text = number(delta, digits)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def sentence(text: str, capital: bool = True) -> str:
    """``text`` as a sentence: capital first letter, one full stop (or its own "!" or "?"), never ".."."""
    text = " ".join(str(text).split())
    while text.endswith(".."):
        text = text[:-1]
    if capital:
        text = text[:1].upper() + text[1:]
    if not text or text.endswith((".", "!", "?", ":")):
        return text
    return text + "."


def objective_change(new: float | None, old: float | None) -> str:
    """ "Objective 2450, was 2200 (+250)." or just "Objective 2450." """
    if new is None:
        return ""
    if old is None:
        return f"Objective {number(new)}."
    if abs(new - old) <= 1e-9 * max(1.0, abs(old)):
        return f"Objective {number(new)}, unchanged."
    return f"Objective {number(new)}, was {number(old)} ({signed(new - old)})."


def flat(values: dict[str, Any]) -> dict[str, float]:
    """IR values ({"x": {"a,1": v}} or {"x": v}) as {"x[a,1]": v}."""
    out = {}
    for name, entry in values.items():
        items = entry.items() if isinstance(entry, dict) else [("", entry)]
        out.update({f"{name}[{k}]" if k else name: float(v) for k, v in items if isinstance(v, int | float)})
    return out


def _split(key: str) -> tuple[str, str]:
    name, _, index = key.partition("[")
    return name, index.rstrip("]")


def value_changes(
    old: dict[str, Any], new: dict[str, Any], binaries: set[str] | None = None, tolerance: float = 1e-6
) -> list[str]:
    """The decisions that changed, one line each.

    A binary variable whose index matches a decision that started or stopped (a fixed-charge indicator such
    as ``produce[table]`` next to ``make[table]``) is folded into that decision's line, which says "(new)"
    or "(stopped)"; binaries without such a partner are listed as decisions of their own.
    """
    binaries = binaries or set()
    a, b = flat(old), flat(new)
    changed = []
    for key in sorted(set(a) | set(b)):
        before, after = a.get(key, 0.0), b.get(key, 0.0)
        if abs(before - after) > tolerance * max(1.0, abs(before)):
            changed.append((key, before, after))
    switched = {
        _split(key)[1]
        for key, before, after in changed
        if _split(key)[0] not in binaries and (abs(before) < ZERO) != (abs(after) < ZERO)
    }
    lines = []
    for key, before, after in changed:
        name, index = _split(key)
        if name in binaries and index and index in switched:
            continue  # an indicator that follows a decision listed anyway
        note = ""
        if name not in binaries and abs(before) < ZERO:
            note = " (new)"
        elif name not in binaries and abs(after) < ZERO:
            note = " (stopped)"
        lines.append(f"{key}: {number(before, 6)} -> {number(after, 6)}{note}")
    return lines


def decisions(values: dict[str, Any], limit: int = 12) -> list[str]:
    """Nonzero decisions as ``name[index] = value`` lines, at most ``limit`` and a count of the rest."""
    nonzero = [(k, v) for k, v in flat(values).items() if abs(v) >= ZERO]
    lines = [f"{k} = {number(v, 6)}" for k, v in nonzero[:limit]]
    if len(nonzero) > limit:
        lines.append(f"and {len(nonzero) - limit} more nonzero values (/show, /export json)")
    return lines


def assumption_lines(assumptions: list[str]) -> list[str]:
    """One sentence per assumption ("assumption: X -> Y" becomes "X: Y.")."""
    out = []
    for item in assumptions:
        text = str(item).removeprefix("assumption: ")
        missing, arrow, assumed = text.partition(" -> ")
        out.append(sentence(f"{missing}: {assumed}" if arrow else text))
    return out
