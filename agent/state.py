"""The graph's state: what each node reads and the partial updates it returns."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from optagent.agent.steps import Step


class AgentState(TypedDict, total=False):
    problem: str
    understanding: dict[str, Any]
    formulation: dict[str, Any] | None  # the last valid formulation (IR data)
    formulation_draft: str  # the last formulation reply, valid or not (for repair prompts)
    ir_result: dict[str, Any] | None  # SolveResult as data
    code: str | None
    code_draft: str  # the last program reply, usable or not (for repair prompts)
    code_result: dict[str, Any] | None  # ExecutionResult as data
    feedback: str  # why the last attempt failed, in words for the LLM
    fix: str  # which path the next repair targets: "formulation" or "code"
    repairs: Annotated[int, operator.add]  # repair attempts used
    steps: Annotated[list[Step], operator.add]
    route: str  # the next node chosen by diagnose or reconcile
    verdict: str  # "verified", "solved", "disputed" or "failed"
    answer_from: str  # "formulation" or "program": whose solution is the answer
    failure: str
    notes: Annotated[list[str], operator.add]
