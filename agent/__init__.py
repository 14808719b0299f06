"""The modeling agent: LLM layer, LangGraph graph with repair and cross-checks, API and chat session.

``solve``, ``stream``, ``Answer``, ``Reading`` and ``RunConfig`` are imported on first use, so the modules
that need only a part of the agent (LLM layer, reply parsing, prompting) do not pay for LangGraph's import.
"""

import importlib

_WHERE = {
    "Answer": "optagent.agent.answer",
    "Reading": "optagent.agent.answer",
    "RunConfig": "optagent.agent.config",
    "solve": "optagent.agent.api",
    "stream": "optagent.agent.api",
}

__all__ = ["Answer", "Reading", "RunConfig", "solve", "stream"]


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'optagent.agent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(n for n in globals() if n.startswith("__"))})
