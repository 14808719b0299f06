"""Settings of one agent run, validated; recorded with every answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from optagent.errors import InputError

MODES = ("full", "ir", "code", "five-element", "lean")
LIBRARIES = ("pyomo", "gurobipy")


@dataclass(frozen=True)
class RunConfig:
    """``budget``: repair attempts allowed after the first try of each step (the run always ends).

    ``code_model`` / ``code_temperature``: another model or temperature for the program path (``full``), so
    that the two paths share less than one model's habits; empty / None means the run's own.
    """

    mode: str = "full"
    solver: str = "auto"
    budget: int = 4
    time_limit: float = 60.0
    code_library: str = "pyomo"
    code_timeout: float = 120.0
    temperature: float = 0.0
    samples: int = 1
    tolerance: float = 1e-6
    code_model: str = ""
    code_temperature: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"unknown mode {self.mode!r}", hint=f"use one of: {', '.join(MODES)}")
        if self.code_library not in LIBRARIES:
            raise InputError(
                f"unknown code library {self.code_library!r}", hint=f"use one of: {', '.join(LIBRARIES)}"
            )
        if self.budget < 0 or self.samples < 1:
            raise InputError("budget must be >= 0 and samples >= 1", hint="e.g. --budget 4 --samples 1")
        if self.time_limit <= 0 or self.code_timeout <= 0:
            raise InputError("time limits must be positive", hint="e.g. --time-limit 60")
        if self.samples > 1 and self.temperature == 0:
            object.__setattr__(self, "temperature", 0.7)  # k identical greedy samples would be pointless

    @property
    def uses_ir(self) -> bool:
        return self.mode in ("full", "ir", "five-element", "lean")

    @property
    def uses_code(self) -> bool:
        return self.mode in ("full", "code", "five-element", "lean")

    @property
    def independent(self) -> bool:
        """The program path reads the problem text itself (not the formulation, not the same reply)."""
        return self.mode == "full"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
