"""Host-side handle on one sandbox worker process: start it in the isolation, send jobs, replace on death."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

from optagent.sandbox import channel, tempdirs
from optagent.sandbox.cgroup import PidsCgroup
from optagent.sandbox.environment import scrubbed_env
from optagent.sandbox.isolation import bwrap_prefix, job_uid, unshare_prefix
from optagent.sandbox.limits import Limits
from optagent.sandbox.lockdown import linux, set_not_dumpable

DEFAULT_PRELOAD = ("numpy", "highspy", "pyomo.environ", "gurobipy", "pyscipopt")
START_TIMEOUT_S = 120.0
REPLY_GRACE_S = 15.0
MAX_REPLY_BYTES = 256 * 1024 * 1024
WAKE_UP_S = 1.0


class WorkerDied(Exception):
    """The worker process ended or stopped answering; the message says what is known."""


def _host_pidns() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _nproc_limit(max_processes: int, uid: int | None) -> int:
    """RLIMIT_NPROC counts all processes of the job's user: allow what runs now plus the job's share
    (a job uid of its own has none running)."""
    if uid is not None:
        return max_processes
    if not hasattr(os, "getuid") or os.getuid() == 0 or not os.path.isdir("/proc"):
        return 0
    uid = os.getuid()
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
    return count + max_processes


class WorkerProcess:
    def __init__(self, level: str, limits: Limits, preload: tuple[str, ...], *, once: bool = False) -> None:
        self.level = level
        self.limits = limits
        self.preload = preload
        self.once = once
        self.proc: subprocess.Popen[bytes] | None = None
        self.cgroup: PidsCgroup | None = None
        self.base_dir: str | None = None
        self.info: dict[str, Any] = {}
        self._buffer = b""
        self._started = 0.0
        self._replies: socket.socket | None = None
        self._writer_pid: int | None = None

    # -- life cycle
    def start(self) -> None:
        tempdirs.remove_stale_once()  # what killed runs left behind
        env = scrubbed_env(self.limits.solver_threads)
        tmp_mb = max(256, 4 * self.limits.max_file_mb)
        uid = job_uid(self.level)
        if self.level == "bwrap":
            workdir = "/tmp/work"
        else:
            if self.level == "rlimits" and linux():  # host processes are visible to the jobs there:
                set_not_dumpable()  # keep /proc/<this pid>/environ (API keys) from a job of the same user
            self.base_dir = tempdirs.make()
            if uid is not None:
                os.chmod(self.base_dir, 0o711)
            workdir = self.base_dir
            env["HOME"] = env["TMPDIR"] = self.base_dir
        self.cgroup = PidsCgroup.create(self.limits.max_processes + 16)
        nproc = 0 if self.cgroup else _nproc_limit(self.limits.max_processes, uid)
        argv = [sys.executable, "-I", "-B", "-m", "optagent.sandbox.worker", "--workdir", workdir]
        argv += ["--host-pidns", _host_pidns(), "--preload", ",".join(self.preload), "--nproc", str(nproc)]
        argv += ["--job-uid", str(-1 if uid is None else uid), "--tmp-mb", str(tmp_mb)]
        if self.level == "bwrap":
            argv = [*bwrap_prefix(tmp_mb, env), *argv, "--private-tmp"]
        elif self.level == "unshare":
            argv = [*unshare_prefix(), *argv, "--lock-mounts"]
        if self.once:
            argv.append("--once")
        if self.cgroup is not None:
            argv = self.cgroup.wrap(argv)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the worker)
        self._replies, writer = channel.socketpair()  # the host knows which process wrote each reply
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=writer.fileno(),
                stderr=self._stderr,
                env=env,
                cwd=self.base_dir or "/",
                start_new_session=True,
                close_fds=True,
            )
        finally:
            writer.close()
        self._started = time.monotonic()
        self._writer_pid = None
        self.info = {}

    def ensure_ready(self) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self.start()
        if not self.info:
            reply = self._read_reply(time.monotonic() + START_TIMEOUT_S)
            if not reply.get("ready"):
                raise WorkerDied(f"sandbox worker sent {reply!r:.200} instead of its ready message")
            self.info = reply
        return self.info

    def stderr_tail(self, size: int = 4000) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            end = self._stderr.tell()
            self._stderr.seek(max(0, end - size))
            return self._stderr.read().decode(errors="replace")
        except (OSError, ValueError, AttributeError):
            return ""

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()  # type: ignore[union-attr]
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        if self._replies is not None:
            self._replies.close()
            self._replies = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None
        self.info = {}
        self._buffer = b""

    # -- protocol
    def _receive(self) -> bytes:
        """One chunk of the worker's replies; only the worker process itself may write them."""
        try:
            received = channel.receive(self._replies)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise WorkerDied(f"the sandbox worker's reply channel failed: {exc}") from None
        if received is None:
            raise WorkerDied("the sandbox worker process ended")
        data, sender = received
        if self._writer_pid is None:
            self._writer_pid = sender  # the ready message: sent before any job ran
        elif sender != self._writer_pid:
            raise WorkerDied(
                f"process {sender} (not the worker, {self._writer_pid}) wrote on the worker's reply channel"
            )
        return data

    def _wake_up(self) -> None:
        """A job running under the worker's own uid may have stopped it (SIGSTOP): continue it."""
        if self._writer_pid:
            with contextlib.suppress(OSError):
                os.kill(self._writer_pid, signal.SIGCONT)

    def _read_reply(self, deadline: float) -> dict[str, Any]:
        assert self.proc is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerDied("the sandbox worker stopped answering")
                if not selector.select(timeout=min(remaining, WAKE_UP_S)):
                    self._wake_up()
                    continue
                self._buffer += self._receive()
                if len(self._buffer) > MAX_REPLY_BYTES:
                    raise WorkerDied("the sandbox worker sent an oversized reply")
        line, _, self._buffer = self._buffer.partition(b"\n")
        if self._buffer:
            raise WorkerDied("the sandbox worker sent more than one reply for one request")
        try:
            reply = json.loads(line)
        except ValueError as exc:
            raise WorkerDied(f"the sandbox worker sent an unreadable reply: {exc}") from None
        if not isinstance(reply, dict):
            raise WorkerDied("the sandbox worker sent a reply that is not an object")
        return reply

    def request(self, wire_job: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one job and wait for its result; WorkerDied when the worker is gone or hung."""
        self.ensure_ready()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(wire_job, allow_nan=False).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(f"the sandbox worker process ended: {exc}") from None
        return self._read_reply(time.monotonic() + timeout_s + REPLY_GRACE_S)
