"""lean: one call writes the formulation and a program together (cheap; the two are cross-checked, but they
come from one reply, so their agreement is not independent evidence)."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.nodes.formulate import take_formulation
from optagent.agent.parse import ReplyFormatError, extract_code, extract_json
from optagent.agent.prompting import lean_prompt
from optagent.agent.state import AgentState
from optagent.agent.steps import Step


def lean(state: AgentState, deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    text, call = deps.ask("lean", lean_prompt(state["problem"], cfg.code_library, state.get("asks") or ()))
    code: str | None = None
    try:
        code, code_problem = extract_code(text), ""
    except ReplyFormatError as exc:
        code_problem = str(exc)
    if code is not None and code.lstrip().startswith("{"):  # the JSON block was the only fenced block
        code, code_problem = None, "the reply contains no ```python block with the program"
    program = {"code": code, "code_draft": code or text.strip()[:20000], "code_result": None}
    try:
        data = extract_json(text)
    except ReplyFormatError as exc:
        feedback = "; ".join(filter(None, [str(exc), code_problem]))
        step = Step("lean", "invalid", "no formulation in the reply", feedback=feedback, llm=call)
        return {
            **program,
            "formulation": None,
            "formulation_draft": text.strip()[:20000],
            "feedback": str(exc),
            "fix": "formulation",
            "steps": [step],
        }
    update = take_formulation(state, deps, "lean", data, call)
    if code is None and not update.get("fix"):
        update.update(fix="code", feedback=code_problem)  # write_code repairs it: the program is missing
    return {**program, **update}
