"""The quantities a question asks for ("how many of each ..."), evaluated on a solution.

The model names each asked quantity with an expression of the formulation (``make['chair']``,
``sum(x[i] for i in I)``); the expression is evaluated by the formulation's own interpreter on the solution's
values (as the objective of a copy of the formulation), so nothing is ``eval``-ed.
"""

from __future__ import annotations

from typing import Any

from optagent.errors import FormulationInvalid, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.check import check_solution
from optagent.formulations.edits import apply_edits


def evaluate(
    formulation: Formulation, answers: dict[str, str], values: dict[str, Any]
) -> tuple[dict[str, float], list[str]]:
    """({asked quantity: value}, [why a quantity could not be evaluated])."""
    out: dict[str, float] = {}
    problems: list[str] = []
    for name, expr in answers.items():
        try:
            probe = apply_edits(
                formulation,
                {"objective": {"sense": "minimize", "expr": expr}, "problem_type": "MINLP"},
            )
            value = check_solution(probe, values).objective
        except FormulationInvalid as exc:
            why = "; ".join(i.format() for i in exc.report.errors[:2])  # type: ignore[attr-defined]
            problems.append(f"answer '{name}' = {expr!r} cannot be evaluated: {why}")
            continue
        except OptagentError as exc:
            problems.append(f"answer '{name}' = {expr!r} cannot be evaluated: {exc.message}")
            continue
        if value is None:
            problems.append(f"answer '{name}' = {expr!r} has no value")
        else:
            out[name] = value
    return out, problems
