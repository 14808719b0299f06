"""OptiBench style (ReSocratic): a JSON array of {question, index, type, results: {description: "number"}}.

The objective is the entry whose description names it (maximum/minimum/total/cost/profit...), else the last.
"""

from __future__ import annotations

import re
from pathlib import Path

from optagent.benchmarks.families.common import read_json
from optagent.benchmarks.problem import Expected, Problem, parse_number

_OBJECTIVE_WORDS = re.compile(r"\b(maxim|minim|optimal|total|objective|profit|cost|revenue)", re.I)


def objective_key(results: dict[str, str]) -> str | None:
    keys = list(results)
    named = [k for k in keys if _OBJECTIVE_WORDS.search(k)]
    return named[-1] if named else (keys[-1] if keys else None)


def load(name: str, path: Path) -> list[Problem]:
    problems = []
    for row in read_json(path):
        results = row.get("results") or {}
        quantities = {k: v for k, v in ((k, parse_number(v)) for k, v in results.items()) if v is not None}
        key = objective_key(results)
        objective = quantities.get(key) if key else None
        problems.append(
            Problem(
                dataset=name,
                id=str(row["index"]),
                text=row["question"],
                expected=Expected(objective=objective, quantities=quantities, raw=str(results)),
                problem_type=row.get("type", ""),
                source_file=str(path),
            )
        )
    return problems
