"""EoH-style operators: how many parents each shows and what it asks the LLM to do with them.

``new`` (EoH e1) asks for an idea unlike the parents'; ``combine`` (e2) merges two parents that behave
differently; ``modify`` (m1) changes one parent's rule or improvement step; ``tune`` (m2) changes only its
parameter values. The instructions are prompt templates (``smtt_<name>.md``), versioned with the others.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from optagent.prompts import render


@dataclass(frozen=True)
class Operator:
    name: str
    eoh: str  # the operator's name in the EoH paper
    parents: int
    weight: float

    def instruction(self) -> str:
        return render(f"smtt_{self.name}").text.strip()


OPERATORS: tuple[Operator, ...] = (
    Operator("new", "e1", 2, 0.15),
    Operator("combine", "e2", 2, 0.30),
    Operator("modify", "m1", 1, 0.35),
    Operator("tune", "m2", 1, 0.20),
)
BY_NAME = {op.name: op for op in OPERATORS}


def choose(rng: random.Random, available: int) -> Operator:
    """An operator by weight among those that ``available`` distinct parents allow."""
    usable = [op for op in OPERATORS if op.parents <= available] or [BY_NAME["modify"]]
    return rng.choices(usable, weights=[op.weight for op in usable])[0]
