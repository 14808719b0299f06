"""Plain-Python definitions of every built-in SMTT rule: the oracle that the compiled rules must equal.

Each rule takes (p, d) and returns a permutation of 0..n-1. The seed paper's rules (EDD, MDD, EDDC, MDDC,
the augmented variants, PSK, Panneerselvam) follow ../shared/benchmarks/smtt/README.md, which follows the
released code of Çetinkaya et al. (2025): ties go to the first job in the stated initial order, as
``numpy.argmin`` does (index order when no initial order is stated). Float arithmetic is IEEE as in numpy:
x/0 gives ±inf or nan instead of raising (only instances with p_j <= 0 reach it), and an argmin over values
containing nan picks the first nan, as numpy does. Panneerselvam's ties go to the last job (see there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Rule = Callable[[Sequence[int], Sequence[int]], list[int]]


def divide(a: float, b: float) -> float:
    """a / b with numpy's IEEE semantics (no ZeroDivisionError)."""
    if b != 0:
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def first_best(jobs: Sequence[int], value: Callable[[int], float], *, largest: bool = False) -> int:
    """The job of ``jobs`` (in that order) with the smallest (or largest) value; first wins on ties and
    the first nan wins outright, as numpy.argmin/argmax."""
    best, best_value = jobs[0], value(jobs[0])
    if math.isnan(best_value):
        return best
    for j in jobs[1:]:
        v = value(j)
        if math.isnan(v):
            return j
        if (v > best_value) if largest else (v < best_value):
            best, best_value = j, v
    return best


def _dispatch(p: Sequence[int], d: Sequence[int], initial: list[int], pick: Callable) -> list[int]:
    """Build the sequence front to back: ``pick(p, d, unscheduled in initial order, t)`` chooses the next
    job."""
    left, order, t = list(initial), [], 0
    while left:
        j = pick(p, d, left, t)
        order.append(j)
        left.remove(j)
        t += p[j]
    return order


