"""Measure the IR's overhead: validation, compilation and solve of generated transportation models,
against the same model built directly with highspy's array API. Prints one row per size.

    python scripts/bench_ir_overhead.py [--sizes 10 50 100 200] [--repeat 3] [--no-pyomo]

Columns (seconds, best of --repeat): ``validate`` = validate(f); ``prepare`` = prepare(f), the parse/resolve
step solve() shares with validation; ``lower`` = prepared model -> arrays (the direct path's build);
``ir_solve`` = HiGHS run plus mapping values back; ``ir_total`` = solve(f, solver="highs") with default
settings (direct path; sensitivity automatic, i.e. off above 10,000 rows + columns); ``prep_share`` =
prepare / ir_total; ``sens_extra`` = what sensitivity=True adds; ``pyomo_total`` = the same solve through
Pyomo (the path before the direct one); ``direct_*`` = the hand-built highspy model; ``total_ratio`` =
ir_total / direct_total.
"""

from __future__ import annotations

import argparse
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


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pyomo", action="store_true", help="skip the Pyomo path (slow at large sizes)")
    args = ap.parse_args()
    print(f"# transportation n x n, highspy {importlib.metadata.version('highspy')}, threads=1, best of")
    print(
        f"# {args.repeat} runs, Python {platform.python_version()} on {platform.machine()}; times in seconds"
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
        f = formulation(n)
        t_val, _ = best(lambda f=f: validate(f), args.repeat)
        t_prep, prep = best(lambda f=f: prepare(f), args.repeat)
        t_lower, _ = best(lambda prep=prep: lower(prep), args.repeat)
        t_total, result = best(lambda f=f: solve(f, solver="highs"), args.repeat)
        assert result.path == "direct", result.messages
        t_sens, _ = best(lambda f=f: solve(f, solver="highs", sensitivity=True), args.repeat)
        pyomo = "-"
        if not args.no_pyomo:
            t_pyomo, _ = best(lambda f=f: solve(f, solver="highs", path="pyomo"), args.repeat)
            pyomo = f"{t_pyomo:.3f}"
        ir_solve = result.wall_time - result.build_time  # HiGHS run and values mapped back
        runs = [direct_highspy(n) for _ in range(args.repeat)]
        d_build = min(r[0] for r in runs)
        d_solve = min(r[1] for r in runs)
        d_total = min(r[0] + r[1] for r in runs)
        same = abs(result.objective - runs[0][2]) <= 1e-6 * (1 + abs(runs[0][2]))
        row = (
            n,
            n * n,
            f"{t_val:.3f}",
            f"{t_prep:.3f}",
            f"{t_lower:.3f}",
            f"{ir_solve:.3f}",
            f"{t_total:.3f}",
            f"{t_prep / t_total:.0%}",
            f"{t_sens - t_total:+.3f}",
            pyomo,
            f"{d_build:.4f}",
            f"{d_solve:.4f}",
            f"{d_total:.4f}",
            f"{t_lower / d_build:.0f}x",
            f"{t_total / d_total:.1f}x",
            same,
        )
        print(" | ".join(map(str, row)), flush=True)


if __name__ == "__main__":
    main()
