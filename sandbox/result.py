"""The value object every execution returns, whatever happened to the program."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from optagent.sandbox.extract import STATUSES


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
    """What the harness extracted: from a returned value or from the solved model objects.

    ``status`` is ``time_limit`` when the solver stopped at its time limit; then ``objective`` is the best
    solution found (if any), ``bound`` the best bound and ``gap`` the relative gap, where the solver says.
    """

    status: str
    objective: float | None = None
    variables: dict[str, float] = field(default_factory=dict)
    framework: str = ""
    solver: str = ""
    raw_status: str = ""
    source: str = ""
    variables_truncated: bool = False
    bound: float | None = None
    gap: float | None = None


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
        """Build from data, checking every field's type: ValueError or TypeError names what does not fit.

        This is how the host reads what a worker sent: numbers must be finite numbers, variable values
        numbers, statuses known words.
        """
        data = dict(data)
        data["status"] = ExecStatus(data["status"])
        for name in ("message", "contract", "stdout", "stderr", "isolation"):
            _text(data, name)
        for name in ("entry", "signal"):
            _text(data, name, optional=True)
        for name in ("stdout_bytes", "stderr_bytes"):
            _count(data, name)
        if data.get("exit_code") is not None:
            _count(data, "exit_code", lowest=-(2**31))
        for name in ("duration_s", "cpu_s", "peak_memory_mb"):
            data.setdefault(name, 0.0)
            _finite(data, name, optional=False)
        notes = data.get("notes", [])
        if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
            raise ValueError("notes must be a list of strings")
        if data.get("solution") is not None:
            data["solution"] = _solution(data["solution"])
        if data.get("heuristic") is not None:
            data["heuristic"] = _heuristic(data["heuristic"])
        if data.get("error") is not None:
            err = dict(data["error"])
            for name in ("type", "message", "traceback"):
                _text(err, name)
            err["lines"] = [SourceLine(**line) for line in err.get("lines", [])]
            if not all(isinstance(x.lineno, int) and isinstance(x.text, str) for x in err["lines"]):
                raise ValueError("error lines must be (int lineno, str text)")
            data["error"] = ErrorInfo(**err)
        return cls(**data)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(data: dict[str, Any], name: str, *, optional: bool = False) -> None:
    value = data.get(name, None if optional else "")
    if not (isinstance(value, str) or (optional and value is None)):
        raise ValueError(f"{name} is {type(value).__name__}, not text")


def _count(data: dict[str, Any], name: str, *, lowest: int = 0) -> None:
    value = data.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
        raise ValueError(f"{name} is {value!r:.40}, not a count")


def _finite(data: dict[str, Any], name: str, *, optional: bool = True) -> None:
    value = data.get(name)
    if value is None and optional:
        return
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{name} is {value!r:.40}, not a finite number")
    data[name] = float(value)


def _solution(raw: Any) -> Solution:
    if not isinstance(raw, dict):
        raise ValueError(f"the solution is {type(raw).__name__}, not an object")
    data = dict(raw)
    if data.get("status") not in STATUSES:
        raise ValueError(f"solution status {data.get('status')!r:.40} is not one of {sorted(STATUSES)}")
    for name in ("objective", "bound", "gap"):
        _finite(data, name)
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and _is_number(v) and math.isfinite(v) for k, v in variables.items()
    ):
        raise ValueError("solution variables must map names to finite numbers")
    data["variables"] = {k: float(v) for k, v in variables.items()}
    for name in ("framework", "solver", "raw_status", "source"):
        _text(data, name)
    if not isinstance(data.get("variables_truncated", False), bool):
        raise ValueError("variables_truncated must be true or false")
    return Solution(**data)


def _heuristic(raw: Any) -> HeuristicOutput:
    if not isinstance(raw, dict):
        raise ValueError(f"the heuristic output is {type(raw).__name__}, not an object")
    orders, seconds = raw.get("permutations"), raw.get("seconds")
    if not isinstance(orders, list) or not all(
        isinstance(o, list) and all(isinstance(j, int) and not isinstance(j, bool) for j in o) for o in orders
    ):
        raise ValueError("heuristic permutations must be lists of job indices")
    if not isinstance(seconds, list) or not all(_is_number(t) and math.isfinite(t) for t in seconds):
        raise ValueError("heuristic seconds must be finite numbers")
    return HeuristicOutput(**raw)


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN/inf: callers check finiteness before building a result."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)
