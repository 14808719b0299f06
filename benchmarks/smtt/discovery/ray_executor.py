"""Sandbox jobs on a Ray cluster (the optional ``[ray]`` extra): the same sandbox, one task per job.

Each task runs its job in optagent's sandbox on the node that takes it (a warm worker pool kept per Ray
worker process), so a candidate meets the same isolation, limits and result contract as on one machine;
only the JSON job and the JSON result travel. Every node needs optagent installed (with its sandbox).
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from optagent.errors import InputError
from optagent.sandbox import ExecStatus, ExecutionResult, Job, Limits

_POOL: Any = None
_POOL_LOCK = threading.Lock()
SLACK_S = 60.0  # scheduling and start-up time a task may take beyond its job's own wall limit


def run_on_node(spec: dict[str, Any]) -> dict[str, Any]:
    """Body of the Ray task: run one job in this node's sandbox pool; the result as a JSON-ready dict."""
    from optagent.sandbox import WorkerPool

    global _POOL
    limits = Limits.from_dict(spec["limits"])
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(1, limits=limits)
            atexit.register(_POOL.close)
    job = Job(spec["code"], contract=spec["contract"], instances=spec["instances"], limits=limits)
    return _POOL.run(job).to_dict()


class RayExecutor:
    """An :class:`optagent.sandbox.Executor` whose jobs run as Ray tasks (thread-safe, like the pool)."""

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise InputError(
                "--executor ray needs the ray package", hint="pip install 'optagent[ray]' (on every node)"
            ) from None
        self._ray = ray
        self._owns = not ray.is_initialized()
        if self._owns:
            try:
                ray.init(
                    address=address,
                    num_cpus=None if address else num_cpus,
                    include_dashboard=False,
                    log_to_driver=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise InputError(
                    f"cannot start or reach Ray at {address or 'a new local instance'}: {exc}",
                    hint="check --address (e.g. ray://head:10001 or auto) and that the cluster runs",
                ) from None
        self._task = ray.remote(num_cpus=1, max_retries=0)(run_on_node)
        self.isolation = "ray"

    def run(self, job: Job) -> ExecutionResult:
        spec = {
            "code": job.code,
            "contract": job.contract.value,
            "instances": job.instances,
            "limits": job.limits.to_dict(),
        }
        ref = self._task.remote(spec)
        try:
            data = self._ray.get(ref, timeout=job.limits.timeout_s + SLACK_S)
        except self._ray.exceptions.GetTimeoutError:
            self._ray.cancel(ref, force=True)
            return ExecutionResult(
                ExecStatus.TIMEOUT, f"the Ray task did not finish within {job.limits.timeout_s + SLACK_S:g} s"
            )
        except self._ray.exceptions.RayError as exc:
            return ExecutionResult(
                ExecStatus.KILLED, f"the Ray task failed: {type(exc).__name__}: {exc}"[:500]
            )
        return ExecutionResult.from_dict(data)

    def close(self) -> None:
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
