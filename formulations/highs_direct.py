"""The direct HiGHS path: a lowered model passed to highspy as arrays and solved, no Pyomo in between."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import highspy
import numpy as np

from optagent.formulations.lower import Lowered
from optagent.formulations.result import SolutionStatus, SolveResult, Termination

LOG_TAIL_CHARS = 4000
_S = highspy.HighsModelStatus
_TERMINATION = {
    _S.kOptimal: Termination.optimal,
    _S.kInfeasible: Termination.infeasible,
    _S.kUnbounded: Termination.unbounded,
    _S.kUnboundedOrInfeasible: Termination.infeasible_or_unbounded,
    _S.kTimeLimit: Termination.time_limit,
    _S.kIterationLimit: Termination.iteration_limit,
    _S.kSolutionLimit: Termination.iteration_limit,
    _S.kObjectiveBound: Termination.iteration_limit,
    _S.kObjectiveTarget: Termination.iteration_limit,
    _S.kInterrupt: Termination.interrupted,
    _S.kHighsInterrupt: Termination.interrupted,
    _S.kMemoryLimit: Termination.error,
    _S.kLoadError: Termination.error,
    _S.kModelError: Termination.error,
    _S.kPresolveError: Termination.error,
    _S.kSolveError: Termination.error,
    _S.kPostsolveError: Termination.error,
    _S.kModelEmpty: Termination.error,
}
_FEASIBLE = 2  # HighsInfo.primal_solution_status: 0 none, 1 infeasible, 2 feasible
_RUN_LOCK = threading.Lock()
_scheduler_threads: int | None = None


@contextlib.contextmanager
def highs_threads(threads: int) -> Iterator[None]:
    """Hold while HiGHS runs (directly or through Pyomo). HiGHS keeps one thread scheduler per process and
    refuses a run asking for another thread count, so runs go one at a time and a new count resets it."""
    global _scheduler_threads
    with _RUN_LOCK:
        if _scheduler_threads not in (None, threads):
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_threads = threads
        yield


_banner_lock = threading.Lock()
_banner_shown = False


def new_highs() -> highspy.Highs:
    """A Highs instance. The first one in a process prints a banner on the C-level stdout, which would corrupt
    ``--json`` output: it is sent to /dev/null."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            with contextlib.suppress(OSError, AttributeError):  # no C library handle on this platform
                ctypes.CDLL(None).fflush(None)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
        return h


@functools.cache
def version() -> str:
    h = new_highs()
    return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


