"""The modeling agent: LLM layer, LangGraph graph with repair and cross-checks, API and chat session."""

from optagent.agent.answer import Answer, Reading
from optagent.agent.api import solve, stream
from optagent.agent.config import RunConfig

__all__ = ["Answer", "Reading", "RunConfig", "solve", "stream"]
