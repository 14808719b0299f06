"""optagent: natural-language optimization problems to verified mathematical models.

``optagent.solve(text)`` and ``optagent.stream(text)`` are imported lazily, so ``import optagent`` stays light
(the sandbox worker imports it too).
"""

from __future__ import annotations

from typing import Any

from optagent.errors import FormulationInvalid, InputError, OptagentError, SolverUnavailable

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "FormulationInvalid",
    "InputError",
    "OptagentError",
    "SolverUnavailable",
    "__version__",
    "solve",
    "stream",
]

_LAZY = {"solve", "stream", "Answer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from optagent import agent

        return getattr(agent, name)
    raise AttributeError(f"module 'optagent' has no attribute {name!r}")
