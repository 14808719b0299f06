"""Resource limits for one sandboxed execution, validated on construction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from optagent.errors import InputError


@dataclass(frozen=True)
class Limits:
    """What one program may use. Every limit is enforced by the sandbox, not requested of the program.

    ``solver_time_limit`` and ``solver_threads`` are injected into HiGHS, Gurobi, SCIP and Pyomo solves
    the program starts; ``None`` for the time limit means 80 % of ``timeout_s``.
    """

    timeout_s: float = 60.0
    cpu_s: float | None = None
    memory_mb: int = 2048
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    output_bytes: int = 65536
    solver_time_limit: float | None = None
    solver_threads: int = 1
    max_variables: int = 20000

    def __post_init__(self) -> None:
        positive = {
            "timeout_s": self.timeout_s,
            "memory_mb": self.memory_mb,
            "max_processes": self.max_processes,
            "max_file_mb": self.max_file_mb,
            "max_open_files": self.max_open_files,
            "output_bytes": self.output_bytes,
            "solver_threads": self.solver_threads,
            "max_variables": self.max_variables,
        }
        if self.cpu_s is not None:
            positive["cpu_s"] = self.cpu_s
        if self.solver_time_limit is not None:
            positive["solver_time_limit"] = self.solver_time_limit
        for name, value in positive.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InputError(
                    f"sandbox limit {name}={value!r} is not a positive number",
                    hint=f"give {name} a value above zero",
                )
        if self.memory_mb < 64:
            raise InputError(
                f"sandbox limit memory_mb={self.memory_mb} is too small to start Python",
                hint="use at least 64 MB (the default is 2048)",
            )

    @property
    def cpu_seconds(self) -> float:
        """CPU-time limit: explicit, or the wall limit times the solver threads (threads add CPU time)."""
        return self.cpu_s if self.cpu_s is not None else self.timeout_s * self.solver_threads + 1.0

    @property
    def solver_seconds(self) -> float:
        """Time limit injected into solver calls."""
        limit = self.solver_time_limit if self.solver_time_limit is not None else 0.8 * self.timeout_s
        return min(limit, self.timeout_s)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"unknown sandbox limit(s): {', '.join(unknown)}", hint=f"known: {sorted(known)}"
            )
        return cls(**data)
