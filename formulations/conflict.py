"""Why a formulation is infeasible: a small set of constraint rows (at their indices) that cannot all hold.

One function, :func:`find_conflict`, used by ``optagent solve``, the agent's repair feedback and chat:

1. linear models go to HiGHS directly; its IIS (irreducible infeasible subsystem, ``Highs.getIis``) names the
   rows and the variable bounds in conflict. For a MILP this is the IIS of the LP relaxation, when the
   relaxation is infeasible already;
2. otherwise (a MILP whose relaxation is feasible) a deletion filter over rows: drop whole constraints,
   then single rows, keeping each drop that leaves the model infeasible; what is left conflicts, and is
   minimal when every probe was conclusive;
3. models HiGHS cannot take (nonlinear, quadratic rows): the same filter over whole constraints, each probe a
   full solve of the formulation without that constraint.
"""

from __future__ import annotations

import time
from typing import Literal

import highspy
import numpy as np
from pydantic import BaseModel, Field

from optagent.formulations.evaluate import key_str
from optagent.formulations.highs_direct import HighsRun
from optagent.formulations.lower import Lowered, NotDirect, lower
from optagent.formulations.model import Formulation
from optagent.formulations.prepare import prepare

MAX_PROBES = 200
_IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyFromLp) | int(highspy.IisStrategy.kIisStrategyIrreducible)
_BOUND_STATUS = {2: "lower", 3: "upper", 4: "both"}  # HighsIis col_bound_: Lower, Upper, Boxed


class ConflictRow(BaseModel):
    name: str
    index: str = Field(description="Key string as in SolveResult.values ('' for a scalar constraint).")

    @property
    def label(self) -> str:
        return f"{self.name}[{self.index}]" if self.index else self.name


class Conflict(BaseModel):
    """Constraint rows that cannot all hold together (with the variable bounds the IIS needs)."""

    method: Literal["iis", "deletion-filter", "constraint-deletion-filter"]
    rows: list[ConflictRow] = Field(default_factory=list)
    bounds: list[str] = Field(default_factory=list, description="Variable bounds in the IIS: 'x[a] >= 0'.")
    minimal: bool = Field(
        description="No row can be dropped (False when probes ran out or were inconclusive)."
    )
    note: str = ""

    def labels(self) -> list[str]:
        return [r.label for r in self.rows]

    def constraint_names(self) -> list[str]:
        return list(dict.fromkeys(r.name for r in self.rows))

    def summary(self) -> str:
        """'min_staff[Mon] and budget conflict', with the bounds involved."""
        labels = self.labels()
        if not labels:
            text = "the variable bounds and integrality alone are infeasible"
        elif len(labels) == 1:
            text = f"{labels[0]} cannot hold on its own"
        else:
            text = f"{', '.join(labels[:-1])} and {labels[-1]} conflict"
        if self.bounds:
            text += f" (with the bounds {', '.join(self.bounds)})"
        return text


def find_conflict(
    formulation: Formulation, *, solver: str = "auto", time_limit: float = 5.0, max_probes: int = MAX_PROBES
) -> Conflict | None:
    """A small conflicting set of rows of an infeasible formulation; None when it is not shown infeasible.

    Raises FormulationInvalid for an invalid formulation. ``time_limit`` bounds each solve; ``solver`` is used
    only for models HiGHS cannot take.
    """
    prep = prepare(formulation)
    try:
        lowered = lower(prep)
    except NotDirect:
        lowered = None
    if lowered is None or len(lowered.row_quad[0]):
        return _constraint_filter(formulation, solver, time_limit, max_probes)
    run = HighsRun(lowered, objective=False)
    run.h.setOptionValue("iis_strategy", _IIS_STRATEGY)
    run.h.setOptionValue("iis_time_limit", float(time_limit))
    run.run(time_limit=time_limit, threads=1, mip_gap=1e-9)
    status = run.h.getModelStatus()
    # With no objective "unbounded or infeasible" can only mean infeasible.
    if status not in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return None
    status, iis = run.h.getIis()
    integer = bool(lowered.integer.any())
    if status == highspy.HighsStatus.kOk and iis.valid_ and len(iis.row_index_):
        rows = np.array(sorted(int(i) for i in iis.row_index_), dtype=np.int64)
        bounds = _iis_bounds(lowered, iis)
        if not integer:
            return Conflict(
                method="iis", rows=_rows(lowered, rows), bounds=bounds, minimal=True, note="IIS from HiGHS"
            )
        kept, minimal = _row_filter(run, time_limit, max_probes, start=rows)
        note = "IIS of the LP relaxation, reduced by deletion probes with the integer variables kept integer"
        return Conflict(method="iis", rows=_rows(lowered, kept), bounds=bounds, minimal=minimal, note=note)
    kept, minimal = _row_filter(run, time_limit, max_probes)
    note = "deletion filter over rows (the LP relaxation is feasible; variable bounds and integrality kept)"
    return Conflict(method="deletion-filter", rows=_rows(lowered, kept), minimal=minimal, note=note)


