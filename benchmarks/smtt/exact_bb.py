"""Exact decomposition search for 1||ΣT_j (Lawler 1977) with memoised subproblems (Branch-and-Memorize style).

Jobs are indexed in EDD order (ties: shorter first). Lawler's theorem: for the longest job k of a job set
(ties: the latest in EDD order) some optimal sequence puts exactly the jobs of EDD index <= delta (delta >= k)
before k and the rest after it. Each choice of delta splits the problem into two independent subproblems
(a set of jobs and a start time), which are solved recursively and remembered, so a subproblem met again
under another branch costs a lookup. Further rules, each exact:

- a split delta is skipped when the job at delta has d >= C_k(delta): moving it behind k keeps it on time and
  delays nobody, so the split delta - 1 is at least as good (Lawler's corollary);
- every subproblem is solved under a bound (the best value its caller can still use, starting from MDD with
  insertion at the root); a subproblem that cannot beat its bound is remembered as "at least the bound" and
  only solved again when a later caller allows more (branch and bound with memoisation);
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
        self.memo: dict[tuple[int, int], tuple[int, tuple[int, ...], bool]] = {}
        self.bounds: dict[tuple[tuple[int, ...], int], int] = {}
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
        key = (jobs, t)
        known = self.bounds.get(key)
        if known is not None:
            return known
        total, finish = 0, t
        d = self.d
        for i, length in enumerate(sorted(self.p[j] for j in jobs)):
            finish += length
            late = finish - d[jobs[i]]  # ``jobs`` is in EDD order
            if late > 0:
                total += late
        self.bounds[key] = total
        return total

    def solve(self, jobs: tuple[int, ...], t: int, bound: int) -> tuple[int, tuple[int, ...], bool]:
        """Optimal value and order of EDD positions ``jobs`` (sorted) started at ``t``, when it is below
        ``bound``: (value, order, True). Otherwise (value, (), False) with optimum >= value >= bound."""
        if not jobs:
            return 0, (), True
        p, d = self.p, self.d
        if len(jobs) == 1:
            j = jobs[0]
            return max(0, t + p[j] - d[j]), jobs, True
        key = (sum(1 << j for j in jobs), t)
        hit = self.memo.get(key)
        if hit is not None and (hit[2] or bound <= hit[0]):
            return hit
        self.calls += 1
        if self.calls & 1023 == 0 and time.perf_counter() > self.deadline:
            raise _OutOfTime
        easy = self._easy(jobs, t)
        if easy is not None:
            self.memo[key] = easy
            return easy
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
        best_value, best_order, found = bound, (), False
        for _, delta, completion in candidates:
            before = jobs[:k_pos] + jobs[k_pos + 1 : delta + 1]
            after = jobs[delta + 1 :]
            own = max(0, completion - d[k])
            lower_after = self.lower(after, completion)
            if self.lower(before, t) + own + lower_after >= best_value:
                continue
            value_before, order_before, exact = self.solve(before, t, best_value - own - lower_after)
            if not exact or value_before + own + lower_after >= best_value:
                continue
            value_after, order_after, exact = self.solve(after, completion, best_value - value_before - own)
            if not exact:
                continue
            value = value_before + own + value_after
            if value < best_value:
                best_value, best_order, found = value, (*order_before, k, *order_after), True
        result = (best_value, best_order, True) if found else (bound, (), False)
        self.memo[key] = result
        return result

    def _easy(self, jobs: tuple[int, ...], t: int) -> tuple[int, tuple[int, ...], bool] | None:
        """EDD order with no late job, or SPT order with every job late: both optimal as they stand."""
        p, d = self.p, self.d
        finish = t
        for j in jobs:
            finish += p[j]
            if finish > d[j]:
                break
        else:
            return 0, jobs, True
        spt = sorted(jobs, key=lambda j: (p[j], d[j], j))
        finish, total = t, 0
        for j in spt:
            finish += p[j]
            if finish < d[j]:
                return None
            total += finish - d[j]
        return total, tuple(spt), True


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
    upper = insertion(p, d, mdd(p, d))
    try:
        value, positions, exact = solver.solve(tuple(range(len(p))), 0, total_tardiness(p, d, upper) + 1)
        assert exact, "the search bound admits the heuristic's own value"
        order = [solver.index[i] for i in positions]
        proven = True
    except _OutOfTime:
        order = upper
        value, proven = total_tardiness(p, d, order), False
    finally:
        sys.setrecursionlimit(limit)
    return ExactResult(value, order, proven, time.perf_counter() - start, solver.calls)
