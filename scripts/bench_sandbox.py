"""Sandbox speed: cold start versus the warm pool, per small program, and pool throughput.

Usage: python scripts/bench_sandbox.py [--repeats 15] [--programs 100] [--workers 2]
(OPTAGENT_SANDBOX_ISOLATION=unshare|rlimits measures a weaker level.)
Prints median wall time per execution of a small Pyomo+HiGHS program, a highspy program and a trivial one
(the sandbox's own cost per job) for
  (1) a bare cold `subprocess.run([python, file])` (no isolation, no limits),
  (2) a cold isolated run (fresh sandbox worker per job, same isolation as the pool),
  (3) the warm pool (pre-imported worker, one forked child per job);
then the throughput of the pool with K workers over N programs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from optagent.sandbox import ColdExecutor, Job, Limits, WorkerPool
from optagent.sandbox.isolation import job_uid, resolve_level

PYOMO = """
import pyomo.environ as pyo
m = pyo.ConcreteModel()
m.I = pyo.RangeSet(1, 10)
m.x = pyo.Var(m.I, bounds=(0, 5))
m.c = pyo.Constraint(expr=sum(m.x[i] for i in m.I) <= 20)
m.o = pyo.Objective(expr=sum(i * m.x[i] for i in m.I), sense=pyo.maximize)
pyo.SolverFactory("highs").solve(m)
print(pyo.value(m.o))
"""

HIGHSPY = """
import highspy
h = highspy.Highs()
h.setOptionValue("output_flag", False)
x = [h.addVariable(lb=0, ub=5, name=f"x{i}") for i in range(1, 11)]
h.addConstr(sum(x) <= 20)
h.maximize(sum((i + 1) * v for i, v in enumerate(x)))
print(h.getInfo().objective_function_value)
"""

TRIVIAL = """
def solve():
    print(170.0)
    return 170.0

if __name__ == "__main__":
    solve()
"""

EXPECTED = 5 * (10 + 9 + 8 + 7)


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def bare_cold(code: str, repeats: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "program.py")
        path.write_text(code)
        for _ in range(repeats):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=folder)
            times.append(time.perf_counter() - start)
            assert abs(float(proc.stdout.split()[-1]) - EXPECTED) < 1e-6, proc.stderr
    return times


def timed(executor, code: str, repeats: int, limits: Limits) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = executor.run(Job(code, limits=limits))
        times.append(time.perf_counter() - start)
        assert result.ok and abs(result.objective - EXPECTED) < 1e-6, result.message
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--programs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    limits = Limits(timeout_s=60)
    console = Console()
    level = resolve_level(None)
    console.print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"isolation: {level}; median of {args.repeats} runs; load average {os.getloadavg()[0]:.1f}"
    )
    table = Table(
        "program", "bare cold python (ms)", f"cold, {level} (ms)", f"warm pool, {level} (ms)", "speed-up"
    )
    with WorkerPool(1, limits=limits) as pool:
        ready = pool.warm_up()[0]
        console.print(
            f"worker: seccomp filter {ready.get('filter')}, not dumpable {ready.get('dumpable') is False}, "
            f"jobs under their own uid {job_uid(level) is not None}"
        )
        cold = ColdExecutor(limits=limits)
        for name, code in (("Pyomo + HiGHS", PYOMO), ("highspy", HIGHSPY), ("trivial (return 170)", TRIVIAL)):
            bare = _median_ms(bare_cold(code, args.repeats))
            cold_ms = _median_ms(timed(cold, code, args.repeats, limits))
            warm = _median_ms(timed(pool, code, args.repeats, limits))
            table.add_row(name, f"{bare:.0f}", f"{cold_ms:.0f}", f"{warm:.1f}", f"{cold_ms / warm:.0f}×")
    console.print(table)

    jobs = [Job(PYOMO if k % 2 else HIGHSPY, limits=limits) for k in range(args.programs)]
    with WorkerPool(args.workers, limits=limits) as pool:
        pool.warm_up()
        start = time.perf_counter()
        results = list(pool.map(jobs))
        elapsed = time.perf_counter() - start
    ok = sum(r.ok for r in results)
    console.print(
        f"throughput: {args.programs} programs (half Pyomo, half highspy) on {args.workers} warm workers: "
        f"{elapsed:.2f} s, {args.programs / elapsed:.1f} programs/s, {ok} ok"
    )


if __name__ == "__main__":
    main()
