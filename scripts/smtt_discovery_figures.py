"""Figures of the SMTT discovery set-up: cost of the proven training optima, the seeds' fitness with
bootstrap intervals (do the scores stay apart?), the cost of one candidate evaluation, and the baselines'
gap against CPU time on a test set (the reference points of the Pareto front).

Usage: python scripts/smtt_discovery_figures.py [--sizes 25,50] [--per-class 8] [--budget 0.02]
       [--workers 2] [--test-set n100] [--pareto-budgets 0.005,0.02,0.08] [--cache-dir DIR] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from pathlib import Path

from optagent.benchmarks.registry import data_dir
from optagent.benchmarks.smtt.discovery import Evaluator, TrainingSpec, load_training, pareto
from optagent.benchmarks.smtt.discovery.fitness import compare
from optagent.benchmarks.smtt.discovery.template import SEEDS
from optagent.benchmarks.smtt.exact_bb import solve_bb
from optagent.benchmarks.smtt.instances import load_set
from optagent.sandbox import WorkerPool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,50")
    parser.add_argument("--per-class", type=int, default=8)
    parser.add_argument("--budget", type=float, default=0.02)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--test-set", default="n100")
    parser.add_argument("--pareto-budgets", default="0.005,0.02,0.08")
    parser.add_argument("--cache-dir", type=Path, default=None, help="a fresh folder re-proves the optima")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")

    spec = TrainingSpec(tuple(int(x) for x in args.sizes.split(",")), args.per_class)
    start = time.perf_counter()
    train = load_training(spec, cache_dir=args.cache_dir)
    print(
        f"training set: {spec.describe()}: {len(train.instances)} proven, {len(train.unproven)} left out, "
        f"{time.perf_counter() - start:.1f} s to load ({train.path})"
    )
    for n in spec.sizes:
        sample = [i for i in train.instances if i.n == n][:: max(1, args.per_class // 2)]
        seconds = [solve_bb(i.p, i.d).seconds for i in sample]
        print(
            f"  proving {n}-job optima again on {len(sample)} of them: "
            f"median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s"
        )

    with WorkerPool(args.workers) as pool:
        evaluator = Evaluator(train.instances, pool, budget_s=args.budget, parallel=args.workers)
        print(
            f"\nseeds on the training set, budget {args.budget:g} s CPU per instance, {args.workers} workers:"
        )
        print("| seed | fitness | gap % [95 % CI] | optimal | CPU ms / instance | wall s / evaluation |")
        print("|---|---|---|---|---|---|")
        results = []
        for seed in SEEDS:
            start = time.perf_counter()
            result = evaluator.evaluate(seed.code)
            wall = time.perf_counter() - start
            s = result.score
            results.append((seed.name, result))
            print(
                f"| {seed.name} | {s.fitness:.4f} | {s.gap:.4f} [{s.ci[0]:.4f}, {s.ci[1]:.4f}] | "
                f"{s.optimal}/{s.instances} | {s.cpu_ms:.3g} | {wall:.1f} |",
                flush=True,
            )
        ranked = sorted(results, key=lambda r: r[1].score.fitness)
        print("\npaired bootstrap between neighbours in the ranking (difference of fitness, 95 % interval):")
        for (a, ra), (b, rb) in itertools.pairwise(ranked):
            c = compare(evaluator.bootstrap, ra.values, ra.score, rb.values, rb.score)
            verdict = "apart" if c.better else "within the noise"
            print(f"  {a} - {b}: {c.difference:+.4f} [{c.ci[0]:+.4f}, {c.ci[1]:+.4f}] {verdict}")

        if args.test_set.lower() != "none":
            tests = load_set(args.test_set, data_dir(args.data_dir))
            budgets = [float(x) for x in args.pareto_budgets.split(",")]
            points = pareto.measure(
                pareto.baselines(), tests, pool, budgets, set_name=args.test_set, parallel=args.workers
            )
            points += pareto.built_in(pareto.BUILT_IN, tests, args.test_set)
            print()
            print(pareto.markdown(points, args.test_set))
    print(f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared: wall times are noisy)")


if __name__ == "__main__":
    main()
