"""Convexity of quadratic objectives and constraints, from the eigenvalues of their Hessians.

A local solver (HiGHS's QP solver) returns a stationary point; only for a convex model is that an optimum:
minimising a convex objective (positive semidefinite Hessian) or maximising a concave one (negative
semidefinite), with ``g(x) <= u`` rows convex and ``g(x) >= l`` rows concave. The Hessian is split into the
connected blocks of the variables that multiply each other and each block's eigenvalues are computed (numpy).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optagent.formulations.lower import Lowered

MAX_BLOCK = 3000  # variables in one coupled block beyond which the check is not attempted (O(n^3))
_REL_TOL = 1e-9


@dataclass
class Convexity:
    """``convex`` is True only when every quadratic part was checked and has the right curvature."""

    convex: bool
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return "; ".join(self.problems)


def _extreme_eigenvalues(c1: np.ndarray, c2: np.ndarray, q: np.ndarray) -> tuple[float, float] | None:
    """(smallest, largest) eigenvalue of the Hessian of sum(q * x[c1] * x[c2]); None when too large."""
    cols = np.unique(np.concatenate([c1, c2]))
    pos = {c: k for k, c in enumerate(cols.tolist())}
    parent = list(range(len(cols)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    a, b = [pos[c] for c in c1.tolist()], [pos[c] for c in c2.tolist()]
    for i, j in zip(a, b):
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for k in range(len(cols)):
        groups.setdefault(root(k), []).append(k)
    lo, hi = 0.0, 0.0
    term_group = np.array([root(i) for i in a])
    a_arr, b_arr = np.array(a), np.array(b)
    for g, members in groups.items():
        if len(members) > MAX_BLOCK:
            return None
        local = {m: k for k, m in enumerate(members)}
        sel = term_group == g
        h = np.zeros((len(members), len(members)))
        for i, j, v in zip(a_arr[sel].tolist(), b_arr[sel].tolist(), q[sel].tolist()):
            li, lj = local[i], local[j]
            h[li, lj] += v
            h[lj, li] += v  # the diagonal gets 2v: d2(v x^2)/dx2
        eig = np.linalg.eigvalsh(h)
        lo, hi = min(lo, float(eig[0])), max(hi, float(eig[-1]))
    return lo, hi


def _curvature(c1: np.ndarray, c2: np.ndarray, q: np.ndarray, need: str) -> str:
    """'' when the quadratic form has the needed curvature ('convex' or 'concave'), else why not."""
    ext = _extreme_eigenvalues(c1, c2, q)
    if ext is None:
        return f"not checked (more than {MAX_BLOCK} coupled variables)"
    lo, hi = ext
    tol = _REL_TOL * max(1.0, abs(lo), abs(hi))
    if need == "convex" and lo < -tol:
        return f"not convex (Hessian eigenvalue {lo:.4g} < 0)"
    if need == "concave" and hi > tol:
        return f"not concave (Hessian eigenvalue {hi:.4g} > 0)"
    return ""


def check_convexity(lowered: Lowered) -> Convexity:
    """Curvature of the objective for its sense and of every quadratic row for its bounds."""
    problems = []
    c1, c2, q = lowered.obj_quad
    if len(q):
        sense = "maximize" if lowered.maximize else "minimize"
        why = _curvature(c1, c2, q, "concave" if lowered.maximize else "convex")
        if why:
            problems.append(f"the objective ({sense}) is {why}")
    rows, r1, r2, rq = lowered.row_quad
    for r in np.unique(rows).tolist():
        sel = rows == r
        if not np.any(rq[sel]):
            continue
        block = next(b for b in lowered.con_blocks if b.start <= r < b.stop)
        for bound, need, op in (
            (lowered.row_upper[r], "convex", "<="),
            (lowered.row_lower[r], "concave", ">="),
        ):
            if np.isfinite(bound):
                why = _curvature(r1[sel], r2[sel], rq[sel], need)
                if why:
                    problems.append(f"constraint {block.label(r)} (as 'quadratic {op} bound') is {why}")
    return Convexity(convex=not problems, problems=problems)
