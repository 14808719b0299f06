"""write_code: a solver program from the problem text (code, full) or from the formulation (five-element)."""

from __future__ import annotations

import json
from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.nodes.formulate import understanding_text
from optagent.agent.parse import ReplyFormatError, extract_code
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.prompts import render

SOLVER_NOTES = {
    "pyomo": ' with pyo.SolverFactory("highs")',
    "gurobipy": " with model.optimize()",
}


def write_code(state: AgentState, deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    library = cfg.code_library
    repairing = bool(state.get("feedback")) and state.get("fix") == "code"
    if repairing:
        tag = "repair_code"
        last = state.get("code") or state.get("code_draft") or "(no program was given)"
        prompt = render(tag, problem=state["problem"], code=last, feedback=state["feedback"])
    elif cfg.mode == "five-element" and state.get("formulation"):
        tag = "code_from_ir"
        formulation = json.dumps(state["formulation"], indent=1, ensure_ascii=False)
        prompt = render(tag, library=library, formulation=formulation, solver_note=SOLVER_NOTES[library])
    else:
        tag = "code_from_text"
        prompt = render(
            tag,
            library=library,
            problem=state["problem"],
            understanding=understanding_text(state),
            solver_note=SOLVER_NOTES[library],
        )
    text, call = deps.ask(tag, prompt)
    update: dict[str, Any] = {"repairs": 1 if repairing else 0}
    try:
        code = extract_code(text)
    except ReplyFormatError as exc:
        feedback = str(exc)
        return {
            **update,
            "code": None,
            "code_draft": text.strip()[:20000],
            "code_result": None,
            "feedback": feedback,
            "fix": "code",
            "steps": [Step("write_code", "invalid", "no program in the reply", feedback=feedback, llm=call)],
        }
    lines = code.count("\n")
    return {
        **update,
        "code": code,
        "code_draft": code,
        "code_result": None,
        "feedback": "",
        "fix": "",
        "steps": [Step("write_code", "ok", f"{library} program, {lines} lines", llm=call)],
    }
