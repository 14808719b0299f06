"""reconcile: the formulation and the program disagree. The LLM names the statement of the problem the two
read differently and decides: the formulation is wrong, the program, both, or neither (a solver limit:
re-solve with more time; an ambiguous text: the program's reading becomes another reading of the
formulation)."""

from __future__ import annotations

import json
from typing import Any

from optagent.agent import diagnosis
from optagent.agent.deps import Deps
from optagent.agent.nodes.diagnose import MORE_TIME
from optagent.agent.nodes.formulate import accept_formulation
from optagent.agent.nodes.run_code import program_limit
from optagent.agent.parse import ReplyFormatError, extract_code, extract_json
from optagent.agent.state import AgentState
from optagent.agent.steps import LLMCall, Step
from optagent.errors import OptagentError
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits
from optagent.formulations.render import render_text
from optagent.prompts import render

VERDICTS = ("formulation", "program", "both", "neither")
SCHEMA = (
    'answer with {"wrong": "formulation" | "program" | "both" | "neither", "statement": ..., "reason": '
    '..., and "edit" (a formulation edit) when the formulation is wrong, "program" (the complete program) '
    'when the program is wrong, "cause": "solver-limit" | "ambiguous" and "reading": {"reading", "edit"} '
    "when neither is"
)


def _ir_outcome(ir: dict[str, Any]) -> str:
    if ir.get("termination") == "time_limit":
        limited = diagnosis.limit_text(
            ir.get("time_limit", 0.0), ir.get("objective"), ir.get("bound"), ir.get("gap")
        )
        return f"solver stopped at the {limited}"
    obj = ir.get("objective")
    return f"solved: {ir.get('termination', 'not solved')}" + (
        f", objective {obj:.10g}" if obj is not None else ""
    )


def _code_outcome(code: dict[str, Any], seconds: float) -> str:
    solution = code.get("solution") or {}
    limited = program_limit(solution, seconds)
    if limited:
        return f"stopped at the {limited}"
    obj = solution.get("objective")
    status = solution.get("status") or code.get("status", "?")
    return f"result: {status}" + (f", objective {obj:.10g}" if obj is not None else "")


def _corrected_formulation(reply: dict[str, Any], formulation: Formulation) -> dict[str, Any]:
    edit, full = reply.get("edit"), reply.get("formulation")
    if isinstance(edit, dict) and edit:
        try:
            return apply_edits(formulation, edit).model_dump(mode="json", exclude_none=True)
        except OptagentError as exc:
            raise ReplyFormatError(f"the edit cannot be applied: {exc}") from None
    if isinstance(full, dict):
        return full
    raise ReplyFormatError(
        'the formulation is blamed but there is no "edit" object (or complete "formulation")'
    )


def _program(reply: dict[str, Any]) -> str:
    text = reply.get("program")
    if not isinstance(text, str) or not text.strip():
        raise ReplyFormatError('the program is blamed but "program" is not the complete program as a string')
    try:
        return extract_code(text) if "```" in text else text.strip() + "\n"
    except ReplyFormatError:
        return text.strip() + "\n"


def _neither(reply: dict[str, Any], state: AgentState, deps: Deps, base: dict[str, Any]) -> dict[str, Any]:
    cause = str(reply.get("cause", "")).lower()
    if "limit" in cause:
        seconds = (state.get("time_limit") or deps.config.time_limit) * MORE_TIME
        ir_limited = (state.get("ir_result") or {}).get("termination") == "time_limit"
        code_limited = ((state.get("code_result") or {}).get("solution") or {}).get("status") == "time_limit"
        clear_ir = ir_limited or not code_limited
        update = {**base, "time_limit": seconds, "route": "solve_ir" if clear_ir else "run_code"}
        if clear_ir:
            update["ir_result"] = None
        if code_limited or not ir_limited:
            update["code_result"] = None
        return update
    reading = reply.get("reading")
    if "ambig" in cause and isinstance(reading, dict) and isinstance(reading.get("reading"), str):
        extras = dict(state.get("extras") or {})
        extras["readings"] = [
            *extras.get("readings", []),
            {"reading": reading["reading"], "edit": reading.get("edit")},
        ]
        return {**base, "extras": extras, "route": "readings"}
    raise ReplyFormatError(
        '"neither" needs "cause": "solver-limit", or "cause": "ambiguous" with "reading": '
        '{"reading": <text>, "edit": <formulation edit>}'
    )


def _apply(reply: dict[str, Any], state: AgentState, deps: Deps, call: LLMCall) -> dict[str, Any]:
    wrong = str(reply.get("wrong", "")).lower().strip()
    if wrong not in VERDICTS:
        raise ReplyFormatError(f'"wrong" is {reply.get("wrong")!r}; ' + SCHEMA)
    said = f"{wrong} wrong" if wrong != "neither" else f"neither wrong ({reply.get('cause', '?')})"
    summary = f"{said}: {str(reply.get('statement') or reply.get('reason') or '')[:300]}"
    base: dict[str, Any] = {
        "repairs": 1,
        "feedback": "",
        "fix": "",
        "steps": [Step("reconcile", "ok", summary, llm=call)],
    }
    if wrong == "neither":
        return _neither(reply, state, deps, base)
    update = dict(base)
    if wrong in ("program", "both"):
        program = _program(reply)
        update.update(code=program, code_draft=program, code_result=None, route="run_code")
    if wrong in ("formulation", "both"):
        data = _corrected_formulation(reply, Formulation.from_data(state["formulation"]))
        accepted, complaint = accept_formulation(data)
        if accepted is None:
            step = Step("reconcile", "invalid", summary, feedback=complaint, llm=call)
            draft = json.dumps(data, ensure_ascii=False)
            return {**update, "route": "formulate", "fix": "formulation", "feedback": complaint,
                    "formulation_draft": draft, "steps": [step]}  # fmt: skip
        update.update(formulation=accepted, ir_result=None, route="solve_ir")
    return update


def reconcile(state: AgentState, deps: Deps) -> dict[str, Any]:
    formulation = Formulation.from_data(state["formulation"])
    ir = state.get("ir_result") or {}
    code = state.get("code_result") or {}
    solution = code.get("solution") or {}
    cross = diagnosis.check_program_solution(
        formulation, solution.get("variables", {}), solution.get("objective")
    )
    previous = state.get("feedback") if state.get("fix") == "reconcile" else ""
    prompt = render(
        "reconcile",
        problem=state["problem"],
        ir_outcome=_ir_outcome(ir),
        formulation_text=render_text(formulation),
        code_outcome=_code_outcome(code, state.get("time_limit") or deps.config.time_limit),
        code=state.get("code") or "",
        check=cross.describe(),
        previous=f"\nYour last answer could not be used: {previous}\n" if previous else "",
    )
    text, call = deps.ask("reconcile", prompt, json_mode=True)
    try:
        return _apply(extract_json(text), state, deps, call)
    except ReplyFormatError as exc:
        step = Step("reconcile", "invalid", "the decision could not be read", feedback=str(exc), llm=call)
        return {"repairs": 1, "route": "diagnose", "fix": "reconcile", "feedback": str(exc), "steps": [step]}
