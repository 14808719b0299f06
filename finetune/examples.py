"""Training examples in chat format, rendered by the same prompt templates the agent uses at inference,
so training data and inference prompts cannot drift apart."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from optagent.agent.prompting import code_from_ir_prompt, code_prompt, formulate_prompt
from optagent.prompts import PROMPT_SET_VERSION, render

TASKS = ("problem_to_formulation", "formulation_to_code", "problem_to_code", "repair_code")


@dataclass(frozen=True)
class Example:
    task: str
    source: str
    problem: str  # the natural-language problem the example is about (for contamination checks)
    messages: list[dict[str, str]]

    @property
    def id(self) -> str:
        return hashlib.sha256(json.dumps(self.messages, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "prompt_version": PROMPT_SET_VERSION, **asdict(self)}


def _chat(user: str, assistant: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": render("system").text},
        {"role": "user", "content": user},
        {"role": "assistant", "content": assistant},
    ]


def problem_to_formulation(problem: str, formulation: dict[str, Any], source: str):
    user = formulate_prompt(problem).text
    reply = "```json\n" + json.dumps(formulation, indent=1, ensure_ascii=False) + "\n```"
    return Example("problem_to_formulation", source, problem, _chat(user, reply))


def formulation_to_code(
    problem: str, formulation: dict[str, Any], code: str, source: str, library: str = "pyomo"
):
    user = code_from_ir_prompt(formulation, library).text
    return Example("formulation_to_code", source, problem, _chat(user, f"```python\n{code.strip()}\n```"))


def problem_to_code(problem: str, code: str, source: str, library: str = "pyomo"):
    user = code_prompt(problem, library).text
    return Example("problem_to_code", source, problem, _chat(user, f"```python\n{code.strip()}\n```"))


def repair_code(problem: str, faulty: str, feedback: str, fixed: str, source: str):
    user = render("repair_code", problem=problem, code=faulty.strip(), feedback=feedback).text
    return Example("repair_code", source, problem, _chat(user, f"```python\n{fixed.strip()}\n```"))
