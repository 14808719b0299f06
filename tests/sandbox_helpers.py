"""Helpers shared by the sandbox tests: fixture programs, level gates, leftover-process checks."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from optagent.sandbox import ExecutionResult, Job, Limits, WorkerPool
from optagent.sandbox.isolation import job_uid, resolve_level

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
SECRET = "sk-optagent-test-secret-7f3a9c"
LEVEL = resolve_level(None)  # what a pool uses here (OPTAGENT_SANDBOX_ISOLATION can lower it)
NAMESPACED = LEVEL in ("bwrap", "unshare")
SEPARATE_UID = job_uid(LEVEL) is not None  # root: each worker's jobs run under an unprivileged uid
FAST = Limits(timeout_s=2.0, memory_mb=256, max_file_mb=16, max_open_files=64, max_processes=32)


@contextlib.contextmanager
def hostile_pool() -> Iterator[WorkerPool]:
    """Two warm workers while the host holds a secret in its environment."""
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SECRET  # the host holds a secret; the sandbox must never see it
    try:
        with WorkerPool(2, limits=FAST) as workers:
            workers.warm_up()
            yield workers
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous


def run(pool, name: str, *, limits: Limits = FAST, **kwargs) -> ExecutionResult:
    """Run a hostile program; whatever it does, the secret never leaks and it is stopped in time."""
    result = pool.run(Job(program(name), limits=limits, **kwargs))
    assert SECRET not in result.to_json(), f"{name}: the secret leaked into the result"
    assert result.duration_s < limits.timeout_s + 3, f"{name}: the job was not stopped in time"
    return result


def program(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text()


def require(level: str, what: str) -> None:
    """Skip (with the reason) when the machine's best isolation is weaker than ``level``."""
    order = ("bwrap", "unshare", "rlimits")
    if order.index(LEVEL) > order.index(level):
        pytest.skip(
            f"{what} needs isolation level {level!r}; the sandbox runs at {LEVEL!r} here "
            "(see optagent sandbox doctor)"
        )


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found