class HighsRun:
    """One highspy instance holding a lowered model, with its log."""

    def __init__(self, lowered: Lowered, *, objective: bool = True) -> None:
        self.lowered = lowered
        self.log: list[str] = []
        h = self.h = new_highs()
        h.setOptionValue("log_to_console", False)
        h.cbLogging.subscribe(lambda event: self.log.append(event.message))
        lw = lowered
        starts, index, value = lw.matrix
        sense = highspy.ObjSense.kMaximize if lw.maximize else highspy.ObjSense.kMinimize
        cost = lw.cost if objective else np.zeros(lw.num_cols)
        status = h.passModel(
            lw.num_cols,
            lw.num_rows,
            len(value),
            int(highspy.MatrixFormat.kRowwise),
            int(sense),
            lw.offset if objective else 0.0,
            cost,
            lw.col_lower,
            lw.col_upper,
            lw.row_lower,
            lw.row_upper,
            starts.astype(np.int32),
            index.astype(np.int32),
            value,
            lw.integer.astype(np.int32),
        )
        _check(status, "passModel", self.log)
        if objective and len(lw.obj_quad[0]):
            _check(self._pass_hessian(), "passHessian", self.log)

    def _pass_hessian(self) -> Any:
        """The objective's Hessian, lower triangle column-wise: 2q on the diagonal, q off it."""
        c1, c2, q = self.lowered.obj_quad
        n = self.lowered.num_cols
        rows, cols = np.maximum(c1, c2), np.minimum(c1, c2)
        values = np.where(rows == cols, 2.0 * q, q)
        order = np.lexsort((rows, cols))
        rows, cols, values = rows[order], cols[order], values[order]
        starts = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(cols, minlength=n), out=starts[1:])
        return self.h.passHessian(
            n, len(values), int(highspy.HessianFormat.kTriangular), starts, rows.astype(np.int32), values
        )

    def run(self, *, time_limit: float, threads: int, mip_gap: float) -> float:
        """Solve with explicit limits; returns the seconds spent in HiGHS."""
        h = self.h
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("threads", int(threads))
        if self.lowered.integer.any():
            h.setOptionValue("mip_rel_gap", float(mip_gap))
        with highs_threads(threads):
            start = time.perf_counter()
            h.run()  # a failed run shows in the model status (kSolveError, ...), read by result()
            return time.perf_counter() - start

    def log_tail(self) -> str:
        return "".join(self.log)[-LOG_TAIL_CHARS:]

    def result(self, *, time_limit: float, threads: int, solve_time: float) -> SolveResult:
        h, lw = self.h, self.lowered
        model_status = h.getModelStatus()
        termination = _TERMINATION.get(model_status, Termination.unknown)
        info = h.getInfo()
        feasible = info.primal_solution_status == _FEASIBLE
        if termination == Termination.optimal:
            status = SolutionStatus.optimal
        elif termination == Termination.infeasible:
            status = SolutionStatus.infeasible
        elif feasible and termination not in (Termination.unbounded, Termination.infeasible_or_unbounded):
            status = SolutionStatus.feasible
        else:
            status = SolutionStatus.none
        objective = bound = gap = None
        values: dict[str, Any] = {}
        if status in (SolutionStatus.optimal, SolutionStatus.feasible):
            objective = float(info.objective_function_value)
            if lw.integer.any():
                bound = float(info.mip_dual_bound)
            elif termination == Termination.optimal:
                bound = objective
            if bound is not None and not math.isfinite(bound):
                bound = None
            if bound is not None:
                gap = abs(objective - bound) / max(1.0, abs(objective))
            values = self.values()
        return SolveResult(
            termination=termination,
            solution_status=status,
            objective=objective,
            bound=bound,
            gap=gap,
            values=values,
            solver="highs",
            solver_version=version(),
            problem_class=lw.prep.problem_class.value,
            num_variables=lw.num_cols,
            num_constraints=lw.num_rows,
            time_limit=time_limit,
            threads=threads,
            wall_time=solve_time,
            log_tail=self.log_tail(),
            path="direct",
        )

    def values(self) -> dict[str, Any]:
        """Column values keyed by IR names and index strings, as ``SolveResult.values`` holds them."""
        col = np.asarray(self.h.getSolution().col_value, dtype=float)
        out: dict[str, Any] = {}
        for block in self.lowered.var_blocks:
            chunk = col[block.start : block.stop].tolist()
            if not block.indexed:
                out[block.name] = chunk[0]
            else:
                out[block.name] = dict(zip(key_strings(self.lowered, block.name), chunk))
        return out


def key_strings(lowered: Lowered, name: str) -> list[str]:
    """Index strings of a variable's columns, built per set for product domains (no per-key joins)."""
    pv = lowered.prep.variables[name]
    if pv.where is not None or not pv.bindings:
        return [",".join(map(str, k)) for k in pv.keys]
    out: list[str] = []
    for pos, (_, set_name) in enumerate(pv.bindings):
        elements = lowered.prep.sets[set_name].elements
        strs = [",".join(map(str, e)) if isinstance(e, tuple) else str(e) for e in elements]
        out = strs if pos == 0 else [p + s for p in [p + "," for p in out] for s in strs]
    return out


def _check(status: Any, call: str, log: list[str]) -> None:
    if status == highspy.HighsStatus.kError:
        from optagent.errors import OptagentError

        tail = "".join(log)[-500:].strip()
        raise OptagentError(f"HiGHS {call} failed{': ' + tail if tail else ''}", hint="see --verbose")
