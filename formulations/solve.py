"""Solve a formulation: compile to Pyomo, run the chosen solver with explicit limits, map results back."""

from __future__ import annotations

import io
import math
import threading
import time
from typing import Any

from optagent.errors import OptagentError, SolverUnavailable
from optagent.formulations.compile_pyomo import Compiled, compile_prepared
from optagent.formulations.evaluate import key_str
from optagent.formulations.model import Formulation
from optagent.formulations.prepare import prepare
from optagent.formulations.result import SolutionStatus, SolveResult, Termination
from optagent.formulations.solvers import SolverSpec, choose

GUROBI_SIZE_LIMIT = 10010  # GurobiError.errno: "Model too large for size-limited license"
LOG_TAIL_CHARS = 4000

_TERMINATION = {
    "convergenceCriteriaSatisfied": Termination.optimal,
    "maxTimeLimit": Termination.time_limit,
    "iterationLimit": Termination.iteration_limit,
    "objectiveLimit": Termination.iteration_limit,
    "minStepLength": Termination.error,
    "unbounded": Termination.unbounded,
    "provenInfeasible": Termination.infeasible,
    "locallyInfeasible": Termination.infeasible,
    "infeasibleOrUnbounded": Termination.infeasible_or_unbounded,
    "error": Termination.error,
    "interrupted": Termination.interrupted,
    "licensingProblems": Termination.error,
    "emptyModel": Termination.error,
    "unknown": Termination.unknown,
}
_SOLUTION = {
    "optimal": SolutionStatus.optimal,
    "feasible": SolutionStatus.feasible,
    "infeasible": SolutionStatus.infeasible,
    "noSolution": SolutionStatus.none,
    "unknown": SolutionStatus.none,
}


def solve(
    formulation: Formulation,
    *,
    solver: str = "auto",
    time_limit: float = 60.0,
    threads: int = 1,
    mip_gap: float = 1e-9,
) -> SolveResult:
    """Validate, compile and solve. Raises FormulationInvalid / SolverUnavailable with precise messages."""
    if time_limit <= 0 or not math.isfinite(time_limit):
        raise OptagentError(f"time limit must be a positive number of seconds, got {time_limit}")
    if threads < 1:
        raise OptagentError(f"threads must be at least 1, got {threads}")
    start = time.perf_counter()
    prep = prepare(formulation)
    compiled = compile_prepared(prep)
    build_time = time.perf_counter() - start
    spec = choose(solver, prep.problem_class)
    messages: list[str] = []
    try:
        result = _run(compiled, spec, time_limit, threads, mip_gap)
    except Exception as exc:  # solver libraries raise their own types
        if getattr(exc, "errno", None) != GUROBI_SIZE_LIMIT:
            raise OptagentError(
                f"{spec.name} failed: {exc}", hint="see the solver log with --verbose"
            ) from exc
        fallback = choose("auto", prep.problem_class, exclude=("gurobi",))
        messages.append(
            f"Gurobi's size-limited licence cannot hold this model ({compiled.num_variables} variables, "
            f"{compiled.num_constraints} constraints; limit 2000 each): solved with {fallback.name} instead"
        )
        spec = fallback
        result = _run(compiled, spec, time_limit, threads, mip_gap)
    if (
        solver == "auto"
        and spec.name == "highs"
        and result.termination in (Termination.error, Termination.unknown)
    ):
        fallback = choose("auto", prep.problem_class, exclude=("highs",))
        messages.append(
            f"HiGHS could not solve this {prep.problem_class.value} model: solved with {fallback.name}"
        )
        result = _run(compiled, fallback, time_limit, threads, mip_gap)
    result.messages = messages
    result.build_time = build_time
    result.wall_time = time.perf_counter() - start
    return result


_SOLVE_LOCK = threading.Lock()


def _run(
    compiled: Compiled, spec: SolverSpec, time_limit: float, threads: int, mip_gap: float
) -> SolveResult:
    import pyomo.environ  # noqa: F401 - registers the solver plugins
    from pyomo.contrib.solver.common.factory import SolverFactory

    opt = SolverFactory(spec.pyomo_name)
    if opt is None or not opt.available():
        raise SolverUnavailable(f"solver '{spec.name}' is not available", hint=spec.install)
    log = io.StringIO()
    kwargs: dict[str, Any] = dict(
        time_limit=time_limit,
        threads=threads,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        tee=[log],
    )
    if compiled.prepared.has_integers:
        kwargs["rel_gap"] = mip_gap
    if spec.name == "scip":
        # Pyomo captures SCIP's output through a pipe that a Python thread drains, while SCIP's optimize()
        # holds the GIL: a log longer than the pipe's buffer blocks the solve forever. SCIP stays silent.
        kwargs["solver_options"] = {"display/verblevel": 0}
    with _SOLVE_LOCK:  # Pyomo captures the solver log by redirecting the process's stdout: one at a time
        solve_start = time.perf_counter()
        res = opt.solve(compiled.model, **kwargs)
        solve_time = time.perf_counter() - solve_start
    termination = _TERMINATION.get(res.termination_condition.name, Termination.unknown)
    status = _SOLUTION.get(res.solution_status.name, SolutionStatus.none)
    if termination == Termination.infeasible:
        status = SolutionStatus.infeasible
    elif termination in (Termination.unbounded, Termination.infeasible_or_unbounded):
        status = SolutionStatus.none  # a feasible point of an unbounded model is no answer
    values: dict[str, Any] = {}
    objective = (
        res.incumbent_objective if status in (SolutionStatus.optimal, SolutionStatus.feasible) else None
    )
    if objective is not None:
        res.solution_loader.load_vars()
        values = extract_values(compiled)
    bound = res.objective_bound
    bound = None if bound is None or not math.isfinite(bound) else float(bound)
    gap = None
    if objective is not None and bound is not None:
        gap = abs(objective - bound) / max(1.0, abs(objective))
    version = res.solver_version
    return SolveResult(
        termination=termination,
        solution_status=status,
        objective=None if objective is None else float(objective),
        bound=bound,
        gap=gap,
        values=values,
        solver=spec.name,
        solver_version=".".join(str(v) for v in version)
        if isinstance(version, tuple)
        else str(version or ""),
        problem_class=compiled.prepared.problem_class.value,
        num_variables=compiled.num_variables,
        num_constraints=compiled.num_constraints,
        time_limit=time_limit,
        threads=threads,
        wall_time=solve_time,
        log_tail=log.getvalue()[-LOG_TAIL_CHARS:],
    )


def extract_values(compiled: Compiled) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, entries in compiled.variables.items():
        if () in entries and len(entries) == 1:
            out[name] = _num(entries[()].value)
        else:
            out[name] = {key_str(k): _num(v.value) for k, v in entries.items()}
    return out


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
