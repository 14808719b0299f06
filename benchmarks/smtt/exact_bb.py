"""Exact decomposition search for 1||ΣT_j (Lawler 1977) with memoised subproblems (Branch-and-Memorize style).

Jobs are indexed in EDD order (ties: shorter first). Lawler's theorem: for the longest job k of a job set
(ties: the latest in EDD order) some optimal sequence puts exactly the jobs of EDD index <= delta (delta >= k)
before k and the rest after it. Each choice of delta splits the problem into two independent subproblems
(a set of jobs and a start time), which are solved recursively and remembered, so a subproblem met again
under another branch costs a lookup. Further rules, each exact:

- trailing EDD jobs that are on time when last are dropped (moving such a job to the end delays nobody);
- a subproblem whose jobs are all on time in EDD order, or all late in SPT order, is solved directly;
- the split positions are limited by Emmons' rules for k, and a split delta is skipped when the job at delta
  has d >= C_k(delta): moving it behind k keeps it on time and delays nobody, so the split delta - 1 is at
  least as good (Lawler's corollary);
- a split delta is also skipped when C_k(delta) exceeds the due date of the next job in EDD order: Lawler's
  proof takes an optimal sequence in which k ends as late as possible, at C*, and shows that exactly the jobs
  with d <= max(d_k, C*) precede k, so at that sequence's split the next job has d > C* = C_k(delta) (and
  each step of the corollary above keeps C_k(delta - 1) <= d of the job at delta);
- every subproblem is solved under a bound (the best value its caller can still use, starting from MDD with
  insertion at the root); the splits are tried in order of a lower bound (SPT completion times against EDD due
  dates, for both parts, plus k's own tardiness) and cut off once it reaches the bound; a subproblem that
  cannot beat its bound is remembered with the smallest lower bound of its splits and solved again only when a
  later caller allows more (branch and bound with memoisation).

Every subproblem has the form {jobs l in EDD positions [first, last] with rank(l) <= top} (rank: the order by
processing time, then EDD position), so (first, last, top, start) is an exact memo key.

The search runs in a compiled kernel (``_exact_kernel``, C++, built at install time when a compiler is
present) or, as a fallback, in Python; both follow the same steps in the same order and expand the same
subproblems (the tests check this). Every value returned is proven optimal unless the time limit stops the
search: then ``proven`` is False and the upper bound heuristic's sequence is returned.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

from optagent.benchmarks.smtt.heuristics import mdd
from optagent.benchmarks.smtt.local_search import insertion
from optagent.benchmarks.smtt.objective import total_tardiness
from optagent.errors import InputError

try:
    from optagent.benchmarks.smtt import _exact_kernel
except ImportError:  # built without a C++ compiler: the Python search below is used
    _exact_kernel = None

BACKENDS = ("auto", "compiled", "python")
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
KERNEL_MAX = 2**40  # processing times and due dates the compiled search takes (its sums stay in 64 bits)
MEMO_MB = 1024  # the compiled search's memo table grows up to this; then full buckets drop small subproblems


@dataclass(frozen=True)
class ExactResult:
    value: int
    order: list[int]
    proven: bool
    seconds: float
    subproblems: int
    backend: str = ""


class _OutOfTime(Exception):
    pass


class _Search:
    """The Python search; mirrors ``Search`` in _exact_kernel.cpp step by step."""

    def __init__(
        self, p: Sequence[int], d: Sequence[int], deadline: float, clock: Callable[[], float]
    ) -> None:
        self.index = sorted(range(len(p)), key=lambda j: (d[j], p[j], j))  # EDD position -> job
        self.p = [p[j] for j in self.index]
        self.d = [d[j] for j in self.index]
        self.spt = sorted(range(len(p)), key=lambda e: (self.p[e], e))  # EDD positions by rank
        self.rank = [0] * len(p)
        for r, e in enumerate(self.spt):
            self.rank[e] = r
        self.deadline, self.clock = deadline, clock
        self.use_deadline = True
        self.memo: dict[tuple[int, int, int, int], tuple[int, bool]] = {}
        self.nodes = 0

    def _strip(self, edd: list[int], spt: list[int], t: int) -> tuple[list[int], list[int], int]:
        p, d = self.p, self.d
        total = t + sum(p[j] for j in edd)
        m = len(edd)
        while m > 1 and d[edd[m - 1]] >= total:
            m -= 1
            total -= p[edd[m]]
        if m < len(edd):
            edd = edd[:m]
            spt = [j for j in spt if j <= edd[-1]]
        return edd, spt, total

    @staticmethod
    def _lower(lengths: list[int], dues: list[int], t: int) -> int:
        """SPT completion times (``lengths`` in SPT order) against EDD due dates (``dues``), paired in order:
        a valid lower bound on the total tardiness of the jobs started at ``t``."""
        finish, total = t, 0
        for length, due in zip(lengths, dues):
            finish += length
            if finish > due:
                total += finish - due
        return total

    def _easy(self, edd: list[int], spt: list[int], t: int) -> int | None:
        """1: EDD has no late job (value 0); 2: SPT has every job late or on time; None: neither."""
        p, d = self.p, self.d
        finish = t
        for j in edd:
            finish += p[j]
            if finish > d[j]:
                break
        else:
            return 1
        finish = t
        for j in spt:
            finish += p[j]
            if finish < d[j]:
                return None
        return 2

    def _split_range(self, edd: list[int], kp: int, t: int, total: int) -> tuple[int, int]:
        """Emmons' rules for the longest job k: a job i with d_i <= max(B_k + p_k, d_k) precedes k (B_k: start
        plus the jobs known to precede k), and a job with d_i >= A_k follows k (A_k: the latest k can end)."""
        p, d = self.p, self.d
        k = edd[kp]
        lo = kp
        known_before = t + sum(p[j] for j in edd[:kp])
        moved = True
        while moved:
            moved = False
            threshold = max(known_before + p[k], d[k])
            for idx in range(len(edd) - 1, lo, -1):
                if d[edd[idx]] <= threshold:
                    known_before += sum(p[j] for j in edd[lo + 1 : idx + 1])
                    lo, moved = idx, True
                    break
        hi, latest = len(edd) - 1, total
        moved = True
        while moved:
            moved = False
            for idx in range(lo + 1, hi + 1):
                if d[edd[idx]] >= latest:
                    latest -= sum(p[j] for j in edd[idx : hi + 1])
                    hi, moved = idx - 1, True
                    break
        return lo, max(lo, hi)

    def _candidates(self, edd: list[int], spt: list[int], t: int, total: int) -> tuple[int, list[tuple]]:
        """The allowed splits as (lower bound, |C_k - d_k|, delta, C_k, lower bound of the part after k),
        best lower bound first, and k's position."""
        p, d = self.p, self.d
        k = spt[-1]
        kp = edd.index(k)
        lo, hi = self._split_range(edd, kp, t, total)
        out = []
        finish = t + sum(p[j] for j in edd[: lo + 1])
        for delta in range(lo, hi + 1):
            if delta > lo:
                finish += p[edd[delta]]
                if d[edd[delta]] >= finish:
                    continue  # Lawler: the split delta - 1 is at least as good
            if delta + 1 < len(edd) and finish > d[edd[delta + 1]]:
                continue  # Lawler's proof: some optimal split has C_k <= d of the next job
            before_edd, before_spt, after_edd, after_spt = self._parts(edd, spt, kp, delta)
            lower_before = self._known(
                before_edd,
                before_spt,
                t,
                self._lower([p[j] for j in before_spt], [d[j] for j in before_edd], t),
            )
            lower_after = self._known(
                after_edd,
                after_spt,
                finish,
                self._lower([p[j] for j in after_spt], [d[j] for j in after_edd], finish),
            )
            own = max(0, finish - d[k])
            out.append((lower_before + own + lower_after, abs(finish - d[k]), delta, finish, lower_after))
        out.sort()
        return kp, out

    def _known(self, edd: list[int], spt: list[int], t: int, lower: int) -> int:
        """The best known lower bound of a part: its memo entry (exact value or lower bound) or ``lower``."""
        edd, spt, _ = self._strip(edd, spt, t)
        if len(edd) < 2:
            return lower
        hit = self.memo.get((edd[0], edd[-1], self.rank[spt[-1]], t))
        return lower if hit is None else max(lower, hit[0])

    @staticmethod
    def _parts(
        edd: list[int], spt: list[int], kp: int, delta: int
    ) -> tuple[list[int], list[int], list[int], list[int]]:
        """EDD and SPT lists of the jobs before k (EDD positions up to delta, without k) and after it."""
        k, last = edd[kp], edd[delta]
        before_spt = [j for j in spt if j <= last and j != k]
        return edd[:kp] + edd[kp + 1 : delta + 1], before_spt, edd[delta + 1 :], [j for j in spt if j > last]

    def _tick(self) -> None:
        self.nodes += 1
        if self.nodes & 1023 == 0 and self.use_deadline and self.clock() > self.deadline:
            raise _OutOfTime

    def solve(self, edd: list[int], spt: list[int], t: int, bound: int) -> tuple[int, bool]:
        """(optimum, True) of the jobs ``edd`` (EDD positions, sorted; ``spt``: the same by rank) started at
        ``t`` when the optimum is below ``bound``; otherwise (a lower bound >= bound, False)."""
        if not edd:
            return 0, True
        edd, spt, total = self._strip(edd, spt, t)
        p, d = self.p, self.d
        if len(edd) == 1:
            return max(0, t + p[edd[0]] - d[edd[0]]), True
        self._tick()
        key = (edd[0], edd[-1], self.rank[spt[-1]], t)
        hit = self.memo.get(key)
        known_lower = 0
        if hit is not None:
            if hit[1] or hit[0] >= bound:
                return hit
            known_lower = hit[0]
        kind = self._easy(edd, spt, t)
        if kind is not None:
            value = 0 if kind == 1 else total_tardiness(p, d, spt, t)
            self.memo[key] = (value, True)
            return value, True
        kp, candidates = self._candidates(edd, spt, t, total)
        k = edd[kp]
        best, fails, found = bound, [], False
        for lower, _, delta, finish, lower_after in candidates:
            if lower >= best:
                fails.append(lower)
                break  # sorted: every later split is bounded out as well
            own = max(0, finish - d[k])
            before_edd, before_spt, after_edd, after_spt = self._parts(edd, spt, kp, delta)
            before, exact = self.solve(before_edd, before_spt, t, best - own - lower_after)
            if not exact or before + own + lower_after >= best:
                value = before + own + lower_after
                fails.append(value)
                continue
            after, exact = self.solve(after_edd, after_spt, finish, best - before - own)
            value = before + own + after
            if not exact or value >= best:
                fails.append(value)
                continue
            best, found = value, True
        if found:
            self.memo[key] = (best, True)
            return best, True
        self.memo[key] = result = (max(min(fails, default=bound), bound, known_lower), False)
        return result

    def rebuild(self, edd: list[int], spt: list[int], t: int, value: int) -> list[int]:
        """The order (EDD positions) attaining ``value``, the proven optimum of the subproblem."""
        if not edd:
            return []
        full = edd
        edd, spt, total = self._strip(edd, spt, t)
        tail = full[len(edd) :]
        kind = 1 if len(edd) == 1 else self._easy(edd, spt, t)
        if kind is not None:
            return [*(edd if kind == 1 else spt), *tail]
        kp, candidates = self._candidates(edd, spt, t, total)
        k = edd[kp]
        for lower, _, delta, finish, _ in candidates:
            own = max(0, finish - self.d[k])
            if lower > value:
                continue
            before_edd, before_spt, after_edd, after_spt = self._parts(edd, spt, kp, delta)
            before, exact = self.solve(before_edd, before_spt, t, value - own + 1)
            if not exact or before + own > value:
                continue
            after, exact = self.solve(after_edd, after_spt, finish, value - before - own + 1)
            if not exact or before + own + after != value:
                continue
            return [
                *self.rebuild(before_edd, before_spt, t, before),
                k,
                *self.rebuild(after_edd, after_spt, finish, after),
                *tail,
            ]
        raise AssertionError("no split attains the proven optimum")

    def run(self, bound: int) -> tuple[int, list[int]] | None:
        """The optimum and an optimal order (job indices) when below ``bound``; None when out of time."""
        edd = list(range(len(self.p)))
        try:
            value, exact = self.solve(edd, self.spt, 0, bound)
            assert exact, "the search bound admits the heuristic's own value"
            self.use_deadline = False  # proof complete: rebuilding reads (or redoes) solved parts
            return value, [self.index[e] for e in self.rebuild(edd, self.spt, 0, value)]
        except _OutOfTime:
            return None


