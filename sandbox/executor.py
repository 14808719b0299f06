"""Executors: the warm worker pool (default) and a cold one-process-per-job executor, same isolation."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, runtime_checkable

from optagent.errors import InputError
from optagent.sandbox.isolation import resolve_level
from optagent.sandbox.job import Job
from optagent.sandbox.limits import Limits
from optagent.sandbox.result import ExecStatus, ExecutionResult
from optagent.sandbox.worker_process import DEFAULT_PRELOAD, WorkerDied, WorkerProcess


@runtime_checkable
class Executor(Protocol):
    """Runs untrusted programs. ``run`` never raises for anything the program does."""

    isolation: str

    def run(self, job: Job) -> ExecutionResult: ...

    def close(self) -> None: ...


def _finish(reply: dict, job: Job, isolation: str, host_seconds: float) -> ExecutionResult:
    """The worker's reply as an ExecutionResult; a reply that does not fit is reported, never raised."""
    reply = dict(reply)
    raw_notes = reply.pop("notes", [])
    notes = [str(note) for note in raw_notes] if isinstance(raw_notes, list) else []
    if job.contract.value != "heuristic":
        limits = job.limits
        notes.append(
            f"solver limits injected: time {limits.solver_seconds:g} s, threads {limits.solver_threads}"
        )
    known = set(ExecutionResult.__dataclass_fields__)
    extra = sorted(str(k) for k in reply if k not in known)
    if extra:
        notes.append(f"ignored result fields: {extra}")
    fields = {k: v for k, v in reply.items() if k in known}
    fields.setdefault("contract", job.contract.value)
    fields.setdefault("duration_s", round(host_seconds, 6))
    try:
        return ExecutionResult.from_dict({**fields, "isolation": isolation, "notes": notes})
    except (TypeError, ValueError, KeyError) as exc:
        return ExecutionResult(
            status=ExecStatus.ERROR,
            message=f"the program's result does not have the expected shape ({type(exc).__name__}: {exc})",
            stdout=str(fields.get("stdout", "")),
            stderr=str(fields.get("stderr", "")),
            duration_s=round(host_seconds, 6),
            isolation=isolation,
            notes=notes,
        )


def _died(exc: WorkerDied, worker: WorkerProcess, isolation: str, started: float) -> ExecutionResult:
    tail = worker.stderr_tail()
    return ExecutionResult(
        status=ExecStatus.KILLED,
        message=f"{exc}; the program may have killed its supervisor (the worker is replaced)",
        stderr=tail,
        duration_s=round(time.monotonic() - started, 6),
        isolation=isolation,
    )


def _wire(job: Job) -> dict:
    wire = job.to_wire()
    wire["limits"] = {**wire["limits"], "cpu_s": job.limits.cpu_seconds}
    return wire


class WorkerPool:
    """Warm workers that pre-import the solver stack and fork one child per job.

    Thread-safe: ``run`` may be called from many threads; at most ``workers`` jobs run at once.
    A worker that dies (or hangs) is replaced before its next job.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        isolation: str | None = None,
        limits: Limits | None = None,
        preload: Iterable[str] = DEFAULT_PRELOAD,
    ) -> None:
        if workers < 1:
            raise InputError(f"workers={workers} must be at least 1", hint="use --workers 1 or more")
        self.isolation = resolve_level(isolation)
        self.limits = limits or Limits()
        self.size = workers
        self._idle: queue.Queue[WorkerProcess] = queue.Queue()
        self._all: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            worker = WorkerProcess(self.isolation, self.limits, tuple(preload))
            worker.start()  # workers import in parallel while the caller goes on
            self._all.append(worker)
            self._idle.put(worker)

    def run(self, job: Job) -> ExecutionResult:
        if self._closed:
            raise InputError("the sandbox pool is closed", hint="create a new WorkerPool")
        worker = self._idle.get()
        started = time.monotonic()
        try:
            reply = worker.request(_wire(job), job.limits.timeout_s)
        except WorkerDied as exc:
            result = _died(exc, worker, self.isolation, started)
            worker.close()
            return result
        finally:
            self._idle.put(worker)
        return _finish(reply, job, self.isolation, time.monotonic() - started)

    def map(
        self, jobs: Iterable[Job], *, on_result: Callable[[int, ExecutionResult], None] | None = None
    ) -> Iterator[ExecutionResult]:
        """Run jobs concurrently on the pool's workers; results come back in job order."""
        jobs = list(jobs)
        with ThreadPoolExecutor(max_workers=self.size) as threads:
            futures = [threads.submit(self.run, job) for job in jobs]
            for index, future in enumerate(futures):
                result = future.result()
                if on_result is not None:
                    on_result(index, result)
                yield result

    def warm_up(self) -> list[dict]:
        """Wait until every worker has finished its imports; returns their ready messages."""
        return [worker.ensure_ready() for worker in self._all]

    def close(self) -> None:
        self._closed = True
        for worker in self._all:
            worker.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ColdExecutor:
    """A fresh isolated Python per job (nothing pre-imported): the baseline the pool is measured against."""

    def __init__(
        self, *, isolation: str | None = None, limits: Limits | None = None, preload: Iterable[str] = ()
    ) -> None:
        self.isolation = resolve_level(isolation)
        self.limits = limits or Limits()
        self.preload = tuple(preload)

    def run(self, job: Job) -> ExecutionResult:
        worker = WorkerProcess(self.isolation, self.limits, self.preload, once=True)
        started = time.monotonic()
        worker.start()
        try:
            reply = worker.request(_wire(job), job.limits.timeout_s)
        except WorkerDied as exc:
            return _died(exc, worker, self.isolation, started)
        finally:
            worker.close()
        return _finish(reply, job, self.isolation, time.monotonic() - started)

    def close(self) -> None:
        pass

    def __enter__(self) -> ColdExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_program(code: str, **kwargs: object) -> ExecutionResult:
    """One-off convenience: run ``code`` in a cold executor with ``Job(code, **kwargs)``."""
    with ColdExecutor() as executor:
        return executor.run(Job(code, **kwargs))  # type: ignore[arg-type]
