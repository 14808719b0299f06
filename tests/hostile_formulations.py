"""Hostile formulations (issue 12 item 6): each kind as data (an LLM reply) and as JSON text (a file), with
the limit or rule its refusal must name."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

SMALL: dict[str, Any] = {
    "name": "hostile",
    "problem_type": "LP",
    "sets": [{"name": "I", "elements": ["a", "b"]}],
    "parameters": [{"name": "c", "index": ["i in I"], "value": [1, 2]}],
    "variables": [{"name": "x", "index": ["i in I"], "upper": 10}],
    "objective": {"sense": "maximize", "expr": "sum(c[i] * x[i] for i in I)"},
    "constraints": [{"name": "cap", "expr": "sum(x[i] for i in I) <= 5"}],
}
DEEP = 100_000


@dataclass
class Case:
    data: dict[str, Any]  # as an LLM reply arrives: parsed JSON
    text: str  # as a file holds it
    names: str  # what the refusal must say: the limit hit, or the rule broken


def _small(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return data


def _with_set(*sets: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = _small(**changes)
    data["sets"] = data["sets"] + list(sets)
    return data


def _case(data: dict[str, Any], names: str, text: str | None = None) -> Case:
    return Case(data, text if text is not None else json.dumps(data), names)


def _written(data: dict[str, Any], raw: str) -> str:
    """JSON text of ``data`` with the string "@@" replaced by ``raw`` (what json.dumps cannot write)."""
    return json.dumps(data).replace('"@@"', raw)


def _deep() -> Case:
    nested: list[Any] = []
    for _ in range(DEEP):
        nested = [nested]
    text = _written(_small(metadata={"junk": "@@"}), "[" * DEEP + "]" * DEEP)
    return Case(_small(metadata={"junk": nested}), text, "max_json_depth")


def _first_value(raw: str, value: Any) -> Case:
    """c's first value given as ``raw`` JSON text (a file) and as the Python ``value`` (a parsed reply)."""
    data = _small()
    data["parameters"][0]["value"] = ["@@", 2]
    text = _written(data, raw)
    data["parameters"][0]["value"] = [value, 2]
    return Case(data, text, "max_abs_number")


def cases() -> dict[str, Case]:
    """Every hostile kind of the issue, by name."""
    ranges = [{"name": n, "range": {"start": 1, "end": 1000}} for n in ("P", "Q", "K")]
    surrogate = _small()
    surrogate["sets"][0]["elements"] = ["a", "\ud800"]
    return {
        "power_tower": _case(
            _small(objective={"sense": "maximize", "expr": "sum(x[i] for i in I) * 10**10**10"}),
            "max_abs_number",
        ),
        "product_1e8": _case(
            _with_set(
                {"name": "A", "range": {"start": 1, "end": 10_000}},
                {"name": "B", "range": {"start": 1, "end": 10_000}},
                {"name": "AB", "product": ["A", "B"]},
            ),
            "max_set_size",
        ),
        "derived_1e9_terms": _case(
            {
                **_with_set(*ranges),
                "parameters": SMALL["parameters"]
                + [{"name": "d", "index": ["p in P", "q in Q"], "expr": "sum(k for k in K)"}],
            },
            "max_steps",
        ),
        "filter_4m_pairs": _case(
            _with_set(
                {"name": "N", "range": {"start": 1, "end": 2000}},
                {"name": "NN", "product": ["N", "N"]},
                {"name": "F", "filter": {"over": "(i, j) in NN", "condition": "i != j"}},
            ),
            "max_set_size",
        ),
        "huge_int_data": _first_value("1" + "0" * 5000, 10**5000),
        "huge_int_expression": _case(
            _small(objective={"sense": "maximize", "expr": "sum(x[i] for i in I) * 1" + "0" * 400}),
            "max_abs_number",
        ),
        "deep_json": _deep(),
        "expression_10mb": _case(
            _small(objective={"sense": "maximize", "expr": " + ".join(["x['a']"] * 1_250_000)}),
            "max_expression_chars",
        ),
        "float_overflow": _case(
            {**_small(), "parameters": SMALL["parameters"] + [{"name": "big", "expr": "10.0**400"}]},
            "max_abs_number",
        ),
        "range_end_1e30": _case(_with_set({"name": "T", "range": {"start": 1, "end": 1e30}}), "max_set_size"),
        "nan_data": _first_value("NaN", float("nan")),
        "infinity_data": _first_value("Infinity", float("inf")),
        "lone_surrogate": _case(surrogate, "not valid Unicode"),
        "string_objective": _case(
            _small(objective={"sense": "maximize", "expr": "'as much profit as possible'"}),
            "is used as a number",
        ),
    }