def _upper(p: Sequence[int], d: Sequence[int]) -> list[int]:
    return insertion(p, d, mdd(p, d))


def solve_bb(
    p: Sequence[int],
    d: Sequence[int],
    *,
    time_limit: float = 60.0,
    backend: str = "auto",
    clock: str = "wall",
    memo_mb: int = MEMO_MB,
) -> ExactResult:
    """Optimal sequence of 1||ΣT_j by the decomposition search within ``time_limit`` seconds (then the best
    known sequence, ``proven`` False). ``backend``: auto (compiled when built and the data are integers below
    KERNEL_MAX, else python), compiled, python.
    ``clock``: wall, or cpu (this process's CPU time: fair on a shared machine). ``memo_mb``: the most memory
    the compiled search's memo table may take (the Python one grows as needed)."""
    if backend not in BACKENDS:
        raise InputError(f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}")
    if clock not in CLOCKS:
        raise InputError(f"unknown clock {clock!r}", hint=f"use one of: {', '.join(CLOCKS)}")
    if backend == "compiled" and _exact_kernel is None:
        raise InputError(
            "the compiled SMTT kernel is not built",
            hint="reinstall optagent where a C++ compiler is available, or use the python backend",
        )
    fits = all(isinstance(x, Integral) and abs(x) < KERNEL_MAX for x in (*p, *d))
    if backend == "compiled" and not fits:
        raise InputError(
            f"the compiled search takes integers below {KERNEL_MAX:.0e} in size",
            hint="use the python backend for other numbers",
        )
    if len(p) != len(d):
        raise InputError(
            f"need as many due dates as jobs: {len(p)} processing times, {len(d)} due dates",
            hint="give one (p, d) pair per job",
        )
    if not p:
        return ExactResult(0, [], True, 0.0, 0, backend)
    if min(p) < 0:
        raise InputError("processing times must be >= 0", hint="check the instance data")
    start, now = time.perf_counter(), CLOCKS[clock]
    deadline = now() + time_limit
    upper = _upper(p, d)
    bound = total_tardiness(p, d, upper) + 1
    use = "python" if backend == "python" or _exact_kernel is None or not fits else "compiled"
    if use == "compiled":
        remaining = max(0.0, deadline - now())
        proven, value, order, nodes, _, _ = _exact_kernel.solve(
            list(p), list(d), bound, remaining, clock == "cpu", memo_mb
        )
        found = (value, order) if proven else None
    else:
        search = _Search(p, d, deadline, now)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20 * len(p) + 1000))
        try:
            found = search.run(bound)
        finally:
            sys.setrecursionlimit(limit)
        nodes = search.nodes
    if found is None:
        return ExactResult(bound - 1, upper, False, time.perf_counter() - start, nodes, use)
    return ExactResult(found[0], found[1], True, time.perf_counter() - start, nodes, use)
