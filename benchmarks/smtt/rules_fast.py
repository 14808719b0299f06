"""Compiled (numba) versions of every built-in SMTT rule: int64 arrays in, the permutation (int64) out.

Each kernel computes exactly what its plain-Python definition in ``rules_reference`` computes, ties and float
arithmetic included (tests compare them on random instances with many ties). Kernels compile on first use
and are cached on disk (``cache=True``), so only the first run on a machine pays the compile time.
``error_model="numpy"`` makes x/0 give ±inf or nan, as in the reference and the seed paper's code.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

JIT = {"cache": True, "error_model": "numpy", "nogil": True}


@njit(**JIT)
def _drop(left: np.ndarray, m: int, k: int) -> None:
    """Remove position k from left[:m], keeping the order of the rest."""
    for i in range(k, m - 1):
        left[i] = left[i + 1]


@njit(**JIT)
def sort_by(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``order`` stably sorted by keys[order]: LSD radix sort, 8 bits a pass (merge sort for huge spans)."""
    n = order.shape[0]
    out = order.copy()
    if n < 2:
        return out
    lo = hi = keys[order[0]]
    for j in order:
        lo = min(lo, keys[j])
        hi = max(hi, keys[j])
    span = hi - lo
    if span < 0 or span >= 1 << 40:  # overflowed or too many passes
        return out[np.argsort(keys[out], kind="mergesort")]
    spare = np.empty(n, np.int64)
    count = np.empty(257, np.int64)
    shift = 0
    while (span >> shift) > 0:
        count[:] = 0
        for j in out:
            count[(((keys[j] - lo) >> shift) & 255) + 1] += 1
        for b in range(256):
            count[b + 1] += count[b]
        for j in out:
            b = ((keys[j] - lo) >> shift) & 255
            spare[count[b]] = j
            count[b] += 1
        out, spare = spare, out
        shift += 8
    return out


@njit(**JIT)
def _spt_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``np.lexsort((d, p))``: ascending p, ties by d, then index."""
    return sort_by(p, sort_by(d, np.arange(p.shape[0])))


@njit(**JIT)
def _edd_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``np.lexsort((p, d))``: ascending d, ties by p, then index."""
    return sort_by(d, sort_by(p, np.arange(p.shape[0])))


@njit(**JIT)
def _mdd_pick(p: np.ndarray, d: np.ndarray, left: np.ndarray, m: int, t: int) -> int:
    """Position in left[:m] of the smallest modified due date max(d_j, t + p_j); first on ties."""
    best_k = 0
    best = max(d[left[0]], t + p[left[0]])
    for k in range(1, m):
        v = max(d[left[k]], t + p[left[k]])
        if v < best:
            best, best_k = v, k
    return best_k


@njit(**JIT)
def _mddc_pick(p: np.ndarray, d: np.ndarray, left: np.ndarray, m: int, t: int) -> int:
    """Position in left[:m] of the smallest MDDC priority μ_j; first on ties, the first nan wins."""
    longest = p[left[0]]
    total = 0
    for k in range(m):
        longest = max(longest, p[left[k]])
        total += p[left[k]]
    mean = total / m
    best_k = 0
    best = 0.0
    for k in range(m):
        j = left[k]
        value = max(1.1 * p[j] + t, float(d[j]))
        rho = p[j] / (t + longest)
        if not rho < 1.0:  # min(1, rho) as Python's min: nan becomes 1
            rho = 1.0
        square = rho * rho
        value = value * (1 + square / (1 + square))
        value = value + p[j] / (t + mean)
        if math.isnan(value):
            return k
        if k == 0 or value < best:
            best, best_k = value, k
    return best_k


