"""Total tardiness of a permutation schedule with no idle time from t = 0 (compiled; int64 arrays are used
as they are, other sequences are converted)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit


def as_ints(values: Sequence[int]) -> np.ndarray:
    """An int64 array of ``values`` (no copy when it already is one)."""
    return np.ascontiguousarray(values, dtype=np.int64)


@njit(cache=True, nogil=True)
def tardiness(p: np.ndarray, d: np.ndarray, order: np.ndarray, start: int = 0) -> int:
    """ΣT_j of ``order`` on int64 arrays (the kernel; no checks)."""
    t, total = start, 0
    for j in order:
        t += p[j]
        if t > d[j]:
            total += t - d[j]
    return total


def total_tardiness(p: Sequence[int], d: Sequence[int], order: Sequence[int], start: int = 0) -> int:
    return int(tardiness(as_ints(p), as_ints(d), as_ints(order), start))


def is_permutation(order: Sequence[int], n: int) -> bool:
    if isinstance(order, np.ndarray):
        return order.shape == (n,) and np.array_equal(np.sort(order), np.arange(n))
    return len(order) == n and sorted(order) == list(range(n))
