"""readings: each other defensible reading of the text, built as an edit of the formulation (no new
conversation), validated and solved; deterministic, no LLM. An unusable reading is kept with the reason."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.state import AgentState
from optagent.agent.steps import Step
from optagent.errors import FormulationInvalid, OptagentError
from optagent.formulations import Formulation, validate
from optagent.formulations.edits import apply_edits
from optagent.formulations.solve import solve


def build(
    formulation: Formulation, reading: dict[str, Any], solver: str, time_limit: float
) -> dict[str, Any]:
    """One reading: {"text", "literal", "edit", "status", "objective", "proven_optimal", "message"}."""
    edit = reading.get("edit")
    out: dict[str, Any] = {
        "text": reading["reading"],
        "literal": False,
        "edit": edit if isinstance(edit, dict) else {},
        "status": "invalid",
        "objective": None,
        "proven_optimal": False,
        "message": "",
    }
    try:
        variant = apply_edits(formulation, edit)  # type: ignore[arg-type]
        report = validate(variant)
        if report.errors:
            out["message"] = report.format()[:600]
            return out
        result = solve(variant, solver=solver, time_limit=time_limit)
    except FormulationInvalid as exc:
        out["message"] = exc.report.format()[:600]  # type: ignore[attr-defined]
        return out
    except OptagentError as exc:
        out["message"] = str(exc)[:600]
        return out
    except (TypeError, ValueError, AttributeError, KeyError) as exc:  # an edit of an odd shape
        out["message"] = f"the edit cannot be applied: {exc}"[:600]
        return out
    term = result.termination.value
    out["status"] = ("optimal" if term == "optimal" else term) if result.has_solution else term
    out["objective"] = result.objective if result.has_solution else None
    out["proven_optimal"] = result.has_solution and term == "optimal"
    return out


def readings(state: AgentState, deps: Deps) -> dict[str, Any]:
    listed = (state.get("extras") or {}).get("readings") or []
    if not listed or not state.get("formulation"):
        return {"readings": []}
    formulation = Formulation.from_data(state["formulation"])
    seconds = state.get("time_limit") or deps.config.time_limit
    built = [build(formulation, r, deps.config.solver, seconds) for r in listed]
    solved = [r for r in built if r["objective"] is not None]
    summary = f"{len(built)} other reading(s): " + "; ".join(
        f"{r['text'][:60]} -> " + (f"{r['objective']:.10g}" if r["objective"] is not None else r["status"])
        for r in built
    )
    outcome = "ok" if len(solved) == len(built) else "partly-invalid"
    invalid = "\n".join(
        f"reading '{r['text'][:60]}': {r['message']}" for r in built if r["status"] == "invalid"
    )
    return {"readings": built, "steps": [Step("readings", outcome, summary, feedback=invalid)]}
