"""The job process: forked from a worker, it locks itself down, runs the harness and reports on fd 3."""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

from optagent.sandbox import channel
from optagent.sandbox.job import PROGRAM_NAME, decode_inputs
from optagent.sandbox.lockdown import LockdownFailed, lock_job

RESULT_FD = 3
MB = 1024 * 1024


def _vm_size() -> int:
    """Address space already mapped (pre-imported modules); the memory limit comes on top of it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _set_limit(kind: int, value: int) -> None:
    soft, hard = value, value
    try:
        _, current_hard = resource.getrlimit(kind)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(kind, (soft, hard))
    except (ValueError, OSError):
        pass  # not supported here (e.g. RLIMIT_AS on macOS); doctor reports it


def apply_limits(limits: dict[str, Any], nproc: int | None) -> None:
    cpu = math.ceil(limits["cpu_s"])
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if sys.platform.startswith("linux"):
        _set_limit(resource.RLIMIT_AS, _vm_size() + int(limits["memory_mb"]) * MB)
    _set_limit(resource.RLIMIT_FSIZE, int(limits["max_file_mb"]) * MB)
    _set_limit(resource.RLIMIT_NOFILE, int(limits["max_open_files"]))
    _set_limit(resource.RLIMIT_CORE, 0)
    if nproc is not None:
        _set_limit(resource.RLIMIT_NPROC, nproc)


def _redirect(out_w: int, err_w: int, result_w: int) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.dup2(result_w, RESULT_FD)
    os.set_inheritable(RESULT_FD, False)  # subprocesses the program starts do not get the channel
    os.closerange(RESULT_FD + 1, 65536)


def _prepare_workdir(job: dict[str, Any], workdir: str) -> str:
    os.chdir(workdir)
    os.environ["HOME"] = workdir
    os.environ["TMPDIR"] = workdir
    for name, data in decode_inputs(job.get("inputs", {})).items():
        target = Path(workdir, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    path = os.path.join(workdir, PROGRAM_NAME)
    Path(path).write_text(job["code"], encoding="utf-8")
    return path


def _write_result(payload: dict[str, Any]) -> None:
    try:
        data = json.dumps(payload, allow_nan=False, default=str).encode()
    except (TypeError, ValueError) as exc:
        data = json.dumps({"status": "error", "message": f"result not serialisable: {exc}"}).encode()
    view = memoryview(channel.frame(data))
    while view:
        written = os.write(RESULT_FD, view)
        view = view[written:]


def run_child(
    job: dict[str, Any], workdir: str, fds: tuple[int, int, int], nproc: int | None, uid: int | None
) -> NoReturn:
    """Never returns: the process ends with os._exit after writing the result.

    Before any program code runs it drops every privilege (``lockdown.lock_job``, under ``uid`` when
    given) or reports why it could not. Only the job process itself reports: processes the program forks
    return through the same code and must exit without writing to the result channel (the worker would
    ignore them anyway).
    """
    code = 0
    job_pid = os.getpid()
    try:
        os.setsid()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        out_w, err_w, result_w = fds
        _redirect(out_w, err_w, result_w)
        lock_job(uid)
        path = _prepare_workdir(job, workdir)
        apply_limits(job["limits"], nproc)
        from optagent.sandbox.harness import execute

        payload = execute(job, path)
    except MemoryError:
        payload = {"status": "memory", "message": "the program ran out of its memory limit"}
    except LockdownFailed as exc:
        payload = {"status": "error", "message": f"sandbox lockdown failed, the program was not run: {exc}"}
        code = 72
    except BaseException as exc:  # the harness itself failed; report, never fall back into the worker
        payload = {"status": "error", "message": f"sandbox harness failure: {type(exc).__name__}: {exc}"}
        code = 70
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except BaseException:
        pass
    if os.getpid() != job_pid:
        os._exit(0)
    try:
        _write_result(payload)
    except BaseException:
        code = 71
    os._exit(code)