def spt_order(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """``np.lexsort((d, p))``: ascending p, ties by ascending d, then index."""
    return sorted(range(len(p)), key=lambda j: (p[j], d[j], j))


def edd_order(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """``np.lexsort((p, d))``: ascending d, ties by ascending p, then index."""
    return sorted(range(len(p)), key=lambda j: (d[j], p[j], j))


def edd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Earliest due date, ties by index (a stable ``argsort(d)``), as the seed paper."""
    return sorted(range(len(p)), key=lambda j: (d[j], j))


def numpy_introsort_argsort(values: Sequence[float]) -> list[int]:
    """The permutation ``np.argsort(values)`` returns with numpy's portable introsort (median-of-3 quicksort,
    insertion sort below 16 elements; no SIMD dispatch). Equal values end up in an order that depends on
    this algorithm, and numpy builds with AVX-512 argsort order them differently."""
    order = list(range(len(values)))
    stack: list[tuple[int, int]] = []
    lo, hi = 0, len(values) - 1

    def less(a: int, b: int) -> bool:
        return values[order[a]] < values[order[b]]

    def swap(a: int, b: int) -> None:
        order[a], order[b] = order[b], order[a]

    while True:
        while hi - lo > 15:  # numpy's SMALL_QUICKSORT
            mid = lo + ((hi - lo) >> 1)
            if less(mid, lo):
                swap(mid, lo)
            if less(hi, mid):
                swap(hi, mid)
            if less(mid, lo):
                swap(mid, lo)
            pivot = values[order[mid]]
            i, j = lo, hi - 1
            swap(mid, j)
            while True:
                i += 1
                while values[order[i]] < pivot:
                    i += 1
                j -= 1
                while pivot < values[order[j]]:
                    j -= 1
                if i >= j:
                    break
                swap(i, j)
            swap(i, hi - 1)
            if i - lo < hi - i:  # numpy pushes the larger part and continues with the smaller
                stack.append((i + 1, hi))
                hi = i - 1
            else:
                stack.append((lo, i - 1))
                lo = i + 1
        for i in range(lo + 1, hi + 1):
            item, j = order[i], i
            while j > lo and values[item] < values[order[j - 1]]:
                order[j] = order[j - 1]
                j -= 1
            order[j] = item
        if not stack:
            return order
        lo, hi = stack.pop()


def edd_released(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """EDD as the seed paper's released code ran it: ``np.argsort(d)`` with numpy's introsort tie order.
    Reproduces Table 2's EDD (46.61 % and its class values); the stable EDD gives 46.48 %."""
    return numpy_introsort_argsort(d)


def spt(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Shortest processing time, ties by earlier due date, then index."""
    return spt_order(p, d)


def mdd_pick(p: Sequence[int], d: Sequence[int], left: Sequence[int], t: int) -> int:
    """The job of ``left`` with the smallest modified due date max(d_j, t + p_j), first on ties."""
    return first_best(left, lambda j: max(d[j], t + p[j]))


def mdd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Modified due date (Baker & Bertrand 1982): smallest max(d_j, t + p_j); ties by index."""
    return _dispatch(p, d, list(range(len(p))), mdd_pick)


def psk(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Panwalkar, Smith & Koulamas (1993): scan the unscheduled jobs in SPT order (ties by d) and keep the
    job of smallest modified due date, first on ties. This is MDD with SPT tie-breaking (Alidaee & Gopalan
    1997 prove PSK selects a minimum-MDD job)."""
    return _dispatch(p, d, spt_order(p, d), mdd_pick)


def mddc_priority(p: Sequence[int], d: Sequence[int], left: Sequence[int], t: int) -> Callable[[int], float]:
    """MDDC's μ_j at time t for the unscheduled jobs ``left`` (the shared README, steps 1-4)."""
    longest = max(p[i] for i in left)
    mean = sum(p[i] for i in left) / len(left)

    def mu(j: int) -> float:
        value = max(1.1 * p[j] + t, float(d[j]))
        rho = min(1.0, divide(p[j], t + longest))  # nan becomes 1
        square = rho * rho
        value = value * (1 + divide(square, 1 + square))
        return value + divide(p[j], t + mean)

    return mu


def mddc_pick(p: Sequence[int], d: Sequence[int], left: Sequence[int], t: int) -> int:
    return first_best(left, mddc_priority(p, d, left, t))


def mddc(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """MDD Challenger (the seed paper, as released): smallest μ_j; initial order EDD with ties by p."""
    return _dispatch(p, d, edd_order(p, d), mddc_pick)


def eddc(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """EDD Challenger (the seed paper, as released): from SPT order (ties by d), an insertion sort towards
    EDD in which a job passes its predecessor only while that predecessor would be early where it stands."""
    s = spt_order(p, d)
    for i in range(1, len(s)):
        j = i
        while j > 0 and d[s[j]] < d[s[j - 1]]:
            completion = sum(p[s[k]] for k in range(j))
            if d[s[j - 1]] > completion:
                s[j - 1], s[j] = s[j], s[j - 1]
            j -= 1
    return s


def panneerselvam(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Panneerselvam (2006): largest (p(U) - d_j) / p_j over the unscheduled jobs U. Ties go to the LAST
    job in index order: only that reproduces the paper's 411.49 / 366.68 / 3433.60 % (first: 411.45 /
    366.74 / 3433.59)."""
    left, order = list(range(len(p))), []
    remaining = sum(p)
    while left:
        j = first_best(left[::-1], lambda i, total=remaining: divide(total - d[i], p[i]), largest=True)
        order.append(j)
        left.remove(j)
        remaining -= p[j]
    return order


def plain_tardiness(p: Sequence[int], d: Sequence[int], order: Sequence[int]) -> int:
    """ΣT_j of ``order`` in plain Python."""
    t = total = 0
    for j in order:
        t += p[j]
        total += max(0, t - d[j])
    return total


def augmented(rule_pick: Callable, initial: Callable) -> Rule:
    """Bean & Hall's augmentation: after each job is appended, move the earlier job whose move to the end
    lowers the partial total tardiness most (first on ties), if any does."""

    def rule(p: Sequence[int], d: Sequence[int]) -> list[int]:
        left, order, t = initial(p, d), [], 0
        while left:
            j = rule_pick(p, d, left, t)
            order.append(j)
            left.remove(j)
            t += p[j]
            best, best_k = plain_tardiness(p, d, order), -1
            for k in range(len(order) - 1):
                moved = plain_tardiness(p, d, [*order[:k], *order[k + 1 :], order[k]])
                if moved < best:
                    best, best_k = moved, k
            if best_k >= 0:
                order.append(order.pop(best_k))
        return order

    return rule


aug_mdd = augmented(mdd_pick, lambda p, d: list(range(len(p))))
aug_mddc = augmented(mddc_pick, edd_order)


def _dispatch_keyed(p: Sequence[int], d: Sequence[int], priority: Callable[[int, int], float]) -> list[int]:
    """Smallest (priority(j, t), d_j, p_j, j) first: the tie-breaking of the classic rules ATC and COVERT."""
    return _dispatch(
        p,
        d,
        list(range(len(p))),
        lambda p, d, left, t: min(left, key=lambda i: (priority(i, t), d[i], p[i], i)),
    )


def atc(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Apparent tardiness cost (Vepsalainen & Morton), unit weights, look-ahead k times the mean p."""
    mean = sum(p) / len(p) if p else 1.0
    return _dispatch_keyed(
        p, d, lambda j, t: -(1.0 / max(p[j], 1e-9)) * math.exp(-max(0, d[j] - p[j] - t) / (k * mean))
    )


def covert(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Cost over time (Carroll), unit weights."""

    def priority(j: int, t: int) -> float:
        slack = max(0, d[j] - p[j] - t)
        return -(1.0 / max(p[j], 1e-9)) * max(0.0, 1 - slack / (k * max(p[j], 1e-9)))

    return _dispatch_keyed(p, d, priority)


REFERENCE: dict[str, Rule] = {
    "edd": edd,
    "spt": spt,
    "mdd": mdd,
    "atc": atc,
    "covert": covert,
    "eddc": eddc,
    "mddc": mddc,
    "aug-mdd": aug_mdd,
    "aug-mddc": aug_mddc,
    "psk": psk,
    "panneerselvam": panneerselvam,
}
