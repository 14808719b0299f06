"""finish: nothing left to do; the answer is assembled from the final state."""

from __future__ import annotations

from typing import Any

from optagent.agent.deps import Deps
from optagent.agent.state import AgentState


def finish(state: AgentState, deps: Deps) -> dict[str, Any]:
    return {}
