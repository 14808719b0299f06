"""Exact subset dynamic programme, O(2^n n) time and memory: for n up to about 25.

f(S) = min over j in S of f(S \\ {j}) + max(0, P(S) - d_j): j is the last job of S, finishing at P(S).
Vectorised with numpy one cardinality layer at a time (a layer depends only on the one below).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np

from optagent.errors import InputError

MAX_N = 25


def solve_dp(p: Sequence[int], d: Sequence[int]) -> tuple[int, list[int]]:
    n = len(p)
    if n > MAX_N:
        raise InputError(f"the subset DP takes at most {MAX_N} jobs, not {n}", hint="use --method bb or mip")
    if n == 0:
        return 0, []
    integral = all(isinstance(x, Integral) for x in (*p, *d))
    dtype = np.int64 if integral else np.float64  # other numbers are not rounded
    size = 1 << n
    masks = np.arange(size, dtype=np.int64)
    total = np.zeros(size, dtype=dtype)
    for j in range(n):
        total[masks & (1 << j) != 0] += p[j]
    popcount = np.zeros(size, dtype=np.int8)
    for j in range(n):
        popcount += ((masks >> j) & 1).astype(np.int8)
    big = np.iinfo(np.int64).max // 4 if integral else np.inf
    f = np.full(size, big, dtype=dtype)
    f[0] = 0
    last = np.full(size, -1, dtype=np.int8)
    for layer in range(1, n + 1):
        members = masks[popcount == layer]
        best = np.full(members.size, big, dtype=dtype)
        arg = np.full(members.size, -1, dtype=np.int8)
        for j in range(n):
            has = (members & (1 << j)) != 0
            sub = members[has] ^ (1 << j)
            cost = f[sub] + np.maximum(0, total[members[has]] - d[j])
            current = best[has]
            better = cost < current
            current[better] = cost[better]
            best[has] = current
            chosen = arg[has]
            chosen[better] = j
            arg[has] = chosen
        f[members] = best
        last[members] = arg
    order, mask = [], size - 1
    while mask:
        j = int(last[mask])
        order.append(j)
        mask ^= 1 << j
    value = f[size - 1]
    return (int(value) if integral else float(value)), order[::-1]
