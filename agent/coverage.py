"""Number coverage (deterministic, no LLM): every number of the problem text is either data of the
formulation or named by the model as not needed.

Read from the text: digits with thousands separators (``1,000``), decimals (``.03``), percentages (``8%``
also matches 0.08), a few number words (``three``, ``twice``, ``half``). Skipped: 0 and 1 (``per 1 lb``),
ordinals (``2nd``), numbers glued to names (``x1``, ``prob_001``) or following a naming word (``Plant 2``,
``cities 1-6``, ``Table 6``), years after ``in``/``since``/``by``, and clock times (``10:15``: a model
holds them converted from an origin of its own, e.g. minutes after the start of the day). Used by the
formulation: every number in parameter data and defaults, set elements (of ranges too), set sizes, variable
bounds, and numeric literals in any expression. A text number is covered when one of these equals it, also
after the unit factors 100 (percent), 60 (minutes/hours) and 1000 (thousands).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(
    r"(?<![A-Za-z_\d.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?!\d)(\s*(?:%|percent\b))?"
    r"(?!\s*(?:st|nd|rd|th)\b)(?![A-Za-z_]*\d)"
)
_LITERAL = re.compile(r"(?<![A-Za-z_\d.])(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\.\d+)")
_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "twice": 2, "double": 2, "triple": 3,
    "half": 0.5,
}  # fmt: skip
_WORD = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.IGNORECASE)
_NAMING = re.compile(
    r"\b(plants?|city|cities|tables?|types?|models?|lines?|machines?|products?|items?|factory|factories|"
    r"warehouses?|stations?|stores?|shops?|routes?|regions?|zones?|projects?|jobs?|tasks?|workers?|"
    r"periods?|weeks?|days?|months?|quarters?|phases?|stages?|options?|cases?|scenarios?|containers?|"
    r"chemicals?|oils?|gas|gases|fertilizers?|locations?|sites?|nodes?|points?|customers?|suppliers?|"
    r"depots?|trucks?|vehicles?|crops?|fields?|farms?|mines?|cent(?:er|re)s?|facility|facilities|"
    r"departments?|shifts?|class(?:es)?|grades?|levels?|steps?|figures?|sections?|parts?|no\.?|"
    r"#|version|stops?|demand nodes?|ingredients?|foods?|plans?|teams?|rooms?|areas?)"
    r"\s*(?:\d+\s*(?:-|to|and)\s*)?$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")
_YEAR_BEFORE = re.compile(r"\b(in|since|by|year|until|from)\s*$", re.IGNORECASE)
_NAMED = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
FACTORS = (1.0, 100.0, 0.01, 60.0, 1 / 60, 1000.0, 0.001)


@dataclass(frozen=True)
class TextNumber:
    text: str  # as written, e.g. "1,000" or "8%"
    value: float
    context: str  # the words around it

    def describe(self) -> str:
        return f'{self.text} ("...{self.context}...")'


def _context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - 30) : start].split("\n")[-1]
    right = text[end : end + 30].split("\n")[0]
    return " ".join((left + text[start:end] + right).split())


def text_numbers(text: str) -> list[TextNumber]:
    """The numbers a model of ``text`` should use, each once (first occurrence), in order."""
    found: dict[float, TextNumber] = {}
    clocks = [m.span() for m in _CLOCK.finditer(text)]
    for match in _NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in clocks):
            continue
        raw, percent = match.group(1), match.group(2)
        value = float(raw.replace(",", ""))
        before = text[max(0, match.start() - 25) : match.start()]
        if value in (0.0, 1.0) and not percent:
            continue
        if not percent and value.is_integer() and _NAMING.search(before):
            continue
        if 1900 <= value <= 2100 and value.is_integer() and "," not in raw and _YEAR_BEFORE.search(before):
            continue
        found.setdefault(value, TextNumber(match.group(0).strip(), value, _context(text, *match.span())))
    for match in _WORD.finditer(text):
        value = float(_WORDS[match.group(1).lower()])
        found.setdefault(value, TextNumber(match.group(0), value, _context(text, *match.span())))
    return list(found.values())


def _numbers_in(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, str):
        for literal in _LITERAL.findall(value):
            yield float(literal)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers_in(key)
            yield from _numbers_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _numbers_in(item)


def used_numbers(formulation: dict[str, Any]) -> set[float]:
    """Every number the formulation (IR data) holds: data, elements, bounds, set sizes, literals."""
    used = set(_numbers_in(formulation.get("parameters", [])))
    used.update(_numbers_in(formulation.get("variables", [])))
    used.update(_numbers_in(formulation.get("constraints", [])))
    used.update(_numbers_in(formulation.get("objective", {})))
    for s in formulation.get("sets", []):
        used.update(_numbers_in(s))
        if isinstance(s.get("elements"), list):
            used.add(float(len(s["elements"])))
        rng = s.get("range") or {}
        start, end = rng.get("start"), rng.get("end")
        if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end - start < 10_000:
            used.add(float(end - start + 1))
            used.update(float(v) for v in range(math.ceil(start), math.floor(end) + 1))  # row labels
    return used


def _covered(value: float, used: set[float]) -> bool:
    for factor in FACTORS:
        target = value * factor
        if any(abs(u - target) <= 1e-9 * max(1.0, abs(target)) for u in used):
            return True
    return False


def uncovered(text: str, formulation: dict[str, Any], unused: list[str]) -> list[TextNumber]:
    """Numbers of ``text`` that the formulation does not use and the model did not name as unused."""
    used = used_numbers(formulation)
    named = {float(raw.replace(",", "")) for entry in unused for raw in _NAMED.findall(entry.split(":")[0])}
    return [n for n in text_numbers(text) if not _covered(n.value, used) and n.value not in named]


def feedback(missing: list[TextNumber]) -> str:
    shown = "; ".join(n.describe() for n in missing[:12])
    more = f" and {len(missing) - 12} more" if len(missing) > 12 else ""
    return (
        f"These numbers of the problem text appear nowhere in the formulation: {shown}{more}. Put each "
        'into the data where it belongs, or list it in "unused_numbers" with the reason the model does not '
        "need it."
    )
