"""``Answer``: what a run produced, how it was verified, and what it cost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from optagent.agent.steps import Step


@dataclass
class Answer:
    """``verdict``: ``verified`` (two independent paths agree, or the program's solution satisfies the
    formulation), ``solved`` (one path only), ``disputed`` (paths disagree, budget spent) or ``failed``."""

    verdict: str
    status: str  # solution status: optimal, feasible, infeasible, unbounded, ... or "none"
    objective: float | None
    values: dict[str, Any] = field(default_factory=dict)  # IR values (name -> number or {"i,j": number})
    program_values: dict[str, float] = field(default_factory=dict)
    answer_from: str = ""  # "formulation" or "program"
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
        return self.verdict in ("verified", "solved")

    @property
    def route(self) -> list[str]:
        """The nodes visited, with their outcomes: e.g. ['understand:ok', 'formulate:invalid', ...]."""
        return [f"{s.node}:{s.outcome}" for s in self.steps]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["route"] = self.route
        return data
