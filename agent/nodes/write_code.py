"""write_code: the program path. ``full`` and ``code``: from the problem text alone (independent of the
formulation, optionally another model or temperature); ``five-element``: from the formulation; any mode:
a repair of the last program with what went wrong."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.parse import ReplyFormatError, extract_code
from optagent.agent.prompting import code_from_ir_prompt, code_prompt
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.prompts import render


def write_code(state: AgentState, deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    library = cfg.code_library
    repairing = bool(state.get("feedback")) and state.get("fix") == "code"
    if repairing:
        tag = "repair_code"
        last = state.get("code") or state.get("code_draft") or "(no program was given)"
        prompt = render(tag, problem=state["problem"], code=last, feedback=state["feedback"])
    elif cfg.mode == "five-element" and state.get("formulation"):
        tag, prompt = "code_from_ir", code_from_ir_prompt(state["formulation"], library)
    else:
        tag, prompt = "code_from_text", code_prompt(state["problem"], library)
    text, call = deps.ask(tag, prompt, program_path=cfg.independent)
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
