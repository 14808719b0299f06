"""SMTT exact solvers on the shared sets; prints figures (no assertions).

Usage:
  python scripts/smtt_exact.py dp-all                       # all 2,400 stored 20-job optima by the subset DP
  python scripts/smtt_exact.py bb --set n100 [--time-limit 60] [--every 1]
  python scripts/smtt_exact.py mip --set n20 --every 40     # HiGHS positional MIP on a sample
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from optagent.benchmarks.registry import data_dir
from optagent.benchmarks.smtt.exact_bb import solve_bb
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.exact_mip import solve_mip
from optagent.benchmarks.smtt.instances import load_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["dp-all", "bb", "mip"])
    parser.add_argument("--set", default="n100")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    root = data_dir(args.data_dir)
    if args.what == "dp-all":
        for name in ("n20", "n20-alt", "n20-normal"):
            instances = load_set(name, root, keep_nonpositive=True)
            start = time.perf_counter()
            agree = sum(solve_dp(i.p, i.d)[0] == i.opt for i in instances)
            print(
                f"{name}: DP reproduces {agree}/{len(instances)} stored optima "
                f"({(time.perf_counter() - start) / len(instances):.2f} s per instance)",
                flush=True,
            )
        return
    instances = load_set(args.set, root)[:: args.every]
    solver = solve_bb if args.what == "bb" else solve_mip
    rows = []
    for instance in instances:
        result = solver(instance.p, instance.d, time_limit=args.time_limit)
        rows.append((instance, result))
        print(
            f"{instance.id} {instance.group}: {result.value} "
            f"{'proven' if result.proven else 'NOT proven'} in {result.seconds:.2f} s; "
            f"stored {instance.opt}",
            flush=True,
        )
    proven = [r for _, r in rows if r.proven]
    agree = sum(r.value == i.opt for i, r in rows if r.proven)
    print(
        f"\n{args.what} on {args.set} ({len(rows)} instances, {args.time_limit:g} s limit): "
        f"{len(proven)} proven, "
        f"{agree} equal to the stored optimum; median time of the proven "
        f"{statistics.median(r.seconds for r in proven) if proven else float('nan'):.2f} s, "
        f"max {max((r.seconds for r in proven), default=float('nan')):.2f} s"
    )
    by_class: dict[str, list] = {}
    for instance, result in rows:
        by_class.setdefault(instance.group, []).append(result.proven)
    print("proven per class: " + ", ".join(f"{g} {sum(v)}/{len(v)}" for g, v in sorted(by_class.items())))


if __name__ == "__main__":
    main()
