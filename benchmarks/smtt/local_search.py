"""Local search for 1||ΣT_j: adjacent interchange, insertion (vectorised), and an iterated local search."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import numpy as np

from optagent.benchmarks.smtt.objective import total_tardiness


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


def _best_insertion(p: np.ndarray, d: np.ndarray, rest: np.ndarray, job: int) -> tuple[int, int]:
    """Best position (and cost) to insert ``job`` into the sequence ``rest``."""
    completion = np.cumsum(p[rest])
    slack = d[rest] - completion
    late_before = np.concatenate(([0], np.cumsum(np.maximum(0, -slack))))  # jobs before position k, unchanged
    shifted = np.maximum(0, p[job] - slack)  # jobs after the insertion point finish p[job] later
    late_after = np.concatenate((np.cumsum(shifted[::-1])[::-1], [0]))
    start = np.concatenate(([0], completion))
    own = np.maximum(0, start + p[job] - d[job])
    cost = late_before + own + late_after
    k = int(np.argmin(cost))
    return k, int(cost[k])


def insertion(p: Sequence[int], d: Sequence[int], order: Sequence[int]) -> list[int]:
    """Move single jobs to their best position while that improves (passes until a local optimum)."""
    pa, da = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    order = list(order)
    best = total_tardiness(p, d, order)
    improved = True
    while improved:
        improved = False
        for job in list(order):
            rest = [j for j in order if j != job]
            k, cost = _best_insertion(pa, da, np.asarray(rest, dtype=np.int64), job)
            if cost < best:
                order = [*rest[:k], job, *rest[k:]]
                best = cost
                improved = True
    return order


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
    best = insertion(p, d, adjacent_interchange(p, d, start))
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
