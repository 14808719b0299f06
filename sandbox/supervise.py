"""Worker side of one job: fork the job process, watch its pipes and clock, kill it and its leftovers."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from optagent.sandbox import channel
from optagent.sandbox.capture import Capture
from optagent.sandbox.child import run_child

MAX_RESULT_BYTES = 64 * 1024 * 1024
PAYLOAD_KEYS = ("status", "message", "contract", "entry", "solution", "heuristic", "error")
DRAIN_AFTER_EXIT_S = 1.0

_SIGNAL_MESSAGES = {
    signal.SIGSEGV: "segmentation fault in the program (crashed native code or a stack overflow)",
    signal.SIGABRT: "the program aborted (a native library failed, often for lack of memory)",
    signal.SIGBUS: "bus error in the program (crashed native code)",
    signal.SIGFPE: "arithmetic fault in native code",
}


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def kill_leftovers(pgid: int, pidns: bool) -> None:
    """Kill the job's process group and anything that escaped it, until every child is reaped."""
    end = time.monotonic() + 2.0
    while True:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
        if pidns:
            # Inside our own PID namespace every other process belongs to the job (init is exempt).
            with contextlib.suppress(OSError):
                os.kill(-1, signal.SIGKILL)
        else:
            # As child subreaper we inherit the job's orphans, so they show up as our children.
            for pid in _children_of(os.getpid()):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > end:
                return
            time.sleep(0.0005)


def _signal_status(sig: int, cpu: float, limits: dict[str, Any]) -> tuple[str, str]:
    name = signal.Signals(sig).name
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= limits["cpu_s"] - 0.5):
        return "timeout", f"CPU-time limit of {limits['cpu_s']:g} s exceeded; the program was killed"
    if sig == signal.SIGXFSZ:
        return "killed", f"file-size limit of {limits['max_file_mb']} MB exceeded ({name})"
    return "killed", _SIGNAL_MESSAGES.get(sig, f"the program was terminated by {name}")


