"""Solve a formulation: straight into HiGHS as arrays where it can, else compiled to Pyomo for any solver;
explicit limits, results mapped back to IR names."""

from __future__ import annotations

import contextlib
import io
import math
import threading
import time
from typing import Any

from optagent.errors import FormulationInvalid, OptagentError, SolverUnavailable
from optagent.formulations.compile_pyomo import Compiled, compile_prepared
from optagent.formulations.convexity import check_convexity
from optagent.formulations.evaluate import key_str
from optagent.formulations.highs_direct import HighsRun, highs_threads
from optagent.formulations.highs_sensitivity import sensitivity as highs_sensitivity
from optagent.formulations.lower import Lowered, NotDirect, lower
from optagent.formulations.model import Formulation, ProblemType
from optagent.formulations.prepare import prepare
from optagent.formulations.result import SolutionStatus, SolveResult, Termination
from optagent.formulations.solvers import LINEAR, SolverSpec, choose

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


SENSITIVITY_AUTO_LIMIT = 10_000  # rows + columns up to which every solve reports sensitivity unasked
PATHS = ("auto", "direct", "pyomo")
QUADRATIC = frozenset({ProblemType.QP, ProblemType.MIQP, ProblemType.QCP, ProblemType.MIQCP})


def solve(
    formulation: Formulation,
    *,
    solver: str = "auto",
    time_limit: float = 60.0,
    threads: int = 1,
    mip_gap: float = 1e-9,
    path: str = "auto",
    sensitivity: bool | None = None,
) -> SolveResult:
    """Validate, compile and solve. Raises FormulationInvalid / SolverUnavailable with precise messages.

    ``path``: ``"direct"`` passes LP, MILP and convex QP models to HiGHS as arrays (no Pyomo), ``"pyomo"``
    compiles to Pyomo for any solver, ``"auto"`` takes the direct path whenever the solver is HiGHS and the
    model allows it. ``sensitivity``: duals, reduced costs and ranges on the direct path; ``None`` computes
    them for models up to ``SENSITIVITY_AUTO_LIMIT`` rows plus columns. Non-convex quadratic models never go
    to HiGHS, which would return a stationary point as "optimal".
    """
    if time_limit <= 0 or not math.isfinite(time_limit):
        raise OptagentError(f"time limit must be a positive number of seconds, got {time_limit}")
    if threads < 1:
        raise OptagentError(f"threads must be at least 1, got {threads}")
    if path not in PATHS:
        raise OptagentError(f"unknown solve path '{path}'", hint=f"use one of {', '.join(PATHS)}")
    start = time.perf_counter()
    prep = prepare(formulation)
    if not prep.report.ok:
        raise FormulationInvalid(prep.report)
    cls = prep.problem_class
    spec = choose(solver, cls)
    messages: list[str] = []
    lowered, why_not = None, ""
    if spec.name == "highs" or cls in QUADRATIC:
        try:
            lowered = lower(prep)
        except NotDirect as exc:
            why_not = str(exc)
    exclude: tuple[str, ...] = ()
    if lowered is not None and cls in QUADRATIC:
        convexity = check_convexity(lowered)
        if not convexity.convex:
            exclude = ("highs",)
            if spec.name == "highs":
                if solver == "highs":
                    raise SolverUnavailable(
                        f"HiGHS only finds a stationary point of a non-convex model, not its optimum: "
                        f"{convexity.summary()}",
                        hint="use --solver scip (a global solver) or auto",
                    )
                spec = choose("auto", cls, exclude=exclude)
            messages.append(
                f"non-convex model ({convexity.summary()}): solved with {spec.name}, "
                "which proves global optima"
            )
    direct = spec.name == "highs" and lowered is not None and path != "pyomo"
    if path == "direct" and not direct:
        reason = why_not or (
            "it is not convex"
            if exclude
            else f"{spec.name} solves {cls.value} models through Pyomo (the direct path: LP, MILP, convex QP)"
        )
        raise OptagentError(f"the direct HiGHS path cannot take this model: {reason}", hint="use path='auto'")
    if spec.name == "highs" and lowered is None and why_not:
        messages.append(f"not passed to HiGHS directly ({why_not}): compiled through Pyomo")
    build_time = time.perf_counter() - start
    if direct:
        assert lowered is not None
        result = _direct(lowered, time_limit, threads, mip_gap, sensitivity, messages)
    else:
        compiled = compile_prepared(prep)
        build_time = time.perf_counter() - start
        result = _pyomo(compiled, spec, time_limit, threads, mip_gap, exclude, messages)
    failed = (Termination.error, Termination.unknown)
    if solver == "auto" and result.solver == "highs" and result.termination in failed:
        fallback = choose("auto", cls, exclude=("highs",))
        messages.append(f"HiGHS could not solve this {cls.value} model: solved with {fallback.name}")
        result = _run(compile_prepared(prep), fallback, time_limit, threads, mip_gap)
    if (
        result.path == "pyomo"
        and sensitivity is not False
        and (sensitivity or cls in LINEAR | {ProblemType.QP})
    ):
        messages.append(
            f"no sensitivity: duals and ranges come from the direct HiGHS path; this model was solved "
            f"with {result.solver} through Pyomo"
        )
    result.messages = messages
    result.build_time = build_time
    result.wall_time = time.perf_counter() - start
    return result


def _direct(
    lowered: Lowered,
    time_limit: float,
    threads: int,
    mip_gap: float,
    sensitivity: bool | None,
    messages: list[str],
) -> SolveResult:
    run = HighsRun(lowered)
    solve_time = run.run(time_limit=time_limit, threads=threads, mip_gap=mip_gap)
    result = run.result(time_limit=time_limit, threads=threads, solve_time=solve_time)
    if result.termination != Termination.optimal or sensitivity is False:
        return result
    size = lowered.num_rows + lowered.num_cols
    if sensitivity is None and size > SENSITIVITY_AUTO_LIMIT:
        messages.append(
            f"sensitivity not computed: {size:,} rows and columns (automatic up to "
            f"{SENSITIVITY_AUTO_LIMIT:,}; ask with sensitivity=True or --explain)"
        )
        return result
    result.sensitivity, why_not = highs_sensitivity(run, time_limit=time_limit, threads=threads)
    if why_not:
        messages.append(why_not)
    return result


def _pyomo(
    compiled: Compiled,
    spec: SolverSpec,
    time_limit: float,
    threads: int,
    mip_gap: float,
    exclude: tuple[str, ...],
    messages: list[str],
) -> SolveResult:
    try:
        return _run(compiled, spec, time_limit, threads, mip_gap)
    except Exception as exc:  # solver libraries raise their own types
        if getattr(exc, "errno", None) != GUROBI_SIZE_LIMIT:
            raise OptagentError(
                f"{spec.name} failed: {exc}", hint="see the solver log with --verbose"
            ) from exc
    fallback = choose("auto", compiled.prepared.problem_class, exclude=("gurobi", *exclude))
    messages.append(
        f"Gurobi's size-limited licence cannot hold this model ({compiled.num_variables} variables, "
        f"{compiled.num_constraints} constraints; limit 2000 each): solved with {fallback.name} instead"
    )
    return _run(compiled, fallback, time_limit, threads, mip_gap)


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
    if spec.name == "gurobi" and compiled.prepared.problem_class in QUADRATIC:
        kwargs["solver_options"] = {"NonConvex": 2}  # global optima of non-convex quadratics, not an error
    # Pyomo captures the solver log by redirecting the process's stdout: one at a time.
    with _SOLVE_LOCK, highs_threads(threads) if spec.name == "highs" else contextlib.nullcontext():
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
        path="pyomo",
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
