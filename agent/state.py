"""The graph's state: what each node reads and the partial updates it returns."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from optagent.agent.steps import Step


class AgentState(TypedDict, total=False):
    problem: str
    asks: list[str]  # quantities the caller wants answered by name (e.g. OptiBench's requested keys)
    formulation: dict[str, Any] | None  # the last valid formulation (IR data)
    formulation_draft: str  # the last formulation reply, valid or not (for repair prompts)
    extras: dict[str, Any]  # what the formulate/lean reply says besides the model (see agent/extras.py)
    coverage_sent: bool  # the unused-numbers feedback has gone back to formulate (once per run)
    stands_infeasible: bool  # a repair returned the infeasible formulation unchanged: infeasible as stated
    ir_result: dict[str, Any] | None  # SolveResult as data
    readings: list[dict[str, Any]]  # every reading built and solved (see agent/nodes/readings.py)
    code: str | None
    code_draft: str  # the last program reply, usable or not (for repair prompts)
    code_result: dict[str, Any] | None  # ExecutionResult as data
    time_limit: float  # the solver time limit now in force (raised after a solver-limit diagnosis)
    feedback: str  # why the last attempt failed, in words for the LLM
    fix: str  # which path the next repair targets: "formulation" or "code"
    repairs: Annotated[int, operator.add]  # repair attempts used
    steps: Annotated[list[Step], operator.add]
    route: str  # the next node chosen by diagnose or reconcile
    verdict: str  # "agreed", "solved", "ambiguous", "disputed" or "failed"
    checks: list[str]  # what was checked, in words (agent/verdict.py)
    answer_from: str  # "formulation" or "program": whose solution is the answer
    failure: str
    notes: Annotated[list[str], operator.add]
