"""Sandbox worker: started (inside the isolation) by the host, pre-imports the solver stack, then runs
one job at a time in a forked child. Protocol: one JSON object per line on stdin/stdout."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import os
import sys
from typing import Any

PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _in_new_pidns(host_pidns: str) -> bool:
    """True only when this process provably lives in a PID namespace other than the host's."""
    if not host_pidns:
        return False
    try:
        return os.readlink("/proc/self/ns/pid") != host_pidns
    except OSError:
        return False


def _preload(names: list[str]) -> tuple[list[str], dict[str, str]]:
    loaded, failed = [], {}
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:  # not installed here: the job may still not need it
            failed[name] = f"{type(exc).__name__}: {exc}"
    return loaded, failed


def _send(out: Any, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, allow_nan=False, default=str).encode() + b"\n")
    out.flush()


def _lock_down(args: argparse.Namespace) -> dict[str, Any]:
    """Protect the worker (and, inherited, every job) before anything else runs; what holds is reported."""
    from optagent.sandbox import lockdown, syscall_filter

    if not lockdown.linux():
        return {"filter": False, "dumpable": True}
    if args.lock_mounts:
        lockdown.lock_mounts([args.workdir, "/dev/shm"], args.tmp_mb)
    lockdown.set_not_dumpable()
    try:
        syscall_filter.install()
        installed = True
    except syscall_filter.FilterUnavailable:
        installed = False
    return {"filter": installed, "dumpable": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="optagent-sandbox-worker")
    parser.add_argument("--workdir", required=True, help="folder under which each job gets its work dir")
    parser.add_argument("--private-tmp", action="store_true", help="/tmp and /dev/shm belong to this worker")
    parser.add_argument("--lock-mounts", action="store_true", help="own mount namespace: make it read-only")
    parser.add_argument("--tmp-mb", type=int, default=256, help="size of the private tmpfs (--lock-mounts)")
    parser.add_argument("--job-uid", type=int, default=-1, help="unprivileged uid of the jobs (-1: keep)")
    parser.add_argument("--host-pidns", default="", help="the host's PID namespace (readlink of ns/pid)")
    parser.add_argument("--preload", default="", help="comma-separated modules to import up front")
    parser.add_argument("--nproc", type=int, default=0, help="RLIMIT_NPROC for jobs (0: not set)")
    parser.add_argument("--once", action="store_true", help="run one job, then exit")
    args = parser.parse_args(argv)

    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints of imported libraries must not corrupt the protocol
    subreaper = _become_subreaper()
    pidns = _in_new_pidns(args.host_pidns)
    protections = _lock_down(args)
    loaded, failed = _preload([n for n in args.preload.split(",") if n])
    from optagent.sandbox import harness, hooks, supervise  # noqa: F401  (pre-imported for the jobs)

    hooks.install()
    _send(
        replies,
        {
            "ready": True,
            "pid": os.getpid(),
            "pidns": pidns,
            "subreaper": subreaper,
            "preloaded": loaded,
            "failed": failed,
            **protections,
        },
    )
    scratch = ["/tmp", "/dev/shm"] if args.private_tmp else ["/dev/shm"] if args.lock_mounts else []
    keep = supervise.mount_points() if scratch else set()
    job_uid = args.job_uid if args.job_uid >= 0 else None
    serial = 0
    while True:
        line = requests.readline()
        if not line:
            return 0
        try:
            job = json.loads(line)
        except ValueError as exc:
            _send(replies, {"status": "error", "message": f"sandbox protocol error: {exc}"})
            continue
        serial += 1
        workdir = os.path.join(args.workdir, f"job-{serial}")
        result = supervise.run_job(
            job, workdir, pidns=pidns, nproc=args.nproc or None, uid=job_uid, scratch=scratch, keep=keep
        )
        with contextlib.suppress(BrokenPipeError):
            _send(replies, result)
        if args.once:
            return 0


if __name__ == "__main__":
    sys.exit(main())
