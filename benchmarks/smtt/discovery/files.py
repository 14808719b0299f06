"""The best heuristics as standalone programs: ``optagent smtt eval --heuristic best_1.py`` runs one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from optagent.benchmarks.smtt.discovery.journal import Candidate
from optagent.benchmarks.smtt.discovery.template import DRIVER, assemble
from optagent.errors import InputError

_BUDGET = re.compile(r"^heuristic = _optagent_driver\(([0-9.eE+-]+), 0\)\s*$", re.MULTILINE)


def write_best(
    folder: Path, ranked: Sequence[Candidate], budget_s: float, training: str, top: int = 3
) -> list[Path]:
    """The ``top`` candidates, each with the driver that enforces ``budget_s`` CPU seconds per instance."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("best_*.py"):
        old.unlink()
    paths = []
    for rank, c in enumerate(ranked[:top], 1):
        s = c.score
        assert s is not None
        head = (
            f"# candidate {c.id} ({c.operator}): {c.idea}\n"
            f"# training: {training}\n"
            f"# fitness {s.fitness} = gap {s.gap} % (95 % interval {s.ci[0]} to {s.ci[1]}) "
            f"+ time {s.penalty}; {s.cpu_ms:.3g} ms CPU per instance under a budget of {budget_s:g} s\n"
        )
        path = folder / f"best_{rank}.py"
        path.write_text(head + assemble(c.code, budget_s), encoding="utf-8")
        paths.append(path)
    return paths


def read_best(path: Path) -> tuple[str, float]:
    """(candidate code, CPU budget in seconds) of a program that :func:`write_best` wrote."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc}", hint="pass a best_N.py written by smtt discover"
        ) from None
    code, marker, rest = text.partition(DRIVER.strip().splitlines()[0])
    budget = _BUDGET.search(rest)
    if not marker or budget is None:
        raise InputError(
            f"{path} is not a program written by smtt discover (its driver is missing)",
            hint="pass a best_N.py from the --out folder of smtt discover",
        )
    return code.rstrip() + "\n", float(budget.group(1))
