"""Per-problem details for the HTML report: each step's outcome and summary with the exact feedback sent to
the LLM, the checks, the readings, the formulation and the program, in collapsible ``<details>``."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from optagent.errors import OptagentError
from optagent.evaluation.stats import number
from optagent.evaluation.triage import CASES, Triage
from optagent.formulations.model import Formulation
from optagent.formulations.render import render_text


def label_text(record: dict[str, Any]) -> str:
    e = record["expected"]
    if e.get("infeasible"):
        return "infeasible"
    return number(e["objective"]) if e.get("objective") is not None else f"unreadable: {e.get('raw', '')!r}"


def answer_text(record: dict[str, Any]) -> str:
    p = record["predicted"]
    return f"{number(p.get('objective'))} ({p.get('status', 'none')})"


def _fold(summary: str, body: str, *, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>{body}</details>"


def _pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Rows are HTML already (escaped by the caller)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _steps(steps: list[dict[str, Any]]) -> str:
    rows = []
    for k, s in enumerate(steps, 1):
        feedback = s.get("feedback") or ""
        sent = _fold(f"{len(feedback)} characters", _pre(feedback)) if feedback else "-"
        rows.append(
            [
                str(k),
                escape(str(s.get("node", ""))),
                escape(str(s.get("outcome", ""))),
                escape(str(s.get("summary", ""))),
                sent,
            ]
        )
    return _table(["#", "node", "outcome", "summary", "feedback sent to the LLM"], rows)


def _readings(readings: list[dict[str, Any]]) -> str:
    rows = [
        [
            str(k),
            escape(str(r.get("text", ""))),
            escape(number(r.get("objective"))),
            escape(str(r.get("status", "")) + (" (proven)" if r.get("proven_optimal") else "")),
            (_fold("edit", _pre(json.dumps(r["edit"], indent=1))) if r.get("edit") else "")
            + escape(str(r.get("message") or "")),
        ]
        for k, r in enumerate(readings, 1)
    ]
    return _table(["#", "reading", "optimum", "status", "edit / message"], rows)


def _formulation(data: dict[str, Any]) -> str:
    as_json = _fold("JSON", _pre(json.dumps(data, indent=1)))
    try:
        text = render_text(Formulation.from_data(data))
    except (OptagentError, ValueError, TypeError, KeyError):
        return as_json
    return _pre(text) + as_json


def _one(record: dict[str, Any], triage: Triage | None) -> str:
    scores = record.get("scores") or {}
    outcome = (
        f"misses the label, case ({triage.case}) {CASES[triage.case][0]}"
        if triage
        else ("matches the label" if scores.get("strict") else "misses the label")
    )
    head = (
        f"<b>{escape(str(record['problem_id']))}</b> · {escape(str(record.get('verdict', '?')))} · answer "
        f"{escape(answer_text(record))}, label {escape(label_text(record))} · {escape(outcome)} (strict)"
    )
    parts = []
    if triage:
        title, meaning = CASES[triage.case]
        parts.append(
            f"<p>Triage ({triage.case}) {escape(title)}: {escape(triage.finding)}. "
            f"Suggests: {escape(meaning)}.</p>"
        )
    for key in ("error", "failure"):
        if record.get(key):
            parts.append(f"<p>{key}: {escape(str(record[key]))}</p>")
    if record.get("checks"):
        parts.append("<ul>" + "".join(f"<li>{escape(str(c))}</li>" for c in record["checks"]) + "</ul>")
    if record.get("steps"):
        parts.append(_steps(record["steps"]))
    elif record.get("attempts"):
        parts.append(f"<p>route: {escape(' → '.join(record['attempts']))}</p>")
    if record.get("readings"):
        parts.append(_fold("readings", _readings(record["readings"]), open_=len(record["readings"]) > 1))
    if record.get("formulation"):
        parts.append(_fold("formulation", _formulation(record["formulation"])))
    if record.get("code"):
        parts.append(_fold("program", _pre(record["code"])))
    return _fold(head, "".join(parts) or "<p>(the record keeps no steps)</p>")


def problem_details(name: str, records: list[dict[str, Any]], triage: list[Triage]) -> str:
    """One collapsible block per problem of run ``name``."""
    by_id = {t.problem_id: t for t in triage}
    blocks = "".join(_one(r, by_id.get(str(r["problem_id"]))) for r in records)
    return (
        f"<h2>Problems of {escape(name)}</h2><p>Each problem's steps (outcome, summary and the exact "
        f"feedback sent to the LLM), checks, readings, formulation and program.</p>{blocks}"
    )
