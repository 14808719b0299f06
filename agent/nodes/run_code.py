"""run_code: execute the generated program in the sandbox (never in this process) and read its result."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.sandbox import ExecutionResult, Job, Limits

NO_SOLUTION = {"infeasible", "unbounded", "infeasible_or_unbounded"}


def code_feedback(result: ExecutionResult) -> str:
    """What the LLM needs to fix the program: the failure, the offending lines, the output tail."""
    parts = [f"Status {result.status.value}: {result.message}".rstrip(": ")]
    if result.error:
        parts.append(f"{result.error.type}: {result.error.message}")
        for line in result.error.lines[-3:]:
            parts.append(f"  line {line.lineno}: {line.text}")
    if result.solution and result.solution.status in NO_SOLUTION:
        parts.append(
            f"The model you built is {result.solution.status.replace('_', ' ')}: compare each constraint and "
            "bound with the problem statement (direction, right-hand side, units)."
        )
    if result.stderr.strip():
        parts.append("stderr (end):\n" + result.stderr.strip()[-1200:])
    return "\n".join(parts)


def run_code(state: AgentState, deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    limits = Limits(timeout_s=cfg.code_timeout, solver_time_limit=cfg.time_limit)
    result = deps.executor.run(Job(state["code"], contract="auto", limits=limits))
    data = result.to_dict()
    solution = result.solution
    if result.ok and solution is not None and solution.objective is not None:
        summary = f"{solution.framework} {solution.status}, objective {solution.objective:.10g}"
        return {
            "code_result": data,
            "steps": [Step("run_code", "ok", summary, data={"objective": solution.objective})],
        }
    outcome = solution.status if result.ok and solution is not None else result.status.value
    feedback = code_feedback(result)
    return {
        "code_result": data,
        "steps": [Step("run_code", outcome, result.message or outcome, feedback=feedback)],
    }
