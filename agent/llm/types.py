"""Typed request and response of every LLM call, and the errors a backend may raise."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from optagent.errors import OptagentError


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class LLMRequest:
    """One chat completion. ``tag`` names the step (understand, formulate, ...) for logs and scripts."""

    messages: tuple[Message, ...]
    temperature: float = 0.0
    max_tokens: int = 4096
    seed: int | None = None
    stop: tuple[str, ...] = ()
    json_mode: bool = False
    tag: str = ""
    sample: int = 0  # distinguishes self-consistency samples in the cache

    def cache_key(self, model_id: str) -> str:
        """Content address: model + messages + every parameter that changes the reply."""
        payload = {k: v for k, v in asdict(self).items() if k != "tag"}
        payload["model"] = model_id
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    @property
    def prompt_text(self) -> str:
        return "\n\n".join(m.content for m in self.messages)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class LLMResponse:
    text: str
    model: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = None
    latency_s: float = 0.0
    cached: bool = False
    finish_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LLMResponse:
        data = dict(data)
        data["usage"] = Usage(**data.get("usage", {}))
        return cls(**data)


@runtime_checkable
class LLM(Protocol):
    """Every backend: OpenAI-compatible servers, local transformers models, scripted replies."""

    model_id: str

    def complete(self, request: LLMRequest) -> LLMResponse: ...


class LLMError(OptagentError):
    code = "llm"


class LLMNotConfigured(LLMError):
    code = "llm-not-configured"


class LLMAuthError(LLMError):
    code = "llm-auth"


class LLMModelNotFound(LLMError):
    code = "llm-model-not-found"


class LLMContextOverflow(LLMError):
    code = "llm-context-overflow"


class LLMTimeout(LLMError):
    code = "llm-timeout"


class LLMUnavailable(LLMError):
    """Rate limits or server errors that outlasted the retries, or a server that cannot be reached."""

    code = "llm-unavailable"
