"""A chat turn: what the LLM sees (context, history, status, sensitivity), what it may reply, and the Turn
the user gets back.

A reply may change the model (``edit``), solve variants without keeping them (``probes``), answer, ask the
user for a missing number (``ask``), and ask to see the results before answering (``answer_after_results``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from optagent.agent.chat_format import decisions, number
from optagent.agent.nodes.formulate import accept_formulation
from optagent.agent.parse import ReplyFormatError
from optagent.agent.scenarios import Scenario

HISTORY_TURNS = 6
MAX_PROBES = 5
ASK = (
    '"ask": {"question": "...", "default": "<the value you would assume>"}: when a change needs a number the '
    "user has not given, ask for it (one question, with the value you propose) instead of editing."
)
ASSUME = (
    '"assumptions": ["<one per item>"]: when a change needs a number the user has not given, assume a '
    "sensible value, make the change, and state each assumption here."
)
_TAGGED = re.compile(r"(-?\$?\d[\d,]*(?:\.\d+)?)\s*%?\**\s*\[solver\]")


@dataclass
class Turn:
    """The reply to one message. ``text`` is the headline; the lists hold one item per line."""

    kind: str  # "solved", "modified", "answer", "question", "failed"
    text: str = ""
    verdict: str = ""
    scenario: str = ""
    status: str = ""
    changes: list[str] = field(default_factory=list)
    conflict: str = ""
    probes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    answer: str = ""  # Markdown written by the LLM (numbers marked [solver] or [estimate])
    notes: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def failed(self) -> bool:
        return self.kind == "failed"

    def plain(self) -> str:
        """The whole turn as plain text (history, logs)."""
        lines = [self.text, *self.changes, *self.probes, self.answer, *self.notes]
        return "\n".join(line for line in lines if line)


@dataclass
class ChatReply:
    edit: dict[str, Any] | None = None
    formulation: dict[str, Any] | None = None  # a complete replacement (the first protocol's "modify")
    scenario: str = ""
    summary: str = ""
    probes: list[dict[str, Any]] = field(default_factory=list)
    answer: str = ""
    answer_after_results: bool = False
    ask: dict[str, str] | None = None
    assumptions: list[str] = field(default_factory=list)

    @property
    def changes_model(self) -> bool:
        return self.edit is not None or self.formulation is not None


def parse_reply(data: dict[str, Any]) -> ChatReply:
    """Read a chat-turn reply; a ReplyFormatError says what to fix (it goes back to the LLM)."""
    reply = ChatReply(
        scenario=str(data.get("scenario") or ""),
        summary=str(data.get("summary") or ""),
        answer=str(data.get("answer") or ""),
        answer_after_results=data.get("answer_after_results") is True,
    )
    edit, formulation = data.get("edit"), data.get("formulation")
    if data.get("action") == "modify" and isinstance(formulation, dict):
        reply.formulation = formulation
    elif edit is not None:
        if not isinstance(edit, dict):
            raise ReplyFormatError('"edit" must be a JSON object such as {"parameters": [...]}')
        reply.edit = edit
    probes = data.get("probes") or []
    if not isinstance(probes, list) or not all(
        isinstance(p, dict) and isinstance(p.get("edit"), dict) for p in probes
    ):
        raise ReplyFormatError('"probes" must be a list of {"label": "...", "edit": {...}} objects')
    reply.probes = probes[:MAX_PROBES]
    ask = data.get("ask")
    if isinstance(ask, dict) and str(ask.get("question") or "").strip():
        reply.ask = {"question": str(ask["question"]), "default": str(ask.get("default") or "")}
    assumptions = data.get("assumptions") or []
    reply.assumptions = [str(a) for a in assumptions] if isinstance(assumptions, list) else [str(assumptions)]
    if not (reply.changes_model or reply.probes or reply.answer or reply.ask):
        raise ReplyFormatError(
            'give at least one of "edit", "probes", "answer" or "ask" (see the keys above)'
        )
    return reply


def accepted_formulation(data: Any) -> dict[str, Any]:
    """The formulation as normalised data; a ReplyFormatError (a ValueError) says why it is not valid."""
    if not isinstance(data, dict):
        raise ReplyFormatError("a formulation must be a JSON object")
    accepted, complaint = accept_formulation(data)
    if accepted is None:
        raise ReplyFormatError(f"the formulation is not valid: {complaint}")
    return accepted


def solution_text(scenario: Scenario) -> str:
    lines = [f"status: {scenario.status or 'unknown'}; verdict: {scenario.verdict or 'none'}"]
    if scenario.objective is not None:
        lines.append(f"objective: {number(scenario.objective)}")
    if scenario.status == "infeasible":
        lines.append("no values satisfy all constraints")
        if scenario.conflict:
            lines.append(scenario.conflict)
    lines += decisions(scenario.values, limit=200)
    lines += [f"checked: {c}" for c in scenario.checks]
    lines += [f"assumed: {a}" for a in scenario.assumptions]
    return "\n".join(lines)


def sensitivity_text(data: dict[str, Any] | None, limit: int = 80) -> str:
    """Duals, slacks and ranges per constraint row; reduced costs and cost ranges per variable."""
    if not data:
        return "not available for this solve (use probes to measure values)"
    basis = data.get("basis", "lp")
    lines = [
        f"basis: {basis}" + (" (duals of the LP with the integer variables fixed)" if basis != "lp" else "")
    ]
    for row in _rows(data, "constraints", limit):
        label = _label(row)
        parts = [f"activity {number(row.get('activity'))}", f"dual {number(row.get('dual'))}"]
        parts.append(f"slack {number(row.get('slack'))}" + (", binding" if row.get("binding") else ""))
        if row.get("rhs_range"):
            parts.append(f"right-hand side range {_interval(row['rhs_range'])}")
        lines.append(f"constraint {label}: {'; '.join(parts)}")
    for var in _rows(data, "variables", limit):
        parts = [f"value {number(var.get('value'))}", f"reduced cost {number(var.get('reduced_cost'))}"]
        if var.get("cost_range"):
            parts.append(f"cost range {_interval(var['cost_range'])}")
        lines.append(f"variable {_label(var)}: {'; '.join(parts)}")
    return "\n".join(lines)


def _rows(data: dict[str, Any], key: str, limit: int) -> list[dict[str, Any]]:
    rows = data.get(key)
    return [r for r in rows[:limit] if isinstance(r, dict)] if isinstance(rows, list) else []


def _interval(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"[{number(value[0])}, {number(value[1])}]"
    return str(value)


def _label(row: dict[str, Any]) -> str:
    return f"{row.get('name')}[{row['index']}]" if row.get("index") else str(row.get("name"))


def history_text(history: list[dict[str, Any]], turns: int = HISTORY_TURNS) -> str:
    lines = []
    for item in history[-turns:]:
        lines.append(f"user: {item['user']}")
        tag = item.get("kind", "")
        if item.get("scenario"):
            tag += f", scenario {item['scenario']}"
        reply = " ".join(str(item.get("reply", "")).split())
        lines.append(f"assistant ({tag}): {reply[:600]}")
    return "\n".join(lines) or "(this is the first follow-up)"


def formulation_text(formulation: dict[str, Any]) -> str:
    return json.dumps(formulation, indent=1, ensure_ascii=False)


def numbers_in(value: Any) -> list[float]:
    """Every number inside nested data."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in numbers_in(v)]
    return []


def unsupported_numbers(answer: str, known: list[float]) -> list[str]:
    """Numbers marked [solver] in ``answer`` that no solver result (or model datum) has, as written."""
    missing = []
    for text in _TAGGED.findall(answer):
        digits = text.replace("$", "").replace(",", "")
        value = float(digits)
        decimals = len(digits.partition(".")[2])
        if not any(abs(value - k) <= max(0.5 * 10**-decimals, 1e-3 * abs(k)) + 1e-9 for k in known):
            missing.append(text)
    return missing
