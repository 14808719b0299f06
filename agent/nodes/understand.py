"""understand: the modeler's reading of the problem (decisions, objective, constraints, data, gaps)."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.prompts import render


def understand(state: AgentState, deps: Deps) -> dict[str, Any]:
    text, call = deps.ask("understand", render("understand", problem=state["problem"]))
    try:
        data = extract_json(text)
        outcome = "ok"
    except ReplyFormatError:
        data = {"summary": text.strip()[:6000]}  # prose is still useful context for the next steps
        outcome = "ok"
    gaps = [g for g in data.get("data_gaps") or [] if isinstance(g, dict) and g.get("missing")]
    notes = [f"assumption: {g['missing']} -> {g.get('assumption', 'not stated')}" for g in gaps]
    summary = str(data.get("summary", ""))[:200] or "problem read"
    return {"understanding": data, "notes": notes, "steps": [Step("understand", outcome, summary, llm=call)]}
