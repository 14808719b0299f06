"""reconcile: the formulation and the program disagree; the LLM names the wrong one and fixes it."""

from __future__ import annotations

import json
from typing import Any

from optagent.agent import diagnosis
from optagent.agent.deps import Deps
from optagent.agent.nodes.formulate import accept_formulation
from optagent.agent.parse import ReplyFormatError, extract_code, extract_json
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.formulations import Formulation
from optagent.formulations.render import render_text
from optagent.prompts import render


def _outcome(result: dict[str, Any] | None, objective: float | None, status: str) -> str:
    if result is None:
        return "not run"
    return f"{status}, objective {objective:.10g}" if objective is not None else status


def reconcile(state: AgentState, deps: Deps) -> dict[str, Any]:
    formulation = Formulation.from_data(state["formulation"])
    ir = state.get("ir_result") or {}
    code = state.get("code_result") or {}
    solution = code.get("solution") or {}
    check = diagnosis.check_program_solution(
        formulation, solution.get("variables", {}), solution.get("objective")
    )
    prompt = render(
        "reconcile",
        problem=state["problem"],
        ir_outcome=_outcome(ir, ir.get("objective"), ir.get("termination", "unknown")),
        formulation_text=render_text(formulation),
        code_outcome=_outcome(
            code, solution.get("objective"), solution.get("status") or code.get("status", "?")
        ),
        code=state.get("code") or "",
        check=check or "B's values satisfy every constraint of A.",
    )
    text, call = deps.ask("reconcile", prompt, json_mode=True)
    base: dict[str, Any] = {"repairs": 1}
    try:
        reply = extract_json(text)
        wrong = str(reply.get("wrong", "")).lower()
        fix = reply.get("fix")
        reason = str(reply.get("reason", ""))[:300]
        if wrong.startswith("formulation") and isinstance(fix, dict):
            accepted, complaint = accept_formulation(fix)
            if accepted is None:
                return {
                    **base,
                    "route": "formulate",
                    "fix": "formulation",
                    "feedback": complaint,
                    "formulation_draft": json.dumps(fix, indent=1),
                    "steps": [
                        Step(
                            "reconcile",
                            "invalid",
                            f"formulation blamed ({reason})",
                            feedback=complaint,
                            llm=call,
                        )
                    ],
                }
            return {
                **base,
                "route": "solve_ir",
                "formulation": accepted,
                "ir_result": None,
                "feedback": "",
                "steps": [Step("reconcile", "ok", f"formulation corrected: {reason}", llm=call)],
            }
        if wrong.startswith("program") and isinstance(fix, str) and fix.strip():
            try:
                program = extract_code(fix) if "```" in fix else fix.strip() + "\n"
            except ReplyFormatError:
                program = fix.strip() + "\n"
            return {
                **base,
                "route": "run_code",
                "code": program,
                "code_draft": program,
                "code_result": None,
                "feedback": "",
                "steps": [Step("reconcile", "ok", f"program corrected: {reason}", llm=call)],
            }
        raise ReplyFormatError(
            'answer with {"wrong": "formulation" or "program", "reason": ..., "fix": ...} where fix is '
            "the corrected formulation object or the corrected program text"
        )
    except ReplyFormatError as exc:
        return {
            **base,
            "route": "diagnose",
            "steps": [
                Step("reconcile", "invalid", "the verdict could not be read", feedback=str(exc), llm=call)
            ],
        }
