"""MIP models of 1||ΣT_j on HiGHS, for cross-checks: positional assignment (default) or linear ordering."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence

import highspy
import numpy as np

from optagent.benchmarks.smtt.exact_bb import ExactResult
from optagent.benchmarks.smtt.heuristics import mdd
from optagent.benchmarks.smtt.local_search import insertion
from optagent.benchmarks.smtt.objective import total_tardiness
from optagent.errors import InputError


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner to file descriptor 1 when constructed, which would corrupt --json output."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _highs(time_limit: float) -> highspy.Highs:
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    return h


def _positional(p: Sequence[int], d: Sequence[int], h: highspy.Highs) -> list:
    """x[j,k] = 1 when job j is in position k; C_k and T_k per position."""
    n = len(p)
    x = [[h.addBinary() for _ in range(n)] for _ in range(n)]
    completion = [h.addVariable(lb=0) for _ in range(n)]
    late = [h.addVariable(lb=0) for _ in range(n)]
    for j in range(n):
        h.addConstr(sum(x[j][k] for k in range(n)) == 1)
    for k in range(n):
        h.addConstr(sum(x[j][k] for j in range(n)) == 1)
        previous = completion[k - 1] if k else 0
        h.addConstr(completion[k] == previous + sum(p[j] * x[j][k] for j in range(n)))
        h.addConstr(late[k] >= completion[k] - sum(d[j] * x[j][k] for j in range(n)))
    h.minimize(sum(late))
    return x


def _ordering(p: Sequence[int], d: Sequence[int], h: highspy.Highs) -> list:
    """y[i,j] = 1 when i precedes j; C_j = p_j + sum_i p_i y[i,j]; transitivity on triples."""
    n = len(p)
    y = {(i, j): h.addBinary() for i in range(n) for j in range(n) if i < j}

    def before(i: int, j: int):
        return y[(i, j)] if i < j else 1 - y[(j, i)]

    late = []
    for j in range(n):
        completion = p[j] + sum(p[i] * before(i, j) for i in range(n) if i != j)
        tardy = h.addVariable(lb=0)
        h.addConstr(tardy >= completion - d[j])
        late.append(tardy)
    for i in range(n):
        for j in range(n):
            for k in range(n):
                if len({i, j, k}) == 3 and i < j and i < k:
                    h.addConstr(before(i, j) + before(j, k) + before(k, i) <= 2)
    h.minimize(sum(late))
    return list(y.items())


def solve_mip(
    p: Sequence[int], d: Sequence[int], *, time_limit: float = 60.0, model: str = "positional"
) -> ExactResult:
    if model not in ("positional", "ordering"):
        raise InputError(f"unknown MIP model {model!r}", hint="positional or ordering")
    start = time.perf_counter()
    h = _highs(time_limit)
    variables = _positional(p, d, h) if model == "positional" else _ordering(p, d, h)
    status = h.getModelStatus()
    n = len(p)
    if h.getInfo().primal_solution_status != 2:  # no feasible point within the limit: a heuristic order
        order = insertion(p, d, mdd(p, d))
    elif model == "positional":
        values = np.asarray(h.getSolution().col_value)
        order, left = [], set(range(n))
        for k in range(n):  # the job with the largest x at each position (robust to tolerances)
            j = max(left, key=lambda j, k=k: values[variables[j][k].index])
            order.append(j)
            left.remove(j)
    else:
        values = np.asarray(h.getSolution().col_value)
        wins = [0] * n
        for (i, j), var in variables:
            if values[var.index] > 0.5:
                wins[i] += 1
            else:
                wins[j] += 1
        order = sorted(range(n), key=lambda j: -wins[j])
    value = total_tardiness(p, d, order)
    proven = h.modelStatusToString(status) == "Optimal"
    return ExactResult(value, order, proven, time.perf_counter() - start, 0)
