"""Label audit: run reference models where a dataset has them, and compare copies of one benchmark.

The output is a list of rows a maintainer can act on: which problem, what the label says, what the
reference (or the other copy) says, and why they differ where that is known.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from optagent.benchmarks import registry
from optagent.benchmarks.problem import Expected, Problem
from optagent.evaluation.scoring import RULES, Prediction

_WORDS = re.compile(r"[a-z0-9]+")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class AuditRow:
    kind: str  # "reference" or "cross-version"
    dataset: str
    problem: str
    label: str
    other: str
    note: str


def _label(expected: Expected) -> str:
    return "infeasible" if expected.infeasible else str(expected.objective)


def _agree(a: Expected, b: Expected) -> bool:
    if a.infeasible or b.infeasible:
        return a.infeasible == b.infeasible
    if a.objective is None or b.objective is None:
        return False
    status = "optimal"
    return bool(RULES["strict"].check(a, Prediction(b.objective, status)))


# -- reference models
def logior_references(root: Path, references: Path) -> tuple[int, list[AuditRow]]:
    """Solve the LogiOR reference formulations written as IR; rows where they disagree with the label."""
    from optagent.formulations import Formulation
    from optagent.formulations.solve import solve

    problems = {p.id: p for p in registry.load("logior", root)}
    rows, checked = [], 0
    for path in sorted(references.glob("prob_*.json")):
        problem = problems.get(path.stem)
        if problem is None:
            continue
        checked += 1
        result = solve(Formulation.load(path), time_limit=60)
        got = Expected(objective=result.objective, infeasible=not result.has_solution)
        if not _agree(problem.expected, got):
            rows.append(
                AuditRow(
                    "reference",
                    "logior",
                    path.stem,
                    _label(problem.expected),
                    _label(got),
                    f"IR reference model ({result.termination.value})",
                )
            )
    return checked, rows


def nlp4lp_references(root: Path) -> tuple[int, list[AuditRow]]:
    """Run NLP4LP's OptiMUS programs in the sandbox and compare them with ORThought's labels (the dataset
    audited) as well as with the CSV's own ``solution``; rows where something disagrees or fails."""
    from optagent.benchmarks import nlp4lp_programs as nlp
    from optagent.sandbox import Limits, WorkerPool

    labels = {p.id: p.expected for p in registry.load("nlp4lp-orthought", root)}
    programs = nlp.load(root)
    corrected = {row.id for row in programs if row.corrected != "none"}
    limits = Limits(timeout_s=60)
    with WorkerPool(2, limits=limits) as pool:
        outcomes = nlp.run(programs, pool, limits)
    rows = []
    for o in outcomes:
        label = labels.get(o.id)
        if o.verdict.startswith("program failed") or o.verdict == "gurobi size limit":
            rows.append(
                AuditRow(
                    "reference",
                    "nlp4lp-orthought",
                    o.id,
                    _label(label) if label else "-",
                    "-",
                    f"{o.verdict}: {o.detail}",
                )
            )
            continue
        program = Expected(objective=o.predicted, infeasible=o.predicted is None)
        if label is not None and not _agree(label, program):
            rows.append(
                AuditRow(
                    "reference",
                    "nlp4lp-orthought",
                    o.id,
                    _label(label),
                    _label(program),
                    f"OptiMUS program disagrees with ORThought's label (CSV label {o.expected})"
                    + (" - in ORThought's corrections" if o.id in corrected else ""),
                )
            )
    return len(outcomes), rows


def _difference(a: Expected, b: Expected) -> str:
    if a.infeasible != b.infeasible:
        return "one copy says infeasible"
    if a.objective is None or b.objective is None:
        return "a label cannot be read"
    gap = abs(a.objective - b.objective)
    if gap <= 0.0051:
        return f"rounding only (difference {gap:.3g})"
    return f"differs by {gap:.6g} ({100 * gap / max(abs(a.objective), 1e-9):.3g}%)"


# -- copies of one benchmark
def _fingerprints(problem: Problem) -> tuple[str, tuple[str, ...]]:
    words = " ".join(_WORDS.findall(problem.text.lower()))
    return words, tuple(_NUMBERS.findall(problem.text))


def match(a: list[Problem], b: list[Problem]) -> list[tuple[Problem, Problem]]:
    """Pairs of the same problem: identical normalised wording, else the same sequence of 3+ numbers."""
    by_text, by_numbers = defaultdict(list), defaultdict(list)
    for problem in b:
        text, numbers = _fingerprints(problem)
        by_text[text].append(problem)
        if len(numbers) >= 3:
            by_numbers[numbers].append(problem)
    pairs = []
    for problem in a:
        text, numbers = _fingerprints(problem)
        candidates = by_text.get(text) or (by_numbers.get(numbers) if len(numbers) >= 3 else None) or []
        if len(candidates) == 1:
            pairs.append((problem, candidates[0]))
    return pairs


def cross_version(name: str, root: Path) -> list[tuple[str, int, list[AuditRow]]]:
    """For each other copy of the same benchmark that is present: matched problems and label disagreements."""
    spec = registry.spec(name)
    base = registry.load(name, root)
    out = []
    for other in registry.available(root):
        if other.name == name or other.benchmark != spec.benchmark:
            continue
        pairs = match(base, registry.load(other.name, root))
        rows = [
            AuditRow(
                "cross-version",
                f"{name} vs {other.name}",
                f"{p.id} ~ {q.id}",
                _label(p.expected),
                _label(q.expected),
                _difference(p.expected, q.expected),
            )
            for p, q in pairs
            if not _agree(p.expected, q.expected)
        ]
        out.append((other.name, len(pairs), rows))
    return out


REFERENCE_AUDITS = {"logior": "IR reference models (examples/logior)", "nlp4lp-orthought": "OptiMUS programs"}
