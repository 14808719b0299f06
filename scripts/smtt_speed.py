"""Throughput of the SMTT rules and the objective: plain Python (before) against compiled with numba (after).

Usage: python scripts/smtt_speed.py [--sizes 100,500] [--seconds 1.5] [--repeats 3]

Instances are generated (T'kindt's recipe, one per (R, T) class, seed 0), so no data is needed. "before" runs
the plain-Python definitions of ``rules_reference`` on lists (the built-in rules were such code before);
"after" runs the compiled kernels on int64 arrays, as ``evaluate`` passes them, and "after, lists" the public
functions on lists (conversion in, ``tolist`` out). Each figure is the median of ``--repeats`` runs of at
least ``--seconds`` (at least one instance). Also prints the import cost of numba and the compile time of
every kernel with an empty cache (a fresh machine) and with a warm one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from optagent.benchmarks.smtt.heuristics import HEURISTICS
from optagent.benchmarks.smtt.instances import RDD, TF, generate
from optagent.benchmarks.smtt.objective import as_ints, tardiness, total_tardiness
from optagent.benchmarks.smtt.rules_fast import KERNELS
from optagent.benchmarks.smtt.rules_reference import REFERENCE, plain_tardiness


def rate(run: Callable[[int], object], count: int, seconds: float, repeats: int) -> float:
    """Median instances per second of ``run(k)`` over instances k = 0, 1, ... (cycling)."""
    rates = []
    for _ in range(repeats):
        done, start = 0, time.perf_counter()
        while done == 0 or time.perf_counter() - start < seconds:
            run(done % count)
            done += 1
        rates.append(done / (time.perf_counter() - start))
    return statistics.median(rates)


def per_s(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.3g}"


def timed_subprocess(code: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def startup_costs() -> None:
    import os

    bare = statistics.median(timed_subprocess("pass") for _ in range(3))
    numba = statistics.median(timed_subprocess("import numba") for _ in range(3)) - bare
    compile_all = (
        "from optagent.benchmarks.smtt.heuristics import HEURISTICS\n"
        "from optagent.benchmarks.smtt.local_search import insertion\n"
        "for rule in HEURISTICS.values(): insertion([3, 1, 2], [1, 2, 3], rule([3, 1, 2], [1, 2, 3]))\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = timed_subprocess(compile_all, env) - bare
        warm = statistics.median(timed_subprocess(compile_all, env) for _ in range(3)) - bare
    print(f"import numba: {numba:.2f} s; import + first call of every rule, the objective and insertion:")
    print(f"  empty numba cache (a fresh machine): {cold:.2f} s; warm cache: {warm:.2f} s\n")


def rows_for(n: int) -> list[tuple[str, Callable, Callable, Callable]]:
    """(what, before, after on arrays, after on lists) for generated n-job instances."""
    lists = [generate(n, r, t, seed=0) for r in RDD for t in TF]
    arrays = [(as_ints(i.p), as_ints(i.d)) for i in lists]
    orders = [KERNELS["mdd"](p, d) for p, d in arrays]
    listed = [o.tolist() for o in orders]
    rows = [
        (
            "objective ΣT_j",
            lambda k: plain_tardiness(lists[k].p, lists[k].d, listed[k]),
            lambda k: tardiness(*arrays[k], orders[k]),
            lambda k: total_tardiness(lists[k].p, lists[k].d, listed[k]),
        )
    ]
    for name in KERNELS:
        before, kernel, rule = REFERENCE[name], KERNELS[name], HEURISTICS[name]
        rows.append(
            (
                name,
                lambda k, f=before: f(lists[k].p, lists[k].d),
                lambda k, f=kernel: f(*arrays[k]),
                lambda k, f=rule: f(lists[k].p, lists[k].d),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500")
    parser.add_argument("--seconds", type=float, default=1.5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    startup_costs()
    print("| what | n | before (inst/s) | after (inst/s) | after, lists (inst/s) | speed-up |")
    print("|---|---|---|---|---|---|")
    for n in (int(x) for x in args.sizes.split(",")):
        for name, before, after, after_lists in rows_for(n):
            b = rate(before, 20, args.seconds, args.repeats)
            a = rate(after, 20, args.seconds, args.repeats)
            al = rate(after_lists, 20, args.seconds, args.repeats)
            print(f"| {name} | {n} | {per_s(b)} | {per_s(a)} | {per_s(al)} | {a / b:,.0f}× |", flush=True)


if __name__ == "__main__":
    main()
