"""Read status, objective and variable values out of solved model objects of each framework."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

# Normalised statuses shared by every framework.
OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED = "optimal", "feasible", "infeasible", "unbounded"
INF_OR_UNBD, TIME_LIMIT, UNKNOWN, NOT_SOLVED = (
    "infeasible_or_unbounded",
    "time_limit",
    "unknown",
    "not_solved",
)
STATUSES = {OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, INF_OR_UNBD, TIME_LIMIT, UNKNOWN, NOT_SOLVED}

_WORDS = {
    "optimal": OPTIMAL,
    "locallyoptimal": OPTIMAL,
    "globallyoptimal": OPTIMAL,
    "convergencecriteriasatisfied": OPTIMAL,
    "feasible": FEASIBLE,
    "suboptimal": FEASIBLE,
    "infeasible": INFEASIBLE,
    "provenininfeasible": INFEASIBLE,
    "unbounded": UNBOUNDED,
    "infeasibleorunbounded": INF_OR_UNBD,
    "inforunbd": INF_OR_UNBD,
    "infeasibleorunbd": INF_OR_UNBD,
    "timelimit": TIME_LIMIT,
    "maxtimelimit": TIME_LIMIT,
    "maxtimelimitreached": TIME_LIMIT,
    "timelimitreached": TIME_LIMIT,
    "notsolved": NOT_SOLVED,
    "loaded": NOT_SOLVED,
}


def normalise_status(raw: object) -> str:
    """Map a framework's status word (any case, spaces, underscores) to one of ``STATUSES``."""
    text = str(raw).split(".")[-1]
    key = "".join(ch for ch in text.lower() if ch.isalnum())
    if key in _WORDS:
        return _WORDS[key]
    if "infeasible" in key and "unbounded" in key:
        return INF_OR_UNBD
    for word in ("infeasible", "unbounded", "optimal", "timelimit"):
        if word in key:
            return _WORDS[word]
    return UNKNOWN


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _collect(pairs: Iterable[tuple[str, Any]], cap: int) -> tuple[dict[str, float], bool]:
    values: dict[str, float] = {}
    for name, raw in pairs:
        if len(values) >= cap:
            return values, True
        number = _number(raw)
        if number is not None:
            values[str(name)] = number
    return values, False


def _solution(framework: str, status: str, raw: object, objective: Any, pairs: Any, cap: int, **extra: Any):
    variables, truncated = _collect(pairs, cap) if pairs is not None else ({}, False)
    return {
        "status": status,
        "objective": _number(objective),
        "variables": variables,
        "framework": framework,
        "raw_status": str(raw),
        "variables_truncated": truncated,
        **extra,
    }


def from_gurobipy(model: Any, cap: int) -> dict[str, Any]:
    import gurobipy

    codes = {
        gurobipy.GRB.OPTIMAL: OPTIMAL,
        gurobipy.GRB.INFEASIBLE: INFEASIBLE,
        gurobipy.GRB.UNBOUNDED: UNBOUNDED,
        gurobipy.GRB.INF_OR_UNBD: INF_OR_UNBD,
        gurobipy.GRB.TIME_LIMIT: TIME_LIMIT,
        gurobipy.GRB.LOADED: NOT_SOLVED,
    }
    raw = model.Status
    status = codes.get(raw, UNKNOWN)
    has_solution = model.SolCount > 0
    if status == UNKNOWN and has_solution:
        status = FEASIBLE
    pairs = ((v.VarName, v.X) for v in model.getVars()) if has_solution else None
    objective = model.ObjVal if has_solution else None
    bound = _attribute(model, "ObjBound") if model.IsMIP else None
    return _solution(
        "gurobipy",
        status,
        raw,
        objective,
        pairs,
        cap,
        bound=_number(bound),
        gap=_number(_attribute(model, "MIPGap")) if bound is not None and has_solution else None,
        solver="gurobi " + ".".join(map(str, gurobipy.gurobi.version())),
    )


def from_highspy(highs: Any, cap: int) -> dict[str, Any]:
    model_status = highs.getModelStatus()
    raw = highs.modelStatusToString(model_status)
    status = normalise_status(raw)
    if raw.lower().startswith("model empty"):
        status = OPTIMAL
    info = highs.getInfo()
    has_solution = getattr(info, "primal_solution_status", 0) == 2  # kSolutionStatusFeasible
    if status == UNKNOWN and has_solution:
        status = FEASIBLE
    mip = getattr(info, "mip_node_count", -1) >= 0  # -1 for an LP: no MIP bound or gap
    pairs = None
    if has_solution:
        values = list(highs.getSolution().col_value)
        names = []
        try:
            names = list(highs.getLp().col_names_)
        except Exception:
            names = []
        if len(names) != len(values):
            names = [f"x{i}" for i in range(len(values))]
        pairs = zip(names, values)
    objective = info.objective_function_value if has_solution else None
    bound = _number(info.mip_dual_bound) if mip else None
    gap = _number(info.mip_gap) if mip and has_solution else None
    return _solution("highspy", status, raw, objective, pairs, cap, bound=bound, gap=gap, solver="highs")


