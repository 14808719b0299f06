"""Measure the IR's overhead: validation, compilation and solve of generated transportation models,
against the same model built directly with highspy's array API. Prints one row per size.

    python scripts/bench_ir_overhead.py [--sizes 10 50 100 200] [--repeat 3] [--no-pyomo]

Columns (seconds, the best of --repeat interleaved rounds): ``validate`` = validate(f); ``prepare`` =
prepare(f), the parse/resolve step solve() shares with validation; ``lower`` = prepared model -> arrays (the
direct path's build); ``ir_solve`` = HiGHS run plus mapping values back; ``ir_total`` = solve(f,
solver="highs") with default settings (direct path; sensitivity automatic, i.e. off above 10,000 rows +
columns); ``prep_share`` = prepare / ir_total; ``sens_extra`` = what sensitivity=True adds; ``pyomo_total`` =
the same solve through Pyomo (the path before the direct one); ``direct_*`` = the hand-built highspy model;
``total_ratio`` = ir_total / direct_total.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import platform
import time

import highspy
import numpy as np

from optagent.formulations import Formulation, validate
from optagent.formulations.lower import lower
from optagent.formulations.prepare import prepare
from optagent.formulations.solve import solve


def instance(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.integers(10, 100, n)
    supply = np.full(n, int(np.ceil(demand.sum() * 1.2 / n)))
    cost = rng.integers(1, 50, (n, n))
    return supply, demand, cost


def formulation(n: int) -> Formulation:
    supply, demand, cost = instance(n)
    return Formulation.from_data(
        {
            "name": f"transport_{n}x{n}",
            "problem_type": "LP",
            "sets": [
                {"name": "P", "range": {"start": 1, "end": n}},
                {"name": "M", "range": {"start": 1, "end": n}},
            ],
            "parameters": [
                {"name": "supply", "index": ["p in P"], "value": supply.tolist()},
                {"name": "demand", "index": ["m in M"], "value": demand.tolist()},
                {"name": "cost", "index": ["p in P", "m in M"], "value": cost.tolist()},
            ],
            "variables": [{"name": "x", "index": ["p in P", "m in M"], "lower": 0}],
            "objective": {"sense": "minimize", "expr": "sum(cost[p, m] * x[p, m] for p in P for m in M)"},
            "constraints": [
                {"name": "cap", "forall": ["p in P"], "expr": "sum(x[p, m] for m in M) <= supply[p]"},
                {"name": "dem", "forall": ["m in M"], "expr": "sum(x[p, m] for p in P) >= demand[m]"},
            ],
        }
    )


def direct_highspy(n: int) -> tuple[float, float, float]:
    """(build seconds, solve seconds, objective) for the same model built with highspy arrays."""
    supply, demand, cost = instance(n)
    t0 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    nv = n * n
    h.addVars(nv, np.zeros(nv), np.full(nv, highspy.kHighsInf))
    h.changeColsCost(nv, np.arange(nv, dtype=np.int32), cost.ravel().astype(float))
    idx = np.arange(nv, dtype=np.int32).reshape(n, n)
    ones = np.ones(n)
    for p in range(n):
        h.addRow(-highspy.kHighsInf, float(supply[p]), n, idx[p, :], ones)
    for m in range(n):
        h.addRow(float(demand[m]), highspy.kHighsInf, n, idx[:, m].copy(), ones)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, h.getInfo().objective_function_value


def timed(fn) -> tuple[float, object]:
    """Seconds of one call, with the garbage collector run before and paused during it (as timeit does)."""
    gc.collect()
    gc.disable()
    try:
        t = time.perf_counter()
        out = fn()
        return time.perf_counter() - t, out
    finally:
        gc.enable()


def measure(n: int, pyomo: bool) -> dict[str, float]:
    """One round of every measurement at size n (rounds are interleaved so load drifts hit all alike)."""
    f = formulation(n)
    out: dict[str, float] = {}
    out["validate"], _ = timed(lambda: validate(f))
    out["prepare"], prep = timed(lambda: prepare(f))
    out["lower"], _ = timed(lambda: lower(prep))
    out["ir_total"], result = timed(lambda: solve(f, solver="highs"))
    assert result.path == "direct", result.messages
    out["ir_solve"] = result.wall_time - result.build_time  # HiGHS run and values mapped back
    out["sens_total"], _ = timed(lambda: solve(f, solver="highs", sensitivity=True))
    if pyomo:
        out["pyomo_total"], _ = timed(lambda: solve(f, solver="highs", path="pyomo"))
    gc.collect()
    gc.disable()
    try:
        out["direct_build"], out["direct_solve"], objective = direct_highspy(n)
    finally:
        gc.enable()
    out["direct_total"] = out["direct_build"] + out["direct_solve"]
    out["same_obj"] = abs(result.objective - objective) <= 1e-6 * (1 + abs(objective))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo path (slow at large sizes)")
    args = ap.parse_args()
    print(f"# transportation n x n, highspy {importlib.metadata.version('highspy')}, threads=1, best of")
    print(
        f"# {args.repeat} interleaved rounds, Python {platform.python_version()} on {platform.machine()}; "
        "times in seconds"
    )
    header = (
        "n",
        "vars",
        "validate",
        "prepare",
        "lower",
        "ir_solve",
        "ir_total",
        "prep_share",
        "sens_extra",
        "pyomo_total",
        "direct_build",
        "direct_solve",
        "direct_total",
        "build_ratio",
        "total_ratio",
        "same_obj",
    )
    print(" | ".join(header))
    for n in args.sizes:
        rounds = [measure(n, not args.no_pyomo) for _ in range(args.repeat)]
        t = {k: min(r[k] for r in rounds) for k in rounds[0] if k != "same_obj"}
        row = (
            n,
            n * n,
            f"{t['validate']:.3f}",
            f"{t['prepare']:.3f}",
            f"{t['lower']:.3f}",
            f"{t['ir_solve']:.3f}",
            f"{t['ir_total']:.3f}",
            f"{t['prepare'] / t['ir_total']:.0%}",
            f"{t['sens_total'] - t['ir_total']:+.3f}",
            f"{t['pyomo_total']:.3f}" if "pyomo_total" in t else "-",
            f"{t['direct_build']:.4f}",
            f"{t['direct_solve']:.4f}",
            f"{t['direct_total']:.4f}",
            f"{t['lower'] / t['direct_build']:.0f}x",
            f"{t['ir_total'] / t['direct_total']:.1f}x",
            all(r["same_obj"] for r in rounds),
        )
        print(" | ".join(map(str, row)), flush=True)


if __name__ == "__main__":
    main()
