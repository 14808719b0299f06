"""A pids cgroup per worker: the one process-count limit that also holds for root (RLIMIT_NPROC does not)."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import time
from pathlib import Path

from optagent.sandbox.tempdirs import owner_gone

V1_ROOT = Path("/sys/fs/cgroup/pids")
V2_ROOT = Path("/sys/fs/cgroup")
PREFIX = "optagent-"
_counter = itertools.count()


def _v2_base() -> Path | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                base = V2_ROOT / line[3:].lstrip("/")
                if "pids" in (base / "cgroup.subtree_control").read_text().split():
                    return base
    except OSError:
        return None
    return None


def cgroup_base() -> Path | None:
    """Where this process may create pids cgroups (v1 hierarchy or a delegated v2 subtree), if anywhere."""
    if (V1_ROOT / "cgroup.procs").exists() and os.access(V1_ROOT, os.W_OK):
        return V1_ROOT
    base = _v2_base()
    if base is not None and os.access(base, os.W_OK):
        return base
    return None


def _remove_stale(base: Path) -> None:
    """Groups left by host processes that died (kill -9) are emptied and removed."""
    for entry in base.glob(f"{PREFIX}*"):
        try:
            host_pid = int(entry.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if owner_gone(host_pid):
            PidsCgroup(entry).remove()


class PidsCgroup:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, max_tasks: int) -> PidsCgroup | None:
        base = cgroup_base()
        if base is None:
            return None
        _remove_stale(base)
        path = base / f"{PREFIX}{os.getpid()}-{next(_counter)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_tasks))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def wrap(self, argv: list[str]) -> list[str]:
        """Command that joins this group, then execs ``argv`` (so everything it starts is counted)."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs"), *argv]

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
        except OSError:
            return []

    def remove(self) -> None:
        for _ in range(50):
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        with contextlib.suppress(OSError):
            self.path.rmdir()
