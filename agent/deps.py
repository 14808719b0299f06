"""What the nodes work with besides the state: the LLM(s), the sandbox and the run's settings."""

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
    code_llm: LLM | None = None  # the program path's model when it differs (RunConfig.code_model)

    def ask(
        self, tag: str, prompt: Prompt, *, json_mode: bool = False, program_path: bool = False
    ) -> tuple[str, LLMCall]:
        """One LLM call with the system prompt; returns the text and its accounting.

        ``program_path``: the call writes the independent program (its own model and temperature if set)."""
        cfg = self.config
        llm, temperature = self.llm, cfg.temperature
        if program_path:
            llm = self.code_llm or self.llm
            temperature = cfg.code_temperature if cfg.code_temperature is not None else cfg.temperature
        system = render("system")
        request = LLMRequest(
            messages=(Message("system", system.text), Message("user", prompt.text)),
            temperature=temperature,
            seed=self.sample if temperature > 0 else None,
            json_mode=json_mode,
            tag=tag,
            sample=self.sample,
        )
        response = llm.complete(request)
        return response.text, LLMCall.of(tag, f"{prompt.name}@{prompt.version}", response)
