"""Each attempt of the agent is a typed step: it renders itself into logs and into the next prompt."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from optagent.agent.llm.types import LLMResponse


@dataclass(frozen=True)
class LLMCall:
    tag: str
    prompt_version: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    cached: bool = False

    @classmethod
    def of(cls, tag: str, version: str, response: LLMResponse) -> LLMCall:
        return cls(
            tag,
            version,
            response.usage.prompt_tokens,
            response.usage.completion_tokens,
            response.cost_usd,
            response.latency_s,
            response.cached,
        )


@dataclass(frozen=True)
class Step:
    """``node`` ran; ``outcome`` is a short word (ok, invalid, error, infeasible, disagree, ...)."""

    node: str
    outcome: str
    summary: str
    feedback: str = ""
    llm: LLMCall | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def render(self) -> str:
        text = f"[{self.node}] {self.outcome}: {self.summary}"
        if self.feedback:
            text += "\n  " + self.feedback.replace("\n", "\n  ")
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
