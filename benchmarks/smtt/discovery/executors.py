"""Where candidates run: the local sandbox worker pool, or Ray tasks using the sandbox on their node."""

from __future__ import annotations

from optagent.errors import InputError
from optagent.sandbox import Executor, WorkerPool

KINDS = ("local", "ray")


def make_executor(kind: str, workers: int, address: str | None = None) -> Executor:
    if kind not in KINDS:
        raise InputError(f"unknown executor {kind!r}", hint="use --executor local or --executor ray")
    if workers < 1:
        raise InputError(f"--workers {workers} must be at least 1", hint="e.g. --workers 2")
    if address and kind != "ray":
        raise InputError("--address is for --executor ray", hint="add --executor ray, or drop --address")
    if kind == "ray":
        from optagent.benchmarks.smtt.discovery.ray_executor import RayExecutor

        return RayExecutor(address, num_cpus=workers)
    return WorkerPool(workers)
