"""The first prompt of each path, rendered from the templates; the nodes and fine-tuning data share them, so
training and inference prompts cannot drift apart."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from optagent.prompts import Prompt, render

SOLVER_RULES = {
    "pyomo": 'Solver by model class: LP, MILP and convex QP with HiGHS (`pyo.SolverFactory("highs")`); '
    'nonlinear, non-convex or integer-quadratic models with SCIP (`pyo.SolverFactory("scip_direct")`), a '
    "global solver. Read the outcome with `res = opt.solve(m, load_solutions=False)`, "
    "`tc = str(res.solver.termination_condition)` ('optimal', 'infeasible', 'unbounded', "
    "'maxTimeLimit', ...), and `m.solutions.load_from(res)` before reading values.",
    "gurobipy": "Solve with `model.optimize()`; for non-convex quadratic terms set `model.Params.NonConvex = "
    "2` (a global solve); for other nonlinear models use pyscipopt (SCIP, a global solver) instead.",
}


def asks_text(asks: Sequence[str]) -> str:
    """The asked quantities as the ``answers`` keys the reply must use ('' when none were given)."""
    if not asks:
        return ""
    return "\n  The question asks for exactly these; use them as the keys: " + "; ".join(
        json.dumps(a, ensure_ascii=False) for a in asks
    )


def formulate_prompt(problem: str, asks: Sequence[str] = ()) -> Prompt:
    return render("formulate", problem=problem, asks=asks_text(asks))


def code_prompt(problem: str, library: str = "pyomo") -> Prompt:
    """The independent program path: the problem text alone (no shared analysis, no formulation)."""
    return render("code_from_text", library=library, problem=problem, solver_rule=SOLVER_RULES[library])


def code_from_ir_prompt(formulation: dict[str, Any], library: str = "pyomo") -> Prompt:
    text = json.dumps(formulation, ensure_ascii=False)
    return render("code_from_ir", library=library, formulation=text, solver_rule=SOLVER_RULES[library])


def lean_prompt(problem: str, library: str = "pyomo", asks: Sequence[str] = ()) -> Prompt:
    return render(
        "lean", library=library, problem=problem, asks=asks_text(asks), solver_rule=SOLVER_RULES[library]
    )
