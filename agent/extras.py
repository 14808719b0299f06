"""The keys a formulate (or lean) reply may carry beside the formulation, split off and checked.

- ``answers``: {"<quantity the question asks for>": "<expression over the variables>"};
- ``readings``: [{"reading": "<another defensible reading of the text>", "edit": <formulation edit>}];
- ``unused_numbers``: ["<number>: <why the model does not need it>", ...];
- ``assumptions``: ["<a number the text does not give, and the value assumed>", ...].

Malformed entries never stop a run: each is dropped with a complaint that says what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EXTRA_KEYS = ("answers", "readings", "unused_numbers", "assumptions")


@dataclass
class Extras:
    answers: dict[str, str] = field(default_factory=dict)
    readings: list[dict[str, Any]] = field(default_factory=list)
    unused_numbers: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    complaints: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "readings": self.readings,
            "unused_numbers": self.unused_numbers,
            "assumptions": self.assumptions,
            "complaints": self.complaints,
        }


def _strings(value: Any, key: str, complaints: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        return [str(v) for v in value]
    complaints.append(f'"{key}" must be a list of strings, got {type(value).__name__}')
    return []


def _answers(value: Any, complaints: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        complaints.append(
            f'"answers" must map each asked quantity to an expression, got {type(value).__name__}'
        )
        return {}
    out = {}
    for key, expr in value.items():
        if isinstance(expr, (str, int, float)) and not isinstance(expr, bool) and str(expr).strip():
            out[str(key)] = str(expr)
        else:
            complaints.append(f'answer "{key}" must be an expression string, got {type(expr).__name__}')
    return out


def _readings(value: Any, complaints: list[str]) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        complaints.append(
            f'"readings" must be a list of {{"reading", "edit"}} objects, got {type(value).__name__}'
        )
        return []
    out = []
    for k, item in enumerate(value, 1):
        if not isinstance(item, dict) or not isinstance(item.get("reading"), str):
            complaints.append(f'reading {k} must be an object with a "reading" text and an "edit" object')
            continue
        out.append({"reading": item["reading"].strip(), "edit": item.get("edit")})
    return out


def split(data: dict[str, Any]) -> tuple[dict[str, Any], Extras]:
    """(the formulation's own keys, the extras); ``data`` is left unchanged."""
    model = {k: v for k, v in data.items() if k not in EXTRA_KEYS}
    complaints: list[str] = []
    extras = Extras(
        answers=_answers(data.get("answers"), complaints),
        readings=_readings(data.get("readings"), complaints),
        unused_numbers=_strings(data.get("unused_numbers"), "unused_numbers", complaints),
        assumptions=_strings(data.get("assumptions"), "assumptions", complaints),
    )
    extras.complaints = complaints
    return model, extras
