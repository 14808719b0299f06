"""Run NLP4LP's OptiMUS gurobipy programs through the sandbox and compare with the dataset's labels.

Usage: python scripts/nlp4lp_programs.py [--data ../shared/benchmarks] [--workers 2] [--json]
Prints how many run, how many match (strict rule, 1e-6 relative) and why the rest differ.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from optagent.benchmarks import nlp4lp_programs as nlp
from optagent.sandbox import Limits, WorkerPool, detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get(
        "OPTAGENT_BENCHMARKS", str(Path(__file__).resolve().parents[2] / "shared" / "benchmarks")
    )
    parser.add_argument("--data", type=Path, default=Path(default))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    rows = nlp.load(args.data)
    limits = Limits(timeout_s=args.timeout)
    started = time.perf_counter()
    with WorkerPool(args.workers, limits=limits) as pool:
        outcomes = nlp.run(rows, pool, limits)
    seconds = time.perf_counter() - started
    counts = nlp.summary(outcomes)
    if args.json:
        print(
            json.dumps(
                {
                    "programs": len(rows),
                    "seconds": seconds,
                    "verdicts": counts,
                    "outcomes": [o.__dict__ for o in outcomes],
                },
                indent=2,
            )
        )
        return
    console = Console()
    console.print(
        f"NLP4LP (nlp4lp-orthought dev split, {len(rows)} programs with code), strict rule "
        f"|pred-gt|/(|gt|+1) < {nlp.TOLERANCE:g}, isolation {detect().level}, {args.workers} workers, "
        f"{seconds:.1f} s"
    )
    table = Table("verdict", "programs")
    for verdict, count in counts.most_common():
        table.add_row(verdict, str(count))
    console.print(table)
    details = Table("id", "verdict", "label", "program", "detail")
    for o in outcomes:
        if not o.verdict.startswith("match"):
            details.add_row(o.id, o.verdict, str(o.expected), str(o.predicted), o.detail)
    console.print(details)


if __name__ == "__main__":
    main()
