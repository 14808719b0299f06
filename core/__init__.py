"""optagent: natural-language optimization problems to verified mathematical models."""

from __future__ import annotations

from optagent.errors import FormulationInvalid, InputError, OptagentError, SolverUnavailable

__version__ = "0.1.0"

__all__ = [
    "FormulationInvalid",
    "InputError",
    "OptagentError",
    "SolverUnavailable",
    "__version__",
]
