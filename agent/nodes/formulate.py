"""formulate: the five-element formulation as IR JSON; schema and validation errors go back verbatim."""

from __future__ import annotations

import json
from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.errors import OptagentError
from optagent.formulations import Formulation, validate
from optagent.prompts import render


def accept_formulation(data: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The formulation as normalised data, or None and the complaint to hand back to the LLM."""
    try:
        formulation = Formulation.from_data(data, source="your formulation")
        report = validate(formulation)
    except OptagentError as exc:
        return None, str(exc)
    if report.errors:
        return None, report.format()
    return json.loads(formulation.to_json()), ""


def understanding_text(state: AgentState) -> str:
    return json.dumps(state.get("understanding") or {}, indent=1, ensure_ascii=False)


def formulate(state: AgentState, deps: Deps) -> dict[str, Any]:
    repairing = bool(state.get("feedback")) and state.get("fix") == "formulation"
    if repairing:
        tag = "repair_formulation"
        prompt = render(
            tag,
            problem=state["problem"],
            formulation=state.get("formulation_draft") or "(no JSON was given)",
            feedback=state["feedback"],
        )
    else:
        tag = "formulate"
        prompt = render(tag, problem=state["problem"], understanding=understanding_text(state))
    text, call = deps.ask(tag, prompt, json_mode=True)
    update: dict[str, Any] = {"repairs": 1 if repairing else 0}
    try:
        data = extract_json(text)
    except ReplyFormatError as exc:
        feedback = str(exc)
        update["formulation_draft"] = text.strip()[:20000]
    else:
        update["formulation_draft"] = json.dumps(data, indent=1, ensure_ascii=False)
        accepted, feedback = accept_formulation(data)
        if accepted is not None:
            name = accepted.get("name", "model")
            summary = f"formulation '{name}' ({accepted.get('problem_type')}) is valid"
            return {
                **update,
                "formulation": accepted,
                "feedback": "",
                "fix": "",
                "steps": [Step("formulate", "ok", summary, llm=call)],
            }
    return {
        **update,
        "formulation": None,
        "feedback": feedback,
        "fix": "formulation",
        "steps": [Step("formulate", "invalid", "the formulation was rejected", feedback=feedback, llm=call)],
    }
