"""The built-in dispatching rules for 1||ΣT_j, compiled; each maps (p, d) to a permutation of 0..n-1.

Classic rules: EDD, SPT, MDD, ATC, COVERT. The seed paper's (Çetinkaya et al. 2025, as released): EDDC,
MDDC, Augmented MDD / MDDC, PSK and Panneerselvam. Definitions, initial orders and tie-breaking are in
``rules_reference`` (plain Python, the oracle); these run the numba kernels of ``rules_fast`` and return
exactly the same permutations. Pass int64 numpy arrays to skip the conversion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from optagent.benchmarks.smtt import rules_fast as fast
from optagent.benchmarks.smtt.objective import as_ints

Heuristic = Callable[[Sequence[int], Sequence[int]], list[int]]


def _spt_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.lexsort((d, p))  # ascending p, ties by d, then index


def _edd_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    return np.lexsort((p, d))  # ascending d, ties by p, then index


def edd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Earliest due date, ties by index."""
    return np.argsort(as_ints(d), kind="stable").tolist()


def spt(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Shortest processing time, ties by earlier due date, then index."""
    return _spt_order(as_ints(p), as_ints(d)).tolist()


def mdd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Modified due date (Baker & Bertrand 1982): smallest max(d_j, t + p_j); ties by index."""
    pa = as_ints(p)
    return fast.mdd_from(pa, as_ints(d), np.arange(len(pa))).tolist()


def psk(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Panwalkar, Smith & Koulamas (1993): MDD scanned in SPT order (ties by d)."""
    pa, da = as_ints(p), as_ints(d)
    return fast.mdd_from(pa, da, _spt_order(pa, da)).tolist()


def eddc(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """EDD Challenger (the seed paper): from SPT, pass a predecessor only while it would be early."""
    pa, da = as_ints(p), as_ints(d)
    return fast.eddc_from(pa, da, _spt_order(pa, da)).tolist()


def mddc(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """MDD Challenger (the seed paper): smallest μ_j; initial order EDD with ties by p."""
    pa, da = as_ints(p), as_ints(d)
    return fast.mddc_from(pa, da, _edd_order(pa, da)).tolist()


def aug_mdd(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """MDD with Bean & Hall's move-to-end step after each job is appended."""
    return fast.aug_mdd(as_ints(p), as_ints(d)).tolist()


def aug_mddc(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """MDDC with Bean & Hall's move-to-end step after each job is appended."""
    pa, da = as_ints(p), as_ints(d)
    return fast.aug_mddc_from(pa, da, _edd_order(pa, da)).tolist()


def panneerselvam(p: Sequence[int], d: Sequence[int]) -> list[int]:
    """Panneerselvam (2006): largest (p(U) - d_j) / p_j; ties to the last job."""
    return fast.panneerselvam(as_ints(p), as_ints(d)).tolist()


def atc(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Apparent tardiness cost (Vepsalainen & Morton), unit weights, look-ahead k times the mean p."""
    return fast.keyed_dispatch(as_ints(p), as_ints(d), 0, float(k)).tolist()


def covert(p: Sequence[int], d: Sequence[int], k: float = 2.0) -> list[int]:
    """Cost over time (Carroll), unit weights."""
    return fast.keyed_dispatch(as_ints(p), as_ints(d), 1, float(k)).tolist()


HEURISTICS: dict[str, Heuristic] = {
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