def from_pyscipopt(model: Any, cap: int) -> dict[str, Any]:
    raw = model.getStatus()
    status = normalise_status(raw)
    has_solution = model.getNSols() > 0
    if status == UNKNOWN and has_solution:
        status = FEASIBLE
    pairs = ((v.name, model.getVal(v)) for v in model.getVars()) if has_solution else None
    objective = model.getObjVal() if has_solution else None
    bound = _number(_call(model, "getDualbound"))
    gap = _number(_call(model, "getGap")) if has_solution else None
    return _solution("pyscipopt", status, raw, objective, pairs, cap, bound=bound, gap=gap, solver="scip")


def from_pyomo(model: Any, extra: dict[str, Any] | None, cap: int) -> dict[str, Any]:
    import pyomo.environ as pyo

    results = (extra or {}).get("results")
    raw: object = "unknown"
    if results is not None:
        solver_part = getattr(results, "solver", None)
        condition = getattr(results, "termination_condition", None)
        if condition is None and solver_part is not None:
            condition = getattr(solver_part, "termination_condition", None)
        raw = condition if condition is not None else "unknown"
    status = normalise_status(raw)
    objectives = list(model.component_data_objects(pyo.Objective, active=True))
    objective = None
    if objectives:
        try:
            objective = pyo.value(objectives[0].expr, exception=False)
        except Exception:
            objective = None
    if objective is None and status == TIME_LIMIT:  # solution not loaded: the best one found, if any
        objective = _pyomo_bounds(results, objectives)[0]
    has_values = objective is not None and status not in (INFEASIBLE, UNBOUNDED, INF_OR_UNBD)
    if status == UNKNOWN and has_values:
        status = FEASIBLE
    pairs = None
    if has_values:
        pairs = ((v.name, v.value) for v in model.component_data_objects(pyo.Var, active=True))
    incumbent, bound = _pyomo_bounds(results, objectives)
    gap = _relative_gap(objective, bound) if has_values and incumbent is not None else None
    return _solution(
        "pyomo",
        status,
        raw,
        objective if has_values else None,
        pairs,
        cap,
        bound=bound,
        gap=gap,
        solver=str((extra or {}).get("solver", "")),
    )


def _pyomo_bounds(results: Any, objectives: list[Any]) -> tuple[float | None, float | None]:
    """(best solution's objective, best bound) from Pyomo results, legacy or pyomo.contrib.solver."""
    if results is None:
        return None, None
    if hasattr(results, "objective_bound"):  # pyomo.contrib.solver Results
        return _number(getattr(results, "incumbent_objective", None)), _number(results.objective_bound)
    problem = getattr(results, "problem", None)
    lower, upper = (
        _number(getattr(problem, "lower_bound", None)),
        _number(getattr(problem, "upper_bound", None)),
    )
    maximize = bool(objectives) and getattr(objectives[0], "sense", 1) == -1
    return (lower, upper) if maximize else (upper, lower)


def _relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|bound - objective| / |objective|, as Gurobi defines the MIP gap."""
    if objective is None or bound is None or objective == 0:
        return None
    return abs(bound - objective) / abs(objective)


def _attribute(model: Any, name: str) -> Any:
    try:
        return getattr(model, name)
    except Exception:  # the attribute is not available for this model or status
        return None


def _call(model: Any, name: str) -> Any:
    try:
        return getattr(model, name)()
    except Exception:
        return None


def extract(framework: str, model: Any, extra: Any, cap: int) -> dict[str, Any]:
    if framework == "gurobipy":
        return from_gurobipy(model, cap)
    if framework == "highspy":
        return from_highspy(model, cap)
    if framework == "pyscipopt":
        return from_pyscipopt(model, cap)
    return from_pyomo(model, extra, cap)


def solved_framework(obj: Any) -> str | None:
    """The framework of ``obj`` when it is a model that has been solved, else None (global scan)."""
    module = type(obj).__module__ or ""
    try:
        if module.startswith("gurobipy") and type(obj).__name__ == "Model":
            return "gurobipy" if obj.Status != 1 else None
        if module.startswith("highspy") and type(obj).__name__ == "Highs":
            return "highspy" if obj.getModelStatus() != obj.getModelStatus().__class__(0) else None
        if module.startswith("pyscipopt") and type(obj).__name__ == "Model":
            return "pyscipopt" if obj.getStatus() != "unknown" else None
    except Exception:
        return None
    return None
