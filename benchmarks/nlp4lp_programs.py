"""Run the OptiMUS gurobipy programs stored in NLP4LP's ``optimus_code`` field and compare with its labels.

The programs read ``parameters.json`` from their authors' disk; the row's ``parameters`` column is placed
in the work dir under that name and the one ``open(...)`` is pointed at it. Every program goes through
the sandbox's plain-script contract: the harness reads the solved model, nothing is parsed from stdout.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from optagent.errors import InputError
from optagent.sandbox import ExecutionResult, Job, Limits, WorkerPool
from optagent.sandbox.inputs import rebase_open_paths

CSV_PATH = Path("nlp4lp-orthought/datasets/processed/NLP4LP/nlp4lp.csv")
CORRECTIONS_PATH = Path("nlp4lp-orthought/datasets/processed/NLP4LP/nlp4lp_wrong.csv")
NO_SOLUTION = {"infeasible", "unbounded", "infeasible_or_unbounded"}
TOLERANCE = 1e-6  # strict rule: |pred - gt| / (|gt| + 1) < 1e-6


@dataclass(frozen=True)
class Row:
    id: str
    code: str
    parameters: str
    objective: float | None  # None: the label says there is no solution
    corrected: float | str | None = "none"  # ORThought's corrected label, "none" when not corrected
    description: str = ""  # the problem text of the row


@dataclass(frozen=True)
class Outcome:
    id: str
    verdict: str
    expected: float | None
    predicted: float | None
    detail: str


def _rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist", hint="point --data at the shared benchmarks folder"
        ) from None


def load(data_dir: Path) -> list[Row]:
    """Rows that carry a program, with their label and ORThought's correction where there is one."""
    corrections: dict[str, float | None] = {}
    if (data_dir / CORRECTIONS_PATH).exists():
        for item in _rows(data_dir / CORRECTIONS_PATH):
            corrections[item["id"]] = float(item["answer"]) if item["answer"].strip() else None
    rows = []
    for item in _rows(data_dir / CSV_PATH):
        if not item.get("optimus_code", "").strip():
            continue
        solution = json.loads(item["solution"] or "{}")
        objective = solution.get("objective")
        rows.append(
            Row(
                id=item["id"],
                code=item["optimus_code"],
                parameters=item["parameters"],
                objective=None if objective is None else float(objective),
                corrected=corrections.get(item["id"], "none"),
                description=item.get("description", ""),
            )
        )
    return rows


def job(row: Row, limits: Limits) -> Job:
    code, _ = rebase_open_paths(row.code, {"parameters.json"})
    return Job(
        code, contract="script", inputs={"parameters.json": row.parameters}, limits=limits, label=row.id
    )


def _close(a: float, b: float) -> bool:
    return abs(a - b) / (abs(b) + 1) < TOLERANCE


def classify(row: Row, result: ExecutionResult) -> Outcome:
    """Why a program's result agrees or disagrees with the label."""
    solution = result.solution
    predicted = solution.objective if solution else None
    status = solution.status if solution else None
    error = f"{result.error.type}: {result.error.message}" if result.error else result.message
    if result.error and "size-limited" in result.error.message:
        verdict = "gurobi size limit"
    elif status in NO_SOLUTION:
        verdict = (
            "match (no solution)" if row.objective is None else "program says no solution, label has one"
        )
        if result.error:
            error = f"{status}, then {error}"
    elif predicted is not None and row.objective is not None and _close(predicted, row.objective):
        verdict = "match"
    elif predicted is not None:
        corrected = row.corrected
        if isinstance(corrected, float) and _close(predicted, corrected):
            verdict = "label error (ORThought's correction agrees)"
        elif row.objective is None:
            verdict = "label says no solution, program found one"
        else:
            verdict = "objective differs"
        error = f"label {row.objective}, corrected {corrected}"
    else:
        verdict = f"program failed ({result.status.value})"
    return Outcome(row.id, verdict, row.objective, predicted, error[:200])


def run(rows: Iterable[Row], pool: WorkerPool, limits: Limits) -> list[Outcome]:
    rows = list(rows)
    results = pool.map([job(row, limits) for row in rows])
    return [classify(row, result) for row, result in zip(rows, results)]


def summary(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(outcome.verdict for outcome in outcomes)
