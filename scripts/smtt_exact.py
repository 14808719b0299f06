"""SMTT exact solvers on the shared sets; prints figures (no assertions).

Usage:
  python scripts/smtt_exact.py dp-all                      # all 2,400 stored 20-job optima by the subset DP
  python scripts/smtt_exact.py bb --set n200 --out runs/smtt-exact/n200.jsonl [--time-limit 60] [--clock cpu]
        [--backend auto|compiled|python] [--ids ID,...] [--every K]
  python scripts/smtt_exact.py summary runs/smtt-exact/n200.jsonl [--markdown]
  python scripts/smtt_exact.py mip --set n20 --every 40 --out runs/smtt-exact/mip20.jsonl   # HiGHS MIP

``bb`` and ``mip`` append one JSON line per instance to --out as soon as it is solved (flushed and fsynced: a
killed run loses nothing) and skip the ids already there, so the same command resumes. A line has the value,
proven or not, wall and CPU seconds, subproblems, the stored optimum and the machine's load average before and
after. Run it on one core: ``taskset -c 1 python scripts/smtt_exact.py bb ...``. ``--ids`` reruns chosen
instances (outliers measured while the machine was busy); ``summary`` keeps the last line per id.

Measured (compiled search, one core of the shared 2-core machine, 60 s of CPU time per instance; per-class
tables and the machine's load are in the README's SMTT section): every instance of n100, n200 and n500 proven,
each equal to the stored optimum; CPU seconds median / slowest: n = 100 0.00 / 0.02, n = 200 0.02 / 0.15,
n = 500 0.09 / 19.1 (hardest: R = 0.2 with T >= 0.4, then T = 0.6); the slowest wall time was 45 s (n = 500,
load 3.2-6.6). The Python fallback proves all of n100 and n200 (slowest 5.9 s CPU) and 157 of 200 of n500.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from optagent.benchmarks.registry import data_dir
from optagent.benchmarks.smtt.exact_bb import BACKENDS, CLOCKS, solve_bb
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.exact_mip import solve_mip
from optagent.benchmarks.smtt.instances import load_set


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _done(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def run(args: argparse.Namespace) -> None:
    instances = load_set(args.set, data_dir(args.data_dir))[:: args.every]
    if args.ids:
        wanted = set(args.ids.split(","))
        instances = [i for i in instances if i.id in wanted]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    skip = set() if args.ids else _done(out)
    with out.open("a", encoding="utf-8") as sink:
        for instance in instances:
            if instance.id in skip:
                continue
            load_before, cpu = _load(), time.process_time()
            if args.what == "mip":
                result = solve_mip(instance.p, instance.d, time_limit=args.time_limit)
            else:
                result = solve_bb(
                    instance.p, instance.d, time_limit=args.time_limit, backend=args.backend, clock=args.clock
                )
            row = {
                "id": instance.id,
                "class": instance.group,
                "n": instance.n,
                "value": result.value,
                "proven": result.proven,
                "stored_optimum": instance.opt,
                "wall_s": round(result.seconds, 3),
                "cpu_s": round(time.process_time() - cpu, 3),
                "subproblems": result.subproblems,
                "backend": result.backend or args.what,
                "clock": "wall" if args.what == "mip" else args.clock,
                "time_limit": args.time_limit,
                "load_before": load_before,
                "load_after": _load(),
                "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            os.fsync(sink.fileno())
            print(
                f"{row['id']} {row['class']}: {row['value']} "
                f"{'proven' if row['proven'] else 'NOT proven'} in {row['cpu_s']:.2f} s CPU "
                f"({row['wall_s']:.2f} s wall, load {load_before}); stored {instance.opt}",
                flush=True,
            )
    summarize([out], markdown=False)


def summarize(paths: list[Path], *, markdown: bool) -> None:
    rows: dict[str, dict] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["id"]] = row  # the last line per id: reruns replace earlier measurements
    if not rows:
        print("no results")
        return
    by_class: dict[str, list[dict]] = {}
    for row in rows.values():
        by_class.setdefault(row["class"], []).append(row)
    table = [(name, by_class[name]) for name in sorted(by_class)] + [("all", list(rows.values()))]
    wrong = [r["id"] for r in rows.values() if r["proven"] and r["stored_optimum"] not in (None, r["value"])]
    loads = [r["load_before"] for r in rows.values()]

    def kinds(field: str) -> str:
        return "/".join(sorted({str(r[field]) for r in rows.values()}))

    head = (
        f"{len(rows)} instances (n = {kinds('n')}), {kinds('backend')} search, {kinds('time_limit')} s "
        f"{kinds('clock')} time limit; load average during the runs {min(loads):g}-{max(loads):g} "
        f"(median {statistics.median(loads):g}); proven values differing from the stored optimum: "
        f"{len(wrong)} {wrong if wrong else ''}".rstrip()
    )
    if markdown:
        print(head + "\n")
        print("| class (R, T) | proven | median CPU s | max CPU s | max wall s |")
        print("|---|---|---|---|---|")
    else:
        print(head)
    for name, group in table:
        proven = [r for r in group if r["proven"]]
        cpu = [r["cpu_s"] for r in proven]
        median = f"{statistics.median(cpu):.2f}" if cpu else "-"
        slowest = f"{max(cpu):.2f}" if cpu else "-"
        wall = f"{max(r['wall_s'] for r in proven):.2f}" if proven else "-"
        if markdown:
            print(f"| {name} | {len(proven)}/{len(group)} | {median} | {slowest} | {wall} |")
        else:
            print(
                f"  {name:>14}: {len(proven):>3}/{len(group)} proven, CPU s median {median}, max {slowest}; "
                f"max wall {wall} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["dp-all", "bb", "summary", "mip"])
    parser.add_argument("files", nargs="*", type=Path, help="result files (summary)")
    parser.add_argument("--set", default="n100")
    parser.add_argument("--out", default=None, help="JSON lines file the results are appended to")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--clock", choices=list(CLOCKS), default="cpu", help="bb: limit CPU or wall time")
    parser.add_argument("--backend", choices=list(BACKENDS), default="auto")
    parser.add_argument("--ids", default=None, help="comma-separated instance ids (reruns them)")
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance")
    parser.add_argument("--markdown", action="store_true", help="summary as a Markdown table")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.what == "summary":
        summarize(args.files, markdown=args.markdown)
    elif args.what in ("bb", "mip"):
        if not args.out:
            parser.error(f"{args.what} needs --out FILE (results are appended there)")
        run(args)
    else:
        root = data_dir(args.data_dir)
        for name in ("n20", "n20-alt", "n20-normal"):
            instances = load_set(name, root, keep_nonpositive=True)
            start = time.perf_counter()
            agree = sum(solve_dp(i.p, i.d)[0] == i.opt for i in instances)
            print(
                f"{name}: DP reproduces {agree}/{len(instances)} stored optima "
                f"({(time.perf_counter() - start) / len(instances):.2f} s per instance)",
                flush=True,
            )


if __name__ == "__main__":
    main()
