"""One benchmark problem, whatever file it came from, with its answer normalised."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

INFEASIBLE_MARKERS = ("no best solution", "infeasible", "unbounded", "no solution", "none", "null", "")
NO_SOLUTION_SENTINEL = -99999.0
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Expected:
    """The label: an objective, or ``infeasible`` (no optimal solution: any of the datasets' markers)."""

    objective: float | None = None
    infeasible: bool = False
    quantities: dict[str, float] = field(default_factory=dict)  # OptiBench: every requested value
    raw: str = ""


@dataclass(frozen=True)
class Problem:
    dataset: str
    id: str
    text: str
    expected: Expected
    problem_type: str = ""
    size: str = ""
    source_file: str = ""

    @property
    def content_hash(self) -> str:
        payload = json.dumps([self.text, asdict(self.expected)], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["content_hash"] = self.content_hash
        return data


def parse_number(value: Any) -> float | None:
    """A number from a label or a prediction: '3600.0', ' 172666.667', '$1,234.50', '12%' (-> 12), 5.
    None for anything that is not a finite number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "")
    text = text.rstrip("%").strip()
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def parse_answer(value: Any) -> Expected:
    """Normalise a label: numbers (also as strings with units), and the infeasible markers
    ``null``/None, ``"No Best Solution"``, ``-99999`` and an empty solution ``{}``."""
    raw = json.dumps(value) if not isinstance(value, str) else value
    if value is None or (isinstance(value, dict) and not value):
        return Expected(infeasible=True, raw=raw)
    if isinstance(value, str) and value.strip().lower() in INFEASIBLE_MARKERS:
        return Expected(infeasible=True, raw=raw)
    number = parse_number(value)
    if number is None:
        return Expected(raw=raw)  # unreadable: scored as wrong for every prediction, reported by the loader
    if number == NO_SOLUTION_SENTINEL:
        return Expected(infeasible=True, raw=raw)
    return Expected(objective=number, raw=raw)