def mount_points() -> set[str]:
    """Mount points of this process (from /proc/self/mountinfo); empty where unavailable."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return set()
    return {line.split()[4] for line in lines if len(line.split()) > 4}


def reset_dir(path: str, keep: set[str]) -> None:
    """Empty ``path`` except the mount points in ``keep`` (read-only binds such as a venv under /tmp)."""
    for entry in Path(path).iterdir() if os.path.isdir(path) else []:
        name = str(entry)
        if name in keep:
            continue
        if any(k.startswith(name + os.sep) for k in keep):
            reset_dir(name, keep)  # a folder bwrap made to hold a bind mount: empty around it
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


class JobProcess:
    """One running job process, its stdout and stderr pipes and its result socket.

    Only bytes that the kernel says the job process itself wrote on the result socket count, and only
    while it is not yet reaped (so its pid cannot have been reused): a process it forked, or anything
    else that reaches the socket, is ignored and counted.
    """

    def __init__(self, job: dict[str, Any], workdir: str, nproc: int | None, uid: int | None) -> None:
        self.limits = job["limits"]
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.result_socket, result_w = channel.socketpair()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        self.start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            run_child(job, workdir, (out_w, err_w, result_w.fileno()), nproc, uid)
        self.pid = pid
        for fd in (out_w, err_w):
            os.close(fd)
        result_w.close()
        cap = int(self.limits["output_bytes"])
        self.captures = {out_r: Capture(cap), err_r: Capture(cap)}
        self.out_r, self.err_r, self.res_r = out_r, err_r, self.result_socket.fileno()
        self.result = bytearray()
        self.result_overflow = False
        self.foreign: set[int | None] = set()  # pids of other writers on the result socket
        self.selector = selectors.DefaultSelector()
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ)
        self.selector.register(self.res_r, selectors.EVENT_READ)
        self.pidfd = None
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                self.pidfd = os.pidfd_open(pid)
                self.selector.register(self.pidfd, selectors.EVENT_READ)
        self.status: tuple[int, Any] | None = None

    def _close(self, fd: int) -> None:
        self.selector.unregister(fd)
        if fd == self.res_r:
            self.result_socket.close()
        else:
            os.close(fd)

    def _read_result(self) -> bool:
        """Read one chunk of the result socket; False when nothing is waiting or it is closed."""
        try:
            received = channel.receive(self.result_socket)
        except BlockingIOError:
            return False
        except OSError:
            received = None
        if received is None:
            self._close(self.res_r)
            return False
        data, sender = received
        if self.status is not None or (channel.VERIFIED and sender != self.pid):
            self.foreign.add(sender)  # a forked child, or too late to be the job itself
        elif len(self.result) + len(data) > MAX_RESULT_BYTES:
            self.result_overflow = True
        else:
            self.result += data
        return True

    def _read(self, fd: int) -> None:
        if fd == self.res_r:
            self._read_result()
            return
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close(fd)
            return
        self.captures[fd].add(chunk)

    def _poll_exit(self) -> None:
        """Reap the job once it has ended, after reading its last result bytes (its pid is still ours)."""
        if self.status is not None:
            return
        if hasattr(os, "waitid"):
            if not os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                return
            while self.res_r in self.selector.get_map() and self._read_result():
                pass  # everything the job wrote before it ended is queued already
            _, status, usage = os.wait4(self.pid, 0)
        else:  # macOS: no waitid, and no verified sender either
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if not pid:
                return
        self.status = (status, usage)
        if self.pidfd is not None:
            self.selector.unregister(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None

    def _open_pipes(self) -> int:
        return sum(1 for key in self.selector.get_map().values() if key.fd != self.pidfd)

    def _pump(self, until: float, *, stop_on_exit: bool) -> None:
        """Read the pipes until ``until``, or until the job exits (``stop_on_exit``) or they all close."""
        while True:
            remaining = until - time.monotonic()
            if remaining <= 0:
                return
            wait = remaining if self.pidfd is not None else min(remaining, 0.01)
            for key, _ in self.selector.select(timeout=wait):
                if key.fd != self.pidfd and key.fd in self.selector.get_map():
                    self._read(key.fd)
            self._poll_exit()
            if self.status is not None and (stop_on_exit or self._open_pipes() == 0):
                return

    def run(self, pidns: bool) -> dict[str, Any]:
        self._pump(self.start + float(self.limits["timeout_s"]), stop_on_exit=True)
        timed_out = self.status is None
        if timed_out:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            _, status, usage = os.wait4(self.pid, 0)
            self.status = (status, usage)
        kill_leftovers(self.pid, pidns)  # the job is over: nothing it started may outlive it
        self._pump(time.monotonic() + DRAIN_AFTER_EXIT_S, stop_on_exit=False)
        duration = time.monotonic() - self.start
        for key in list(self.selector.get_map().values()):
            if key.fd != self.pidfd:
                self._close(key.fd)
        if self.pidfd is not None:
            self.selector.unregister(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        self.selector.close()
        return self._outcome(timed_out, duration)

    def _outcome(self, timed_out: bool, duration: float) -> dict[str, Any]:
        status, usage = self.status  # type: ignore[misc]
        cpu = usage.ru_utime + usage.ru_stime
        rss_kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
        out = {
            "stdout": self.captures[self.out_r].text(),
            "stderr": self.captures[self.err_r].text(),
            "stdout_bytes": self.captures[self.out_r].total,
            "stderr_bytes": self.captures[self.err_r].total,
            "duration_s": round(duration, 6),
            "cpu_s": round(cpu, 6),
            "peak_memory_mb": round(rss_kb / 1024, 2),
        }
        if timed_out:
            return {
                **out,
                "status": "timeout",
                "message": f"wall-clock limit of {self.limits['timeout_s']:g} s exceeded; "
                "the program and every process it started were killed",
            }
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            kind, message = _signal_status(sig, cpu, self.limits)
            return {**out, "status": kind, "message": message, "signal": signal.Signals(sig).name}
        code = os.WEXITSTATUS(status)
        out["exit_code"] = code
        if self.foreign:
            pids = ", ".join(str(pid) for pid in sorted(self.foreign, key=str))
            out["notes"] = [f"ignored what other processes (pids {pids}) wrote on the result channel"]
        if self.result_overflow:
            return {**out, "status": "contract-violation", "message": "the result is larger than 64 MB"}
        if not self.result:
            kind = "contract-violation" if code == 0 else "error"
            return {
                **out,
                "status": kind,
                "message": f"the program ended its process with exit code {code} before a result was "
                "produced (os._exit or a crash); return the result or leave a solved model instead",
            }
        try:
            payload = json.loads(channel.unframe(bytes(self.result)))
            if not isinstance(payload, dict) or "status" not in payload:
                raise ValueError("not a result object")
        except ValueError as exc:
            return {
                **out,
                "status": "error",
                "message": f"the result channel held no single valid result (tampered with? {exc})",
            }
        return {**out, **{key: payload[key] for key in PAYLOAD_KEYS if key in payload}}


def run_job(
    job: dict[str, Any],
    workdir: str,
    *,
    pidns: bool,
    nproc: int | None,
    uid: int | None,
    scratch: list[str],
    keep: set[str],
) -> dict[str, Any]:
    """Run one job to completion in ``workdir`` (created for the job's uid, then removed) and describe
    what happened; the worker's private ``scratch`` folders are emptied after it (mount points ``keep``)."""
    os.makedirs(workdir, exist_ok=True)
    if uid is not None:
        os.chown(workdir, uid, uid)
    try:
        return JobProcess(job, workdir, nproc, uid).run(pidns)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        for folder in scratch:  # nothing a job wrote may reach the next job
            reset_dir(folder, keep)
