"""solve_ir: compile the formulation deterministically and solve it (no generated code involved)."""

from __future__ import annotations

from typing import Any

from optagent.agent import diagnosis
from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.errors import OptagentError
from optagent.formulations import Formulation
from optagent.formulations.solve import solve


def solve_ir(state: AgentState, deps: Deps) -> dict[str, Any]:
    formulation = Formulation.from_data(state["formulation"])
    cfg = deps.config
    seconds = state.get("time_limit") or cfg.time_limit
    try:
        result = solve(formulation, solver=cfg.solver, time_limit=seconds)
    except OptagentError as exc:
        feedback = f"Solving the formulation failed: {exc}"
        return {"ir_result": None, "steps": [Step("solve_ir", "error", exc.message, feedback=feedback)]}
    data = result.model_dump(mode="json")
    term = result.termination.value
    if result.has_solution and term == "time_limit":
        limited = diagnosis.limit_text(seconds, result.objective, result.bound, result.gap)
        feedback = f"The solver stopped at the {limited}; the solution is not proven optimal."
        step = Step("solve_ir", "time-limit", f"{result.solver}: {limited}", feedback=feedback)
        return {"ir_result": data, "steps": [step]}
    if result.has_solution:
        summary = f"{result.solver}: {term}, objective {result.objective:.10g}"
        return {
            "ir_result": data,
            "steps": [Step("solve_ir", "ok", summary, data={"objective": result.objective})],
        }
    if term == "infeasible":
        feedback = diagnosis.infeasible_feedback(formulation, cfg.solver)
        outcome = "infeasible"
    elif term in ("unbounded", "infeasible_or_unbounded"):
        feedback = diagnosis.unbounded_feedback(formulation)
        outcome = "unbounded" if term == "unbounded" else "infeasible_or_unbounded"
    else:
        feedback = f"The solver stopped with {term} and no solution within {seconds:g} s."
        outcome = "no-solution"
    return {
        "ir_result": data,
        "steps": [Step("solve_ir", outcome, f"{result.solver}: {term}", feedback=feedback)],
    }
