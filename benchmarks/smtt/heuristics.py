"""The built-in dispatching rules for 1||ΣT_j; each maps (p, d) to a permutation of 0..n-1 (a list).

Classic rules: EDD, SPT, MDD, ATC, COVERT. The seed paper's (Çetinkaya et al. 2025, as released): EDDC,
MDDC, Augmented MDD / MDDC, PSK and Panneerselvam. Definitions, initial orders and tie-breaking are in
``rules_reference`` (plain Python, the oracle); these run the compiled kernels of ``rules_fast`` (arrays in
and out, for callers that keep arrays) and return exactly the same permutations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from optagent.benchmarks.smtt.objective import as_ints
from optagent.benchmarks.smtt.rules_fast import KERNELS

Heuristic = Callable[[Sequence[int], Sequence[int]], list[int]]


def _listed(name: str) -> Heuristic:
    kernel = KERNELS[name]

    def rule(p: Sequence[int], d: Sequence[int], *args: float) -> list[int]:
        return kernel(as_ints(p), as_ints(d), *args).tolist()

    rule.__name__ = name.replace("-", "_")
    rule.__doc__ = kernel.__doc__
    return rule


HEURISTICS: dict[str, Heuristic] = {name: _listed(name) for name in KERNELS}
edd, spt, mdd, mddc, atc, covert = (HEURISTICS[n] for n in ("edd", "spt", "mdd", "mddc", "atc", "covert"))
