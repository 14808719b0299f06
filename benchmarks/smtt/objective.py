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
    t, total = start, start * 0  # the data's own type: int64 or float64
    for j in order:
        t += p[j]
        if t > d[j]:
            total += t - d[j]
    return total


def total_tardiness(
    p: Sequence[float], d: Sequence[float], order: Sequence[int], start: float = 0
) -> int | float:
    """ΣT_j of ``order``: on integers in int64 (exact); other data in float64, never truncated."""
    pa, da = np.asarray(p), np.asarray(d)
    if pa.dtype.kind in "iub" and da.dtype.kind in "iub" and float(start).is_integer():
        return int(tardiness(as_ints(pa), as_ints(da), as_ints(order), int(start)))
    floats = (np.ascontiguousarray(pa, dtype=np.float64), np.ascontiguousarray(da, dtype=np.float64))
    return float(tardiness(*floats, as_ints(order), float(start)))


def is_permutation(order: Sequence[int], n: int) -> bool:
    if isinstance(order, np.ndarray):
        return order.shape == (n,) and np.array_equal(np.sort(order), np.arange(n))
    return len(order) == n and sorted(order) == list(range(n))
