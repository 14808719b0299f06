"""Miss triage on the LogiOR reference models: speed and outcomes.

Each reference formulation in examples/logior is solved once; two records per model are then written as if the
agent had answered with that optimum while the label says 0.9x and 1.1x of it. The triage of those misses is
timed (median of --repeat runs), its cases are counted, and every case (e) ("worse than the optimum, yet
unattainable") is checked by a separate solve for the attainable objective nearest to the label on its side.

    python scripts/bench_triage.py [--seconds 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

from optagent.evaluation.scoring import RULES
from optagent.evaluation.stats import rescore
from optagent.evaluation.triage import CASES, triage_run
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits
from optagent.formulations.solve import solve

REFERENCES = Path(__file__).resolve().parent.parent / "examples" / "logior"


def records() -> tuple[list[dict], dict[str, Formulation]]:
    out, models = [], {}
    for path in sorted(REFERENCES.glob("prob_*.json")):
        data = json.loads(path.read_text())
        data.pop("metadata", None)
        formulation = Formulation.from_data(data)
        result = solve(formulation, time_limit=60)
        for factor in (0.9, 1.1):
            pid = f"{path.stem}x{factor}"
            models[pid] = formulation
            record = {
                "problem_id": pid,
                "expected": {"objective": result.objective * factor, "infeasible": False, "raw": ""},
                "predicted": {"objective": result.objective, "status": "optimal"},
                "formulation": data,
                "readings": [
                    {
                        "text": "as formulated",
                        "literal": True,
                        "edit": {},
                        "status": "optimal",
                        "objective": result.objective,
                        "proven_optimal": result.termination.value == "optimal",
                    }
                ],
            }
            record["scores"] = rescore(record, [RULES["strict"]])
            out.append(record)
    return out, models


def nearest(formulation: Formulation, label: float, below: bool) -> float | None:
    """The attainable objective nearest to ``label`` from one side (None: nothing on that side)."""
    e = formulation.objective.expr
    cut = f"({e}) <= {label!r}" if below else f"({e}) >= {label!r}"
    edit = {
        "constraints": [{"name": "nearest_cut", "expr": cut}],
        "objective": {"sense": "maximize" if below else "minimize", "expr": e},
        "problem_type": None,
    }
    result = solve(apply_edits(formulation, edit), time_limit=60)
    return result.objective if result.has_solution else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time limit per triage solve")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    misses, models = records()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        found = triage_run(misses, args.seconds)
        times.append(time.perf_counter() - start)
    counts = Counter(t.case for t in found)
    print(f"{len(misses)} misses from {len(misses) // 2} reference models, {args.seconds:g} s per solve")
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"triage time: median {statistics.median(times):.2f} s over {args.repeat} runs ({runs} s)")
    print(f"solves: {sum(t.solves for t in found)}, stopped by the limit: {sum(t.ran_out for t in found)}")
    for case, (title, _) in CASES.items():
        print(f"  ({case}) {title}: {counts.get(case, 0)}")
    by_id = {r["problem_id"]: r for r in misses}
    for t in found:
        if t.case != "e":
            continue
        record = by_id[t.problem_id]
        label, optimum = record["expected"]["objective"], record["predicted"]["objective"]
        near = nearest(models[t.problem_id], label, below=label < optimum)
        said = f"{near:.10g}" if near is not None else "none (the label lies beyond every attainable value)"
        print(f"  (e) {t.problem_id}: label {label:.10g}, nearest attainable on its side: {said}")


if __name__ == "__main__":
    main()
