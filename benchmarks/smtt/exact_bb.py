"""Exact decomposition search for 1||ΣT_j (Lawler 1977) with memoised subproblems (Branch-and-Memorize style).

Jobs are indexed in EDD order (ties: shorter first). Lawler's theorem: for the longest job k of a job set
(ties: the latest in EDD order) some optimal sequence puts exactly the jobs of EDD index <= delta (delta >= k)
before k and the rest after it. Each choice of delta splits the problem into two independent subproblems
(a set of jobs and a start time), which are solved recursively and remembered, so a subproblem met again
under another branch costs a lookup. Further rules, each exact:

- a split delta is skipped when the job at delta has d >= C_k(delta): moving it behind k keeps it on time and
  delays nobody, so the split delta - 1 is at least as good (Lawler's corollary);
- a branch stops as soon as the part before k plus k's own tardiness reaches the best value found;
- a subproblem whose jobs are all on time in EDD order, or all late in SPT order, is solved directly.

Every value it returns is proven optimal unless the time limit stops it (then ``proven`` is False and the
best sequence found so far, from an upper bound heuristic, is returned).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from optagent.benchmarks.smtt.heuristics import mdd
from optagent.benchmarks.smtt.local_search import insertion
from optagent.benchmarks.smtt.objective import total_tardiness


class _OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class ExactResult:
    value: int
    order: list[int]
    proven: bool
    seconds: float
    subproblems: int


class _Solver:
    def __init__(self, p: Sequence[int], d: Sequence[int], deadline: float) -> None:
        self.index = sorted(range(len(p)), key=lambda j: (d[j], p[j], j))  # EDD position -> job
        self.p = [p[j] for j in self.index]
        self.d = [d[j] for j in self.index]
        self.deadline = deadline
        self.memo: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}
        self.calls = 0

    def split_range(self, jobs: tuple[int, ...], t: int, k_pos: int) -> tuple[int, int]:
        """Splits delta allowed by Emmons' rules for the longest job k: a job i with
        d_i <= max(B_k + p_k, d_k) precedes k (B_k: start plus the jobs known to precede k), and a job
        with d_i >= A_k follows k (A_k: the time k could finish at the latest)."""
        p, d = self.p, self.d
        k = jobs[k_pos]
        lo = k_pos
        known_before = t + sum(p[j] for j in jobs[:k_pos])
        moved = True
        while moved:
            moved = False
            threshold = max(known_before + p[k], d[k])
            for idx in range(len(jobs) - 1, lo, -1):
                if d[jobs[idx]] <= threshold:
                    known_before += sum(p[j] for j in jobs[lo + 1 : idx + 1])
                    lo, moved = idx, True
                    break
        hi = len(jobs) - 1
        latest = t + sum(p[j] for j in jobs)
        moved = True
        while moved:
            moved = False
            for idx in range(lo + 1, hi + 1):
                if d[jobs[idx]] >= latest:
                    latest -= sum(p[j] for j in jobs[idx : hi + 1])
                    hi, moved = idx - 1, True
                    break
        return lo, max(lo, hi)

    def lower(self, jobs: tuple[int, ...], t: int) -> int:
        """Lower bound: SPT completion times against EDD due dates, paired in sorted order."""
        if not jobs:
            return 0
        total, finish = 0, t
        d = self.d
        for i, length in enumerate(sorted(self.p[j] for j in jobs)):
            finish += length
            late = finish - d[jobs[i]]  # ``jobs`` is in EDD order
            if late > 0:
                total += late
        return total

    def solve(self, jobs: tuple[int, ...], t: int) -> tuple[int, tuple[int, ...]]:
        """Optimal value and order of EDD-positions ``jobs`` (sorted) started at time ``t``."""
        if not jobs:
            return 0, ()
        p, d = self.p, self.d
        if len(jobs) == 1:
            j = jobs[0]
            return max(0, t + p[j] - d[j]), jobs
        key = (sum(1 << j for j in jobs), t)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        if self.calls & 1023 == 0 and time.perf_counter() > self.deadline:
            raise _OutOfTime
        # Easy cases: EDD order has no late job; or in SPT order every job is late (then SPT is optimal).
        finish, on_time = t, True
        for j in jobs:
            finish += p[j]
            if finish > d[j]:
                on_time = False
                break
        if on_time:
            result = (0, jobs)
            self.memo[key] = result
            return result
        spt = sorted(jobs, key=lambda j: (p[j], d[j], j))
        finish, all_late = t, True
        for j in spt:
            finish += p[j]
            if finish < d[j]:
                all_late = False
                break
        if all_late:
            result = (sum(max(0, c - d[j]) for j, c in zip(spt, _completions(p, spt, t))), tuple(spt))
            self.memo[key] = result
            return result
        k_pos = max(range(len(jobs)), key=lambda i: (p[jobs[i]], i))
        k = jobs[k_pos]
        lo, hi = self.split_range(jobs, t, k_pos)
        candidates = []
        completion = t + sum(p[j] for j in jobs[: lo + 1])
        for delta in range(lo, hi + 1):
            if delta > lo:
                completion += p[jobs[delta]]
                # Dominated: the last job moved before k could follow k instead and still be on time,
                # which delays nobody (so the split delta - 1 is at least as good).
                if d[jobs[delta]] >= completion:
                    continue
            candidates.append((abs(completion - d[k]), delta, completion))
        candidates.sort()  # k finishing near its due date first: a good bound early
        best_value, best_order = sys.maxsize, ()
        for _, delta, completion in candidates:
            before = jobs[:k_pos] + jobs[k_pos + 1 : delta + 1]
            after = jobs[delta + 1 :]
            own = max(0, completion - d[k])
            lower_after = self.lower(after, completion)
            if self.lower(before, t) + own + lower_after >= best_value:
                continue
            value_before, order_before = self.solve(before, t)
            if value_before + own + lower_after >= best_value:
                continue
            value_after, order_after = self.solve(after, completion)
            value = value_before + own + value_after
            if value < best_value:
                best_value, best_order = value, (*order_before, k, *order_after)
        result = (best_value, best_order)
        self.memo[key] = result
        return result


def _completions(p: Sequence[int], order: Sequence[int], t: int) -> list[int]:
    out = []
    for j in order:
        t += p[j]
        out.append(t)
    return out


def solve_bb(p: Sequence[int], d: Sequence[int], *, time_limit: float = 60.0) -> ExactResult:
    start = time.perf_counter()
    solver = _Solver(p, d, start + time_limit)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20 * len(p) + 1000))
    try:
        value, positions = solver.solve(tuple(range(len(p))), 0)
        order = [solver.index[i] for i in positions]
        proven = True
    except _OutOfTime:
        order = insertion(p, d, mdd(p, d))
        value, proven = total_tardiness(p, d, order), False
    finally:
        sys.setrecursionlimit(limit)
    return ExactResult(value, order, proven, time.perf_counter() - start, solver.calls)
