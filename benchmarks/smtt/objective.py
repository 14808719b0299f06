"""Total tardiness of a permutation schedule with no idle time from t = 0."""

from __future__ import annotations

from collections.abc import Sequence


def total_tardiness(p: Sequence[int], d: Sequence[int], order: Sequence[int], start: int = 0) -> int:
    t, total = start, 0
    for j in order:
        t += p[j]
        if t > d[j]:
            total += t - d[j]
    return total


def is_permutation(order: Sequence[int], n: int) -> bool:
    return len(order) == n and sorted(order) == list(range(n))
