"""``SolveResult``: termination and solution status kept apart, values keyed by IR names and indices."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from optagent.formulations.evaluate import key_str
from optagent.formulations.sensitivity import Sensitivity


class Termination(str, Enum):
    optimal = "optimal"
    infeasible = "infeasible"
    unbounded = "unbounded"
    infeasible_or_unbounded = "infeasible_or_unbounded"
    time_limit = "time_limit"
    iteration_limit = "iteration_limit"
    interrupted = "interrupted"
    error = "error"
    unknown = "unknown"


class SolutionStatus(str, Enum):
    optimal = "optimal"
    feasible = "feasible"
    infeasible = "infeasible"
    none = "none"


Values = dict[str, Any]  # variable name -> number (scalar) or {"i,j": number}


class SolveResult(BaseModel):
    """Outcome of one solve, JSON-serialisable."""

    model_config = ConfigDict(extra="forbid")

    termination: Termination
    solution_status: SolutionStatus
    objective: float | None = None
    bound: float | None = None
    gap: float | None = Field(None, description="Relative gap |objective - bound| / max(1, |objective|).")
    values: Values = Field(default_factory=dict)
    solver: str
    path: str = Field("", description="'direct' (the model passed to highspy as arrays) or 'pyomo'.")
    solver_version: str = ""
    problem_class: str = ""
    num_variables: int = 0
    num_constraints: int = 0
    time_limit: float
    threads: int
    wall_time: float = 0.0
    build_time: float = 0.0
    messages: list[str] = Field(default_factory=list, description="Notes such as solver fallbacks.")
    sensitivity: Sensitivity | None = Field(
        None, description="Duals, reduced costs, slacks and ranges (see optagent.formulations.sensitivity)."
    )
    log_tail: str = ""

    @property
    def has_solution(self) -> bool:
        return self.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)

    def value(self, name: str, *index: Any) -> float:
        """Value of ``name`` at ``index`` (elements as declared), e.g. ``result.value("x", 1, "A")``."""
        entry = self.values[name]
        if not isinstance(entry, dict):
            return entry
        return entry[key_str(tuple(index))]
