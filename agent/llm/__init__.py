"""One LLM protocol with OpenAI-compatible, local transformers and scripted backends, and a response cache."""

from optagent.agent.llm.cache import CachedLLM, ResponseCache
from optagent.agent.llm.config import make_llm
from optagent.agent.llm.scripted import ScriptedLLM
from optagent.agent.llm.types import (
    LLM,
    LLMError,
    LLMNotConfigured,
    LLMRequest,
    LLMResponse,
    Message,
    Usage,
)

__all__ = [
    "LLM",
    "CachedLLM",
    "LLMError",
    "LLMNotConfigured",
    "LLMRequest",
    "LLMResponse",
    "Message",
    "ResponseCache",
    "ScriptedLLM",
    "Usage",
    "make_llm",
]
