"""The value object every execution returns, whatever happened to the program."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class ExecStatus(str, Enum):
    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    KILLED = "killed"
    CONTRACT_VIOLATION = "contract-violation"


@dataclass(frozen=True)
class SourceLine:
    lineno: int
    text: str


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised by the program: type, message, trimmed traceback and its lines in the program."""

    type: str
    message: str
    traceback: str = ""
    lines: list[SourceLine] = field(default_factory=list)


@dataclass(frozen=True)
class Solution:
    """What the harness extracted: from a returned value or from the solved model objects."""

    status: str
    objective: float | None = None
    variables: dict[str, float] = field(default_factory=dict)
    framework: str = ""
    solver: str = ""
    raw_status: str = ""
    source: str = ""
    variables_truncated: bool = False


@dataclass(frozen=True)
class HeuristicOutput:
    """Per-instance permutations (0-based job indices) and call times of a heuristic."""

    permutations: list[list[int]]
    seconds: list[float]


@dataclass(frozen=True)
class ExecutionResult:
    """Outcome of one sandboxed run. ``message`` says in one line what happened and, if it failed, why."""

    status: ExecStatus
    message: str = ""
    contract: str = ""
    entry: str | None = None
    solution: Solution | None = None
    heuristic: HeuristicOutput | None = None
    error: ErrorInfo | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: int = 0
    stderr_bytes: int = 0
    exit_code: int | None = None
    signal: str | None = None
    duration_s: float = 0.0
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    isolation: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status is ExecStatus.OK

    @property
    def objective(self) -> float | None:
        return self.solution.objective if self.solution else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExecutionResult:
        data = dict(data)
        data["status"] = ExecStatus(data["status"])
        if data.get("solution") is not None:
            data["solution"] = Solution(**data["solution"])
        if data.get("heuristic") is not None:
            data["heuristic"] = HeuristicOutput(**data["heuristic"])
        if data.get("error") is not None:
            err = dict(data["error"])
            err["lines"] = [SourceLine(**line) for line in err.get("lines", [])]
            data["error"] = ErrorInfo(**err)
        return cls(**data)


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN/inf: callers check finiteness before building a result."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