def _rows(lowered: Lowered, positions: np.ndarray) -> list[ConflictRow]:
    out = []
    for i in positions.tolist():
        block = next(b for b in lowered.con_blocks if b.start <= i < b.stop)
        out.append(
            ConflictRow(name=block.name, index=key_str(block.keys[i - block.start]) if block.indexed else "")
        )
    return out


def _iis_bounds(lowered: Lowered, iis: highspy.HighsIis) -> list[str]:
    bounds = []
    for j, status in zip(iis.col_index_, iis.col_bound_):
        side = _BOUND_STATUS.get(int(status))
        if side is None:
            continue
        label = next(b for b in lowered.var_blocks if b.start <= j < b.stop).label(j)
        if side in ("lower", "both"):
            bounds.append(f"{label} >= {lowered.col_lower[j]:g}")
        if side in ("upper", "both"):
            bounds.append(f"{label} <= {lowered.col_upper[j]:g}")
    return bounds


def _row_filter(
    run: HighsRun, time_limit: float, max_probes: int, start: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """Deletion filter on the rows of an infeasible HiGHS model: whole constraints, then single rows.

    With ``start`` (rows known to conflict), every other row is dropped first and only those are probed.
    Returns the rows kept and whether every probe was conclusive.
    """
    lw, h = run.lowered, run.h
    lower, upper = lw.row_lower.copy(), lw.row_upper.copy()
    active = np.ones(lw.num_rows, dtype=bool)
    probes, conclusive = 0, True
    deadline = time.perf_counter() + 10 * time_limit

    def relax(rows: np.ndarray) -> None:
        free = np.full(len(rows), highspy.kHighsInf)
        h.changeRowsBounds(len(rows), rows.astype(np.int32), -free, free)

    def infeasible_without(rows: np.ndarray) -> bool:
        nonlocal probes, conclusive
        probes += 1
        relax(rows)
        run.run(time_limit=time_limit, threads=1, mip_gap=1e-9)
        status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return True
        if status != highspy.HighsModelStatus.kOptimal:
            conclusive = False
        h.changeRowsBounds(len(rows), rows.astype(np.int32), lower[rows], upper[rows])
        return False

    if start is not None:
        others = np.setdiff1d(np.arange(lw.num_rows), start)
        relax(others)
        active[others] = False
        candidates = [np.array([i]) for i in start.tolist()]
    else:
        blocks = [b for b in lw.con_blocks if b.stop > b.start]
        candidates = [np.arange(b.start, b.stop) for b in blocks]
        candidates += [np.array([i]) for b in blocks if b.stop - b.start > 1 for i in range(b.start, b.stop)]
    for rows in candidates:
        rows = rows[active[rows]]
        if not len(rows):
            continue
        if probes >= max_probes or time.perf_counter() > deadline:
            conclusive = False
            break
        if infeasible_without(rows):
            active[rows] = False
    return np.flatnonzero(active), conclusive


def _constraint_filter(
    formulation: Formulation, solver: str, time_limit: float, max_probes: int
) -> Conflict | None:
    """Deletion filter over whole constraints, each probe a full solve (models HiGHS cannot take)."""
    from optagent.errors import OptagentError
    from optagent.formulations.result import Termination
    from optagent.formulations.solve import solve

    def infeasible(constraints: list) -> bool | None:
        variant = formulation.model_copy(update={"constraints": constraints})
        try:
            result = solve(variant, solver=solver, time_limit=time_limit, sensitivity=False)
        except OptagentError:
            return None
        if result.termination == Termination.infeasible:
            return True
        return False if result.has_solution else None

    if not infeasible(list(formulation.constraints)):
        return None
    kept = list(formulation.constraints)
    conclusive = True
    for probes, c in enumerate(list(kept)):
        if probes >= max_probes:
            conclusive = False
            break
        outcome = infeasible([d for d in kept if d is not c])
        if outcome is None:
            conclusive = False
        if outcome:
            kept = [d for d in kept if d is not c]
    return Conflict(
        method="constraint-deletion-filter",
        rows=[ConflictRow(name=c.name, index="") for c in kept],
        minimal=conclusive,
        note="deletion filter over whole constraints (the model is not linear)",
    )
