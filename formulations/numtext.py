"""Numbers as text for people and files: no representation noise, never "-0"."""

from __future__ import annotations

import math
import re

NOISE = 5e-15
"""Relative change allowed when a number is written without its float representation noise: about 20
units in the last place, so arithmetic noise goes (``90 * 2.2`` = ``198.00000000000003`` -> ``198``) while
every number of at most 14 significant digits, which differs from all shorter decimals by over 1e-14
relative, is written exactly."""

_NUMBER_TOKEN = re.compile(r"(?<!\S)[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?!\S)")


def number_text(value: float | int, digits: int | None = None) -> str:
    """``value`` with ``digits`` significant digits (like ``:g``), or else the shortest decimal within
    ``NOISE`` relative of it (``198.00000000000003`` -> ``198``); zero is always ``0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0:
        return "0"
    if digits is not None:
        return f"{value:.{digits}g}"
    for precision in range(1, 18):
        rounded = float(f"{value:.{precision}g}")
        if abs(rounded - value) <= NOISE * abs(value):
            break
    text = repr(rounded)
    return text[:-2] if text.endswith(".0") else text


def tidy_numbers(text: str) -> str:
    """Every whitespace-delimited number token of ``text`` rewritten by :func:`number_text`, an explicit
    plus sign kept (``+198.00000000000003`` -> ``+198``, ``-0.0`` -> ``0``)."""

    def tidy(match: re.Match[str]) -> str:
        token = match.group()
        out = str(int(token)) if token.lstrip("+-").isdigit() else number_text(float(token))
        return "+" + out if token[0] == "+" else out

    return _NUMBER_TOKEN.sub(tidy, text)
