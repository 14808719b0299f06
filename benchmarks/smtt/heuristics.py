"""Classic dispatching rules for 1||ΣT_j. Each takes (p, d) and returns a permutation of 0..n-1."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

Heuristic = Callable[[Sequence[int], Sequence[int]], list[int]]


def edd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Earliest due date (ties: shorter job first)."""
    return sorted(range(len(p)), key=lambda j: (d[j], p[j], j))


def spt(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Shortest processing time (ties: earlier due date)."""
    return sorted(range(len(p)), key=lambda j: (p[j], d[j], j))


def _dispatch(p: Sequence[int], d: Sequence[int], priority: Callable[[int, int], float]) -> list[int]:
    """Build the sequence front to back; at time t take the unscheduled job of smallest priority(j, t)."""
    left = set(range(len(p)))
    order, t = [], 0
    while left:
        j = min(left, key=lambda i: (priority(i, t), d[i], p[i], i))
        order.append(j)
        left.remove(j)
        t += p[j]
    return order


def mdd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Modified due date (Baker & Bertrand): smallest max(t + p_j, d_j)."""
    return _dispatch(p, d, lambda j, t: max(t + p[j], d[j]))


def atc(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Apparent tardiness cost (Vepsalainen & Morton), unit weights, look-ahead k times the mean p."""
    mean = sum(p) / len(p) if p else 1.0
    return _dispatch(
        p, d, lambda j, t: -(1.0 / max(p[j], 1e-9)) * math.exp(-max(0, d[j] - p[j] - t) / (k * mean))
    )


def covert(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Cost over time (Carroll), unit weights."""

    def priority(j: int, t: int) -> float:
        slack = max(0, d[j] - p[j] - t)
        return -(1.0 / max(p[j], 1e-9)) * max(0.0, 1 - slack / (k * max(p[j], 1e-9)))

    return _dispatch(p, d, priority)


HEURISTICS: dict[str, Heuristic] = {"edd": edd, "spt": spt, "mdd": mdd, "atc": atc, "covert": covert}
