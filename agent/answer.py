"""``Answer``: what a run produced, what was checked, the readings of the text, and what it cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from optagent.agent.steps import Step

VERDICTS = ("agreed", "solved", "ambiguous", "disputed", "failed")


@dataclass
class Reading:
    """One reading of the problem text and its optimum. The first reading of an answer is the formulation
    itself (``literal``, empty edit); the others are edits of it (``optagent.formulations.edits``)."""

    text: str
    literal: bool = False
    edit: dict[str, Any] = field(default_factory=dict)
    status: str = ""  # optimal, feasible, time_limit, infeasible, unbounded, invalid, ...
    objective: float | None = None
    proven_optimal: bool = False
    message: str = ""  # why an unusable reading could not be built

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """``verdict`` says what was checked (``checks`` lists it in words):

    - ``agreed``: two independent paths (the formulation and a program written from the text alone) reach
      the same optimum, and the program's solution satisfies every constraint of the formulation;
    - ``solved``: the answer rests on one path, or on paths that are not independent (``five-element``,
      ``lean``), or the program's values could not be checked against the formulation;
    - ``ambiguous``: readings of the text give different optima (``readings``); the answer is the most
      literal one;
    - ``disputed``: the paths disagree and the repair budget is spent (the formulation's answer is shown);
    - ``failed``: no answer (``failure`` says why).
    """

    verdict: str
    status: (
        str  # solution status: optimal, feasible (not proven optimal), infeasible, unbounded, ... or "none"
    )
    objective: float | None
    values: dict[str, Any] = field(default_factory=dict)  # IR values (name -> number or {"i,j": number})
    program_values: dict[str, float] = field(default_factory=dict)
    answer_from: str = ""  # "formulation" or "program"
    sense: str = ""  # "minimize" or "maximize" ("" without a formulation)
    bound: float | None = None  # best bound when the solve was stopped by a limit
    gap: float | None = None
    checks: list[str] = field(
        default_factory=list
    )  # "<kind>: <what was found>" (README: verdicts and checks)
    readings: list[Reading] = field(default_factory=list)
    quantities: dict[str, float] = field(default_factory=dict)  # each asked quantity -> its value
    formulation: dict[str, Any] | None = None
    model_text: str = ""
    code: str | None = None
    explanation: str = ""
    failure: str = ""
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    model: str = ""
    mode: str = ""
    prompt_version: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    llm_calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    seconds: float = 0.0
    agreement: float | None = None  # self-consistency: share of samples in the reported cluster

    @property
    def ok(self) -> bool:
        return self.verdict in ("agreed", "solved", "ambiguous")

    @property
    def route(self) -> list[str]:
        """The nodes visited, with their outcomes: e.g. ['formulate:invalid', 'formulate:ok', ...]."""
        return [f"{s.node}:{s.outcome}" for s in self.steps]

    def distinct_optima(self, tolerance: float = 1e-6) -> list[tuple[float, list[Reading]]]:
        """Each distinct proven optimum (within ``tolerance``, relative) with the readings that give it; the
        literal reading's optimum first."""
        groups: list[tuple[float, list[Reading]]] = []
        for reading in self.readings:
            if reading.objective is None or not (reading.proven_optimal or reading.literal):
                continue
            for value, members in groups:
                if abs(reading.objective - value) <= tolerance * (1 + abs(value)):
                    members.append(reading)
                    break
            else:
                groups.append((reading.objective, [reading]))
        return groups

    def reading_formulation(self, index: int) -> dict[str, Any]:
        """The formulation (IR data) of ``readings[index]``: the answer's formulation with its edit applied;
        chat uses it when the user picks a reading."""
        from optagent.errors import InputError
        from optagent.formulations import Formulation
        from optagent.formulations.edits import apply_edits

        if self.formulation is None or not 0 <= index < len(self.readings):
            raise InputError(
                f"there is no reading {index}", hint=f"pick one of 0..{max(0, len(self.readings) - 1)}"
            )
        edited = apply_edits(Formulation.from_data(self.formulation), self.readings[index].edit)
        return edited.model_dump(mode="json", exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["route"] = self.route
        return data
