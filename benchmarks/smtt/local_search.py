"""Local search for 1||ΣT_j: adjacent interchange, insertion (compiled), and an iterated local search."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import numpy as np
from numba import njit

from optagent.benchmarks.smtt.objective import as_ints, tardiness, total_tardiness
from optagent.benchmarks.smtt.rules_fast import prefix_tardiness


def adjacent_interchange(p: Sequence[int], d: Sequence[int], order: Sequence[int]) -> list[int]:
    """Swap neighbours while that lowers the total tardiness (first improvement, repeated passes)."""
    order = list(order)
    improved = True
    while improved:
        improved = False
        t = 0
        for i in range(len(order) - 1):
            a, b = order[i], order[i + 1]
            before = max(0, t + p[a] - d[a]) + max(0, t + p[a] + p[b] - d[b])
            after = max(0, t + p[b] - d[b]) + max(0, t + p[a] + p[b] - d[a])
            if after < before:
                order[i], order[i + 1] = b, a
                improved = True
                a = b
            t += p[a]
    return order


@njit(cache=True, nogil=True)
def insertion_kernel(p: np.ndarray, d: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Passes over a snapshot of the order: remove each job and reinsert it at its best position (first on
    ties) when that lowers ΣT_j; until a pass changes nothing."""
    order = start.copy()
    n = order.shape[0]
    best = tardiness(p, d, order, 0)
    rest = np.empty(max(n - 1, 0), np.int64)
    late_before = np.empty(n, np.int64)  # tardiness of rest[:k]
    late_after = np.empty(n, np.int64)  # tardiness of rest[k:] when they finish p[job] later
    completion = np.empty(n, np.int64)
    improved = True
    while improved:
        improved = False
        for job in order.copy():
            m = 0
            for x in order:
                if x != job:
                    rest[m] = x
                    m += 1
            prefix_tardiness(p, d, rest, m, completion, late_before)
            late_after[m] = 0
            for i in range(m - 1, -1, -1):
                late_after[i] = late_after[i + 1] + max(0, completion[i] + p[job] - d[rest[i]])
            k_best, cost_best = 0, late_before[0] + max(0, p[job] - d[job]) + late_after[0]
            for k in range(1, m + 1):
                cost = late_before[k] + max(0, completion[k - 1] + p[job] - d[job]) + late_after[k]
                if cost < cost_best:
                    k_best, cost_best = k, cost
            if cost_best < best:
                order[:k_best] = rest[:k_best]
                order[k_best] = job
                order[k_best + 1 :] = rest[k_best:m]
                best = cost_best
                improved = True
    return order


def insertion(p: Sequence[int], d: Sequence[int], order: Sequence[int]) -> list[int]:
    """Move single jobs to their best position while that improves (passes until a local optimum)."""
    return insertion_kernel(as_ints(p), as_ints(d), as_ints(order)).tolist()


def iterated_local_search(
    p: Sequence[int],
    d: Sequence[int],
    start: Sequence[int],
    *,
    iterations: int = 200,
    seconds: float | None = None,
    seed: int = 0,
    strength: int = 3,
) -> list[int]:
    """Insertion local search from ``start``, then perturb (random moves) and search again; keep the best.
    Stops after ``iterations`` rounds or ``seconds``; seeded, so it is reproducible."""
    rng = random.Random(seed)
    p, d = as_ints(p), as_ints(d)
    best = insertion(p, d, adjacent_interchange(p.tolist(), d.tolist(), as_ints(start).tolist()))
    best_cost = total_tardiness(p, d, best)
    current, current_cost = best, best_cost
    deadline = time.perf_counter() + seconds if seconds else None
    for _ in range(iterations):
        if best_cost == 0 or (deadline is not None and time.perf_counter() > deadline):
            break
        trial = list(current)
        for _ in range(strength):
            i, j = rng.randrange(len(trial)), rng.randrange(len(trial))
            trial.insert(j, trial.pop(i))
        trial = insertion(p, d, trial)
        cost = total_tardiness(p, d, trial)
        if cost <= current_cost:
            current, current_cost = trial, cost
            if cost < best_cost:
                best, best_cost = trial, cost
    return best
