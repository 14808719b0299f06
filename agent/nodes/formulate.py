"""formulate: the five-element formulation as IR JSON, read from the problem text itself; schema and
validation errors go back verbatim; numbers of the text the model leaves unused go back once."""

from __future__ import annotations

import json
from typing import Any

from optagent.agent import coverage, extras
from optagent.agent.deps import Deps
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.agent.prompting import formulate_prompt
from optagent.agent.state import AgentState
from optagent.agent.steps import LLMCall, Step
from optagent.errors import OptagentError
from optagent.formulations import Formulation, validate
from optagent.prompts import render


def accept_formulation(data: Any) -> tuple[dict[str, Any] | None, str]:
    """The formulation as normalised data, or None and the complaint to hand back to the LLM."""
    if not isinstance(data, dict):
        return None, f"the formulation must be a JSON object, got {type(data).__name__}"
    try:
        formulation = Formulation.from_data(data, source="your formulation")
        report = validate(formulation)
    except OptagentError as exc:
        return None, str(exc)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # odd shapes the schema lets through
        return None, f"the formulation cannot be read: {exc}"
    if report.errors:
        return None, report.format()
    return json.loads(formulation.to_json()), ""


def take_formulation(
    state: AgentState, deps: Deps, node: str, data: dict[str, Any], call: LLMCall | None
) -> dict[str, Any]:
    """The update for a parsed reply: the formulation accepted (or the complaint), its extras, and the
    unused-numbers feedback the first time numbers of the text are left out while budget lasts."""
    model, found = extras.split(data)
    accepted, complaint = accept_formulation(model)
    draft = json.dumps(data, ensure_ascii=False)
    if accepted is None:
        return {
            "formulation_draft": draft,
            "formulation": None,
            "feedback": complaint,
            "fix": "formulation",
            "steps": [Step(node, "invalid", "the formulation was rejected", feedback=complaint, llm=call)],
        }
    notes = [f"assumption: {a}" for a in found.assumptions] + [f"reply: {c}" for c in found.complaints]
    update: dict[str, Any] = {
        "formulation_draft": draft,
        "formulation": accepted,
        "extras": found.to_dict(),
        "notes": notes,
        "feedback": "",
        "fix": "",
    }
    summary = f"formulation '{accepted.get('name', 'model')}' ({accepted.get('problem_type')}) is valid"
    missing = coverage.uncovered(state["problem"], accepted, found.unused_numbers)
    if missing and not state.get("coverage_sent") and state.get("repairs", 0) < deps.config.budget:
        feedback = coverage.feedback(missing)
        step = Step(node, "unused-numbers", summary + f"; {len(missing)} numbers unused", feedback, call)
        return {**update, "coverage_sent": True, "feedback": feedback, "fix": "numbers", "steps": [step]}
    return {**update, "steps": [Step(node, "ok", summary, llm=call)]}


def _stands_infeasible(state: AgentState, update: dict[str, Any]) -> bool:
    """The repair of an infeasible formulation returned it unchanged (the LLM holds the text infeasible)."""
    ir = state.get("ir_result") or {}
    previous = state.get("formulation")
    return (
        ir.get("termination") == "infeasible"
        and previous is not None
        and update.get("formulation") == previous
    )


def formulate(state: AgentState, deps: Deps) -> dict[str, Any]:
    fix = state.get("fix")
    repairing = bool(state.get("feedback")) and fix in ("formulation", "numbers")
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
        prompt = formulate_prompt(state["problem"], state.get("asks") or ())
    text, call = deps.ask(tag, prompt, json_mode=True)
    repairs = {"repairs": 1 if repairing else 0}
    try:
        data = extract_json(text)
    except ReplyFormatError as exc:
        if fix == "numbers" and state.get("formulation") is not None:
            why = f"the reply to the unused-numbers feedback was unusable ({exc}); the formulation is kept"
            return {**repairs, "feedback": "", "fix": "", "steps": [Step("formulate", "kept", why, llm=call)]}
        step = Step("formulate", "invalid", "the formulation was rejected", feedback=str(exc), llm=call)
        draft = text.strip()[:20000]
        return {
            **repairs,
            "formulation": None,
            "formulation_draft": draft,
            "feedback": str(exc),
            "fix": "formulation",
            "steps": [step],
        }
    update = take_formulation(state, deps, "formulate", data, call)
    if update.get("formulation") is not None:
        stands = fix == "formulation" and _stands_infeasible(state, update)
        update["stands_infeasible"] = stands
        if stands:
            why = "the same formulation again: it stands as infeasible"
            update["steps"] = [Step("formulate", "unchanged", why, llm=call)]
    if fix == "numbers" and update.get("formulation") is None and state.get("formulation") is not None:
        kept = "the corrected formulation was invalid; the previous one is kept"
        step = Step("formulate", "kept", kept, feedback=update["feedback"], llm=call)
        return {**repairs, "feedback": "", "fix": "", "steps": [step]}
    return {**repairs, **update}
