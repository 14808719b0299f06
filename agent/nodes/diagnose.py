"""diagnose: verify what the paths produced and decide: answer, repair one path, re-solve with more time,
reconcile, or give up. The verdict names what was checked (agent/verdict.py):

- ``agreed``: an independent program (``full``) and the formulation reach the same optimum, and the program's
  solution, mapped onto the formulation's variables, satisfies every constraint;
- ``solved``: the answer rests on one path, or on paths that are not independent (``five-element``, ``lean``),
  or the program's values could not be mapped onto the formulation;
- ``ambiguous``: readings of the text give different optima (the main answer is the most literal reading);
- ``disputed``: the paths disagree and the repair budget is spent; ``failed``: no answer.
"""

from __future__ import annotations

from typing import Any

from optagent.agent import diagnosis, verdict
from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.formulations import Formulation

MORE_TIME = 4.0  # factor on the time limit when a disagreement is put down to a solver limit


def _last(state: AgentState, node: str) -> Step | None:
    return next((s for s in reversed(state.get("steps", [])) if s.node == node), None)


def _feedback(state: AgentState, node: str, default: str) -> str:
    step = _last(state, node)
    return (step.feedback if step and step.feedback else "") or state.get("feedback") or default


class Decision:
    """Builds diagnose's update: the route, the feedback for a repair, the verdict when the run ends."""

    def __init__(self, state: AgentState, deps: Deps) -> None:
        self.state = state
        self.cfg = deps.config
        self.budget_left = state.get("repairs", 0) < deps.config.budget
        self.cross: diagnosis.CrossCheck | None = None

    def answer(
        self, verdict_: str, source: str, summary: str, notes: list[str] | None = None
    ) -> dict[str, Any]:
        state, cfg = self.state, self.cfg
        objective = (
            (state.get("ir_result") or {}).get("objective")
            if source == "formulation"
            else ((state.get("code_result") or {}).get("solution") or {}).get("objective")
        )
        others = verdict.other_optima(state.get("readings") or [], objective, cfg.tolerance)
        if others and verdict_ in ("agreed", "solved"):
            summary += f"; {len(others)} other reading(s) give other optima"
            verdict_ = "ambiguous"
        return {
            "route": "finish",
            "verdict": verdict_,
            "answer_from": source,
            "checks": verdict.checks(state, cfg, objective, self.cross),
            "notes": notes or [],
            "steps": [Step("diagnose", "answer", summary)],
        }

    def fail(self, why: str) -> dict[str, Any]:
        return {
            "route": "finish",
            "verdict": "failed",
            "failure": why,
            "checks": verdict.checks(self.state, self.cfg, None, self.cross),
            "steps": [Step("diagnose", "give-up", why)],
        }

    def repair(
        self, fix: str, feedback: str, summary: str, fallback: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if not self.budget_left:
            spent = f"repair budget spent ({self.state.get('repairs', 0)} repairs); last problem: {summary}"
            return fallback if fallback is not None else self.fail(spent + "\n" + feedback)
        route = "formulate" if fix == "formulation" else "write_code"
        return {
            "route": route,
            "fix": fix,
            "feedback": feedback,
            "steps": [Step("diagnose", f"repair-{fix}", summary, feedback=feedback)],
        }

    def more_time(self, which: str, summary: str, fallback: dict[str, Any]) -> dict[str, Any]:
        """Re-solve the path a time limit stopped, with more time (one unit of the budget)."""
        if not self.budget_left:
            return fallback
        seconds = (self.state.get("time_limit") or self.cfg.time_limit) * MORE_TIME
        cleared = {"ir_result": None} if which == "formulation" else {"code_result": None}
        return {
            **cleared,
            "repairs": 1,
            "time_limit": seconds,
            "route": "solve_ir" if which == "formulation" else "run_code",
            "steps": [Step("diagnose", "more-time", f"{summary}; re-solving with {seconds:g} s")],
        }

    def reconcile(self, summary: str, fallback: dict[str, Any]) -> dict[str, Any]:
        if not self.budget_left:
            return fallback
        return {"route": "reconcile", "steps": [Step("diagnose", "reconcile", summary)]}


def _implausible(state: AgentState, formulation: Formulation | None, ir: dict[str, Any]) -> list[str]:
    if formulation is None or any(
        s.outcome == "repair-formulation" and "fractional" in s.summary for s in state.get("steps", [])
    ):
        return []
    return diagnosis.fractional_counts(formulation, ir.get("values", {}))


def _limited_side(state: AgentState, code_obj: float, ir_obj: float, sense: str, tolerance: float) -> str:
    """'formulation' or 'program' when that side stopped at a time limit and the other side's optimum lies
    within its best-bound range (so neither model need be wrong); '' otherwise."""
    ir = state.get("ir_result") or {}
    solution = (state.get("code_result") or {}).get("solution") or {}
    if ir.get("termination") == "time_limit" and diagnosis.within_bounds(
        code_obj, ir_obj, ir.get("bound"), sense, tolerance
    ):
        return "formulation"
    if solution.get("status") == "time_limit" and diagnosis.within_bounds(
        ir_obj, code_obj, solution.get("bound"), sense, tolerance
    ):
        return "program"
    return ""


def diagnose(state: AgentState, deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    d = Decision(state, deps)
    formulation = Formulation.from_data(state["formulation"]) if state.get("formulation") else None
    ir = state.get("ir_result")
    code = state.get("code_result")
    ir_ok = bool(ir) and ir.get("solution_status") in ("optimal", "feasible")
    solution = (code or {}).get("solution") or {}
    code_ok = bool(code) and code.get("status") == "ok" and solution.get("objective") is not None
    ir_obj, code_obj = (ir or {}).get("objective"), solution.get("objective")
    uses_ir = cfg.uses_ir and formulation is not None
    ir_infeasible = bool(ir) and ir.get("termination") == "infeasible"
    code_infeasible = bool(code) and code.get("status") == "ok" and solution.get("status") == "infeasible"
    stays_infeasible = "the model is still infeasible after the repairs; the answer is: infeasible"
    if ir_infeasible and state.get("stands_infeasible") and not code_ok and not code_infeasible:
        return d.answer("solved", "formulation", "the repair kept the formulation: infeasible as stated")

    if ir_ok and uses_ir:
        hits = _implausible(state, formulation, ir)
        if hits:
            feedback = (
                f"Variables that count indivisible things take fractional values: {', '.join(hits)}. "
                "Declare them integer if the problem asks for whole units (and set problem_type accordingly)."
            )
            fallback = d.answer("solved", "formulation", "fractional counts remain (budget spent)")
            return d.repair("formulation", feedback, "fractional values for counted quantities", fallback)

    if cfg.mode == "ir":
        if ir_ok:
            return d.answer("solved", "formulation", f"formulation solved, objective {ir_obj:.10g}")
        return d.repair(
            "formulation",
            _feedback(state, "solve_ir", "the formulation has no solution"),
            "the formulation did not solve",
            d.answer("solved", "formulation", stays_infeasible) if ir_infeasible else None,
        )

    if cfg.mode == "code" or formulation is None:
        if code_ok:
            note = (
                []
                if cfg.mode == "code"
                else ["no valid formulation: the answer comes from the program alone"]
            )
            return d.answer("solved", "program", f"program solved, objective {code_obj:.10g}", note)
        return d.repair(
            "code",
            _feedback(state, "run_code", _feedback(state, "write_code", "the program failed")),
            "the program did not produce a solution",
            d.answer("solved", "program", stays_infeasible) if code_infeasible else None,
        )

    if cfg.mode == "five-element":
        if not code_ok:
            return d.repair(
                "code",
                _feedback(state, "run_code", _feedback(state, "write_code", "no program")),
                "the program did not produce a solution",
            )
        d.cross = diagnosis.check_program_solution(formulation, solution.get("variables", {}), code_obj)
        if d.cross.feasible:
            return d.answer(
                "solved", "program", f"program solution satisfies the formulation, objective {code_obj:.10g}"
            )
        feedback = (
            "The program's solution does not satisfy the formulation it implements:\n" + d.cross.detail
            if d.cross.mapped
            else f"The program's output cannot be checked: {d.cross.describe()}. Key every variable value by "
            "the formulation's variable name and index, like x[a,1]."
        )
        fallback = d.answer(
            "solved", "program", "program solution not confirmed by the formulation (budget spent)"
        )
        return d.repair("code", feedback, "the program deviates from the formulation", fallback)

    # full and lean: the formulation and a program, cross-checked
    if ir_infeasible and code_infeasible:
        both = d.answer(
            "agreed" if cfg.independent else "solved",
            "formulation",
            "the formulation and the program both prove the model infeasible",
        )
        if state.get("stands_infeasible"):
            return both
        # one look at the conflict first: a reading that admits a solution, or the same formulation again
        return d.repair(
            "formulation",
            _feedback(state, "solve_ir", "the formulation is infeasible"),
            "the formulation and the program are both infeasible",
            both,
        )
    if ir_ok and code_ok:
        d.cross = diagnosis.check_program_solution(formulation, solution.get("variables", {}), code_obj)
        if diagnosis.agree(code_obj, ir_obj, cfg.tolerance):
            proven = ir.get("termination") == "optimal" or solution.get("status") == "optimal"
            agreed = cfg.independent and bool(d.cross.feasible) and proven
            why = "" if agreed else f" ({d.cross.describe()})"
            return d.answer(
                "agreed" if agreed else "solved",
                "formulation",
                f"formulation and program agree on {ir_obj:.10g}{why}",
            )
        readings = state.get("readings") or []
        match = verdict.matching_reading(readings, code_obj, cfg.tolerance)
        if match is not None:
            return d.answer(
                "ambiguous",
                "formulation",
                f"the program's {code_obj:.10g} is the optimum of another reading ({match['text']})",
            )
        fallback = d.answer(
            "disputed", "formulation", f"formulation {ir_obj:.10g} and program {code_obj:.10g} disagree"
        )
        sense = formulation.objective.sense.value
        limited = _limited_side(state, code_obj, ir_obj, sense, cfg.tolerance)
        if limited:
            return d.more_time(
                limited, f"the {limited} stopped at its time limit short of the other's optimum", fallback
            )
        return d.reconcile(f"formulation gives {ir_obj:.10g}, program gives {code_obj:.10g}", fallback)
    if ir_ok:
        fallback = d.answer("solved", "formulation", "the program failed; answer from the formulation alone")
        return d.repair(
            "code",
            _feedback(state, "run_code", _feedback(state, "write_code", "the program failed")),
            "the program did not produce a solution",
            fallback,
        )
    if code_ok:
        fallback = d.answer(
            "solved", "program", "the formulation did not solve; answer from the program alone"
        )
        return d.reconcile(f"the formulation did not solve but the program found {code_obj:.10g}", fallback)
    return d.repair(
        "formulation",
        _feedback(state, "solve_ir", "the formulation did not solve"),
        "neither the formulation nor the program produced a solution",
        d.answer("solved", "formulation", stays_infeasible) if ir_infeasible else None,
    )
