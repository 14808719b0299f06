"""What the nodes work with besides the state: the LLM, the sandbox and the run's settings."""

from __future__ import annotations

from dataclasses import dataclass

from optagent.agent.config import RunConfig
from optagent.agent.llm.types import LLM, LLMRequest, Message
from optagent.agent.steps import LLMCall
from optagent.prompts import Prompt, render
from optagent.sandbox.executor import Executor


@dataclass
class Deps:
    llm: LLM
    executor: Executor
    config: RunConfig
    sample: int = 0

    def ask(self, tag: str, prompt: Prompt, *, json_mode: bool = False) -> tuple[str, LLMCall]:
        """One LLM call with the system prompt; returns the text and its accounting."""
        system = render("system")
        request = LLMRequest(
            messages=(Message("system", system.text), Message("user", prompt.text)),
            temperature=self.config.temperature,
            seed=self.sample if self.config.temperature > 0 else None,
            json_mode=json_mode,
            tag=tag,
            sample=self.sample,
        )
        response = self.llm.complete(request)
        return response.text, LLMCall.of(tag, f"{prompt.name}@{prompt.version}", response)