@njit(**JIT)
def eddc(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """EDD Challenger: from SPT order (ties by d), pass a predecessor only while it would be early."""
    s = _spt_order(p, d)
    n = s.shape[0]
    prefix = 0  # completion time of position i-1: the passes before i only permute positions 0..i-1
    start = s.copy()
    for i in range(1, n):
        prefix += p[start[i - 1]]
        completion = prefix
        j = i
        while j > 0 and d[s[j]] < d[s[j - 1]]:
            passed = s[j - 1]
            if d[passed] > completion:
                s[j - 1], s[j] = s[j], passed
            completion -= p[passed]  # completion time of position j-2: without the job checked here
            j -= 1
    return s


@njit(**JIT)
def panneerselvam(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Largest (p(U) - d_j) / p_j; ties (and nan) to the last job in index order."""
    n = p.shape[0]
    left = np.arange(n)
    order = np.empty(n, np.int64)
    remaining = p.sum()
    for step in range(n):
        m = n - step
        best_k = m - 1
        best = 0.0
        for k in range(m - 1, -1, -1):
            j = left[k]
            value = (remaining - d[j]) / p[j]
            if math.isnan(value):
                best_k = k
                break
            if k == m - 1 or value > best:
                best, best_k = value, k
        j = left[best_k]
        order[step] = j
        remaining -= p[j]
        _drop(left, m, best_k)
    return order


@njit(**JIT)
def prefix_tardiness(
    p: np.ndarray, d: np.ndarray, seq: np.ndarray, m: int, completion: np.ndarray, late: np.ndarray
) -> int:
    """Fill completion[i] (of seq[i]) and late[k] (total tardiness of seq[:k]) for seq[:m]; return the
    completion time of seq[:m]."""
    t = 0
    late[0] = 0
    for i in range(m):
        t += p[seq[i]]
        completion[i] = t
        late[i + 1] = late[i] + max(0, t - d[seq[i]])
    return t


@njit(**JIT)
def _move_to_end_if_better(p: np.ndarray, d: np.ndarray, order: np.ndarray, m: int) -> None:
    """Bean & Hall's step on order[:m]: move the earlier job whose move to the end lowers the partial total
    tardiness most (first on ties), if any does."""
    completion = np.empty(m, np.int64)
    late_before = np.empty(m + 1, np.int64)
    t = prefix_tardiness(p, d, order, m, completion, late_before)
    best, best_k = late_before[m], -1
    for k in range(m - 1):
        pk = p[order[k]]
        moved = late_before[k] + max(0, t - d[order[k]])
        for i in range(k + 1, m):
            moved += max(0, completion[i] - pk - d[order[i]])
        if moved < best:
            best, best_k = moved, k
    if best_k >= 0:
        job = order[best_k]
        _drop(order, m, best_k)
        order[m - 1] = job


@njit(**JIT)
def _build(p: np.ndarray, d: np.ndarray, left: np.ndarray, use_mddc: bool, augmented: bool) -> np.ndarray:
    """Dispatch by MDD or MDDC from the initial order ``left`` (consumed); ``augmented`` adds Bean & Hall's
    step after each job is appended."""
    n = left.shape[0]
    order = np.empty(n, np.int64)
    t = 0
    for step in range(n):
        m = n - step
        k = _mddc_pick(p, d, left, m, t) if use_mddc else _mdd_pick(p, d, left, m, t)
        j = left[k]
        order[step] = j
        t += p[j]
        _drop(left, m, k)
        if augmented:
            _move_to_end_if_better(p, d, order, step + 1)
    return order


@njit(**JIT)
def edd(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Earliest due date, ties by index (a stable ``argsort(d)``)."""
    return sort_by(d, np.arange(d.shape[0]))


@njit(**JIT)
def spt(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Shortest processing time, ties by earlier due date, then index."""
    return _spt_order(p, d)


@njit(**JIT)
def mdd(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Modified due date (Baker & Bertrand 1982): smallest max(d_j, t + p_j); ties by index."""
    return _build(p, d, np.arange(p.shape[0]), False, False)


@njit(**JIT)
def psk(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Panwalkar, Smith & Koulamas (1993): MDD scanned in SPT order (ties by d)."""
    return _build(p, d, _spt_order(p, d), False, False)


@njit(**JIT)
def mddc(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """MDD Challenger (the seed paper): smallest μ_j; initial order EDD with ties by p."""
    return _build(p, d, _edd_order(p, d), True, False)


@njit(**JIT)
def aug_mdd(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """MDD with Bean & Hall's move-to-end step after each job is appended."""
    return _build(p, d, np.arange(p.shape[0]), False, True)


@njit(**JIT)
def aug_mddc(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """MDDC with Bean & Hall's move-to-end step after each job is appended."""
    return _build(p, d, _edd_order(p, d), True, True)


@njit(**JIT)
def _keyed(p: np.ndarray, d: np.ndarray, rule: int, k: float) -> np.ndarray:
    """ATC (rule 0) or COVERT (rule 1): smallest (priority, d_j, p_j, j), as ``rules_reference``."""
    n = p.shape[0]
    left = np.arange(n)
    order = np.empty(n, np.int64)
    mean = p.sum() / n if n else 1.0
    t = 0
    for step in range(n):
        m = n - step
        best_k = -1
        best = 0.0
        for i in range(m):
            j = left[i]
            if rule == 0:
                value = -(1.0 / max(p[j], 1e-9)) * math.exp(-max(0, d[j] - p[j] - t) / (k * mean))
            else:
                slack = max(0, d[j] - p[j] - t)
                value = -(1.0 / max(p[j], 1e-9)) * max(0.0, 1 - slack / (k * max(p[j], 1e-9)))
            if best_k < 0:
                better = True
            else:
                b = left[best_k]
                better = value < best or (
                    value == best
                    and (d[j] < d[b] or (d[j] == d[b] and (p[j] < p[b] or (p[j] == p[b] and j < b))))
                )
            if better:
                best, best_k = value, i
        j = left[best_k]
        order[step] = j
        t += p[j]
        _drop(left, m, best_k)
    return order


@njit(**JIT)
def atc(p: np.ndarray, d: np.ndarray, k: float = 2.0) -> np.ndarray:
    """Apparent tardiness cost (Vepsalainen & Morton), unit weights, look-ahead k times the mean p."""
    return _keyed(p, d, 0, k)


@njit(**JIT)
def covert(p: np.ndarray, d: np.ndarray, k: float = 2.0) -> np.ndarray:
    """Cost over time (Carroll), unit weights."""
    return _keyed(p, d, 1, k)


KERNELS = {
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
