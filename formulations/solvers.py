"""Solver backends: capabilities, availability (checked without importing the solver) and selection."""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass

from optagent.errors import SolverUnavailable
from optagent.formulations.model import ProblemType

ALL_CLASSES = frozenset(ProblemType)
LINEAR = frozenset({ProblemType.LP, ProblemType.ILP, ProblemType.MILP})


@dataclass(frozen=True)
class SolverSpec:
    name: str
    pyomo_name: str  # name in pyomo.contrib.solver's factory
    module: str  # Python module whose presence means the solver is installed
    classes: frozenset[ProblemType]
    install: str
    note: str

    def installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def can_solve(self, problem_class: ProblemType) -> bool:
        return problem_class in self.classes


SOLVERS: dict[str, SolverSpec] = {
    "highs": SolverSpec(
        "highs",
        "highs",
        "highspy",
        LINEAR | {ProblemType.QP},
        "pip install highspy",
        "default; LP, MILP and convex continuous QP",
    ),
    "scip": SolverSpec(
        "scip",
        "scip_direct",
        "pyscipopt",
        ALL_CLASSES,
        'pip install "optagent[scip]"',
        "global MINLP solver: nonconvex quadratic and general nonlinear models",
    ),
    "gurobi": SolverSpec(
        "gurobi",
        "gurobi_direct_minlp",
        "gurobipy",
        ALL_CLASSES,
        'pip install "optagent[gurobi]" (pip licence: 2000 variables/constraints)',
        "commercial; falls back to HiGHS/SCIP when the size-limited licence is exceeded",
    ),
}
AUTO_ORDER = ("highs", "scip", "gurobi")


def get_solver(name: str) -> SolverSpec:
    try:
        return SOLVERS[name]
    except KeyError:
        close = difflib.get_close_matches(name, [*SOLVERS, "auto"], n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of auto, {', '.join(SOLVERS)}"
        raise SolverUnavailable(f"unknown solver '{name}'", hint=hint) from None


def choose(name: str, problem_class: ProblemType, *, exclude: tuple[str, ...] = ()) -> SolverSpec:
    """The solver to use: ``name`` itself (checked), or for "auto" the first installed capable one."""
    if name != "auto":
        spec = get_solver(name)
        if not spec.installed():
            raise SolverUnavailable(f"solver '{name}' is not installed", hint=spec.install)
        if not spec.can_solve(problem_class):
            capable = [s.name for s in SOLVERS.values() if s.can_solve(problem_class)]
            raise SolverUnavailable(
                f"solver '{name}' cannot solve {problem_class.value} models",
                hint=f"use --solver {' or '.join(capable)} (or auto)",
            )
        return spec
    for candidate in AUTO_ORDER:
        spec = SOLVERS[candidate]
        if candidate not in exclude and spec.installed() and spec.can_solve(problem_class):
            return spec
    raise SolverUnavailable(
        f"no installed solver can take this {problem_class.value} model",
        hint='pip install "optagent[scip]" for nonlinear and mixed-integer quadratic models',
    )
