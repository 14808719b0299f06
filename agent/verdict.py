"""What a verdict rests on: the checks actually made, in words, and the readings that change the optimum.

Each check is one line ``"<kind>: <what was found>"``; the kinds are ``numbers``, ``formulation``,
``program``, ``agreement``, ``feasibility``, ``readings`` and ``answers`` (README, "Verdicts and checks").
"""

from __future__ import annotations

from typing import Any

from optagent.agent import coverage, diagnosis
from optagent.agent.config import RunConfig
from optagent.agent.nodes.run_code import program_limit
from optagent.agent.state import AgentState

PROGRAM_ORIGIN = {
    "full": "written from the problem text alone (independent of the formulation)",
    "code": "written from the problem text",
    "five-element": "written from the formulation (not independent)",
    "lean": "written in the same reply as the formulation (not independent)",
}


def other_optima(readings: list[dict[str, Any]], objective: float | None, tolerance: float) -> list[dict]:
    """Readings with a proven optimum different from ``objective``."""
    return [
        r
        for r in readings
        if r.get("proven_optimal") and not diagnosis.agree(r.get("objective"), objective, tolerance)
    ]


def matching_reading(readings: list[dict[str, Any]], value: float | None, tolerance: float) -> dict | None:
    """The first reading whose proven optimum is ``value``."""
    return next(
        (
            r
            for r in readings
            if r.get("proven_optimal") and diagnosis.agree(r.get("objective"), value, tolerance)
        ),
        None,
    )


def _formulation_check(ir: dict[str, Any]) -> str:
    term, obj = ir.get("termination", "unknown"), ir.get("objective")
    solver = ir.get("solver", "?")
    if term == "time_limit" and obj is not None:
        limited = diagnosis.limit_text(ir.get("time_limit", 0.0), obj, ir.get("bound"), ir.get("gap"))
        return f"formulation: {solver} stopped at the {limited} (not proven optimal)"
    if obj is not None:
        proven = "proven optimal" if term == "optimal" else f"{term}, not proven optimal"
        return f"formulation: solved by {solver}, objective {obj:.10g} ({proven})"
    return f"formulation: {solver} found no solution ({term})"


def _program_check(cfg: RunConfig, code: dict[str, Any], seconds: float) -> str:
    origin = PROGRAM_ORIGIN[cfg.mode]
    if cfg.mode == "full" and (cfg.code_model or cfg.code_temperature is not None):
        origin += f" by {cfg.code_model or 'the same model'}"
        if cfg.code_temperature is not None:
            origin += f" at temperature {cfg.code_temperature:g}"
    solution = code.get("solution") or {}
    limited = program_limit(solution, seconds)
    if limited:
        return f"program, {origin}: stopped at the {limited}"
    if code.get("status") == "ok" and solution.get("objective") is not None:
        return f"program, {origin}: {solution.get('status')}, objective {solution['objective']:.10g}"
    return f"program, {origin}: no solution ({solution.get('status') or code.get('status')})"


def checks(
    state: AgentState, cfg: RunConfig, objective: float | None, cross: diagnosis.CrossCheck | None
) -> list[str]:
    """Every check the run made, in words, for the answer with ``objective``."""
    out = []
    formulation = state.get("formulation")
    extras = state.get("extras") or {}
    if formulation is not None:
        missing = coverage.uncovered(state["problem"], formulation, extras.get("unused_numbers") or [])
        out.append(
            "numbers: every number of the text is used by the formulation or named unused by the model"
            if not missing
            else "numbers: not used by the formulation: " + ", ".join(n.text for n in missing[:10])
        )
    ir = state.get("ir_result")
    if ir:
        out.append(_formulation_check(ir))
    code = state.get("code_result")
    if code:
        out.append(_program_check(cfg, code, state.get("time_limit") or cfg.time_limit))
    ir_obj = (ir or {}).get("objective")
    code_obj = ((code or {}).get("solution") or {}).get("objective")
    if ir_obj is not None and code_obj is not None:
        same = diagnosis.agree(code_obj, ir_obj, cfg.tolerance)
        out.append(
            f"agreement: formulation {ir_obj:.10g} and program {code_obj:.10g} "
            + (f"agree (relative tolerance {cfg.tolerance:g})" if same else "disagree")
        )
    if (ir or {}).get("termination") == "infeasible" and ((code or {}).get("solution") or {}).get(
        "status"
    ) == "infeasible":
        out.append("agreement: the formulation and the program both prove the model infeasible")
    if cross is not None:
        out.append("feasibility: " + cross.describe())
    built = state.get("readings") or []
    if built:
        others = other_optima(built, objective, cfg.tolerance)
        solved = sum(r.get("objective") is not None for r in built)
        text = f"readings: {len(built)} other reading(s) built, {solved} solved"
        if others:
            text += "; different optima: " + "; ".join(f"{r['objective']:.10g} ({r['text']})" for r in others)
        else:
            text += "; none changes the optimum"
        out.append(text)
    return out
