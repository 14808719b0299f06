"""run_code: execute the generated program in the sandbox (never in this process) and read its result."""

from __future__ import annotations

from typing import Any

from optagent.agent import diagnosis
from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.sandbox import ExecutionResult, Job, Limits

NO_SOLUTION = {"infeasible", "unbounded", "infeasible_or_unbounded"}


def program_limit(solution: dict[str, Any] | None, seconds: float) -> str:
    """The time-limit description of a program's result, or '' when it was not stopped by a limit.

    Reads ``status == "time_limit"`` with ``bound`` and ``gap`` where the sandbox reports them."""
    if not solution or solution.get("status") != "time_limit":
        return ""
    return diagnosis.limit_text(
        seconds, solution.get("objective"), solution.get("bound"), solution.get("gap")
    )


def code_feedback(result: ExecutionResult, seconds: float | None = None) -> str:
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
    limited = program_limit(result.to_dict().get("solution"), seconds or 0.0)
    if limited:
        parts = [f"The solver stopped at the {limited}; the result is not proven optimal."]
    if result.stderr.strip():
        parts.append("stderr (end):\n" + result.stderr.strip()[-1200:])
    return "\n".join(parts)


def run_code(state: AgentState, deps: Deps) -> dict[str, Any]:
    seconds = state.get("time_limit") or deps.config.time_limit
    timeout = max(deps.config.code_timeout, seconds * 1.5)
    limits = Limits(timeout_s=timeout, solver_time_limit=seconds)
    result = deps.executor.run(Job(state["code"], contract="auto", limits=limits))
    data = result.to_dict()
    solution = result.solution
    limited = program_limit(data.get("solution"), seconds)
    if result.ok and solution is not None and solution.objective is not None:
        outcome = "time-limit" if limited else "ok"
        summary = limited or f"{solution.framework} {solution.status}, objective {solution.objective:.10g}"
        step = Step("run_code", outcome, summary, feedback=code_feedback(result, seconds) if limited else "")
        return {"code_result": data, "steps": [step]}
    outcome = solution.status if result.ok and solution is not None else result.status.value
    feedback = code_feedback(result, seconds)
    return {
        "code_result": data,
        "steps": [Step("run_code", outcome, result.message or outcome, feedback=feedback)],
    }
