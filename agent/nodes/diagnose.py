"""diagnose: verify what the paths produced and decide: answer, repair one path, reconcile, or give up."""

from __future__ import annotations

from typing import Any

from optagent.agent import diagnosis
from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.formulations import Formulation


def _last(state: AgentState, node: str) -> Step | None:
    return next((s for s in reversed(state.get("steps", [])) if s.node == node), None)


def _feedback(state: AgentState, node: str, default: str) -> str:
    step = _last(state, node)
    return (step.feedback if step and step.feedback else "") or state.get("feedback") or default


class Decision:
    """Builds diagnose's update: the route, the feedback for a repair, the verdict when the run ends."""

    def __init__(self, state: AgentState, deps: Deps) -> None:
        self.state = state
        self.budget_left = state.get("repairs", 0) < deps.config.budget

    def answer(
        self, verdict: str, source: str, summary: str, notes: list[str] | None = None
    ) -> dict[str, Any]:
        return {
            "route": "finish",
            "verdict": verdict,
            "answer_from": source,
            "notes": notes or [],
            "steps": [Step("diagnose", "answer", summary)],
        }

    def fail(self, why: str) -> dict[str, Any]:
        return {
            "route": "finish",
            "verdict": "failed",
            "failure": why,
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
        )

    if cfg.mode == "five-element":
        if not code_ok:
            return d.repair(
                "code",
                _feedback(state, "run_code", _feedback(state, "write_code", "no program")),
                "the program did not produce a solution",
            )
        problems = diagnosis.check_program_solution(formulation, solution.get("variables", {}), code_obj)
        if not problems:
            return d.answer(
                "verified",
                "program",
                f"program solution satisfies the formulation, objective {code_obj:.10g}",
            )
        feedback = f"The program's solution does not satisfy the formulation it implements:\n{problems}"
        fallback = d.answer(
            "solved", "program", "program solution unchecked against the formulation (budget spent)"
        )
        return d.repair("code", feedback, "the program deviates from the formulation", fallback)

    # full: the formulation and an independent program, cross-checked
    if ir_ok and code_ok:
        if diagnosis.agree(code_obj, ir_obj, cfg.tolerance):
            return d.answer("verified", "formulation", f"formulation and program agree on {ir_obj:.10g}")
        fallback = d.answer(
            "disputed", "formulation", f"formulation {ir_obj:.10g} and program {code_obj:.10g} disagree"
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
    )
