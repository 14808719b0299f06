"""Which isolation this machine offers, detected at run time, and the command that starts a worker in it.

Levels, strongest first:
- ``bwrap``: bubblewrap namespaces: no network, a read-only minimal file-system view (Python, the solver
  stack and optagent only; no home, no project files), private /tmp, own PID namespace, no capabilities.
- ``unshare``: util-linux ``unshare``: no network and an own PID namespace; the file system stays visible.
- ``rlimits``: resource limits and process-group kill only (macOS, or containers that forbid namespaces).
Independently a pids cgroup, where writable, bounds the number of processes (fork bombs).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import site
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from optagent.errors import OptagentError
from optagent.sandbox.cgroup import cgroup_base

LEVELS = ("bwrap", "unshare", "rlimits")


class IsolationUnavailable(OptagentError):
    code = "sandbox-isolation"


@dataclass(frozen=True)
class Mechanism:
    name: str
    active: bool
    detail: str
    hint: str = ""


@dataclass(frozen=True)
class IsolationReport:
    level: str
    platform: str
    mechanisms: list[Mechanism] = field(default_factory=list)

    def active(self, name: str) -> bool:
        return any(m.name == name and m.active for m in self.mechanisms)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _probe(argv: list[str]) -> tuple[bool, str]:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=10, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if proc.returncode == 0:
        return True, ""
    return False, proc.stderr.decode(errors="replace").strip()[-300:] or f"exit code {proc.returncode}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


BWRAP_BASE = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]


def unshare_prefix() -> list[str]:
    argv = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
    return argv if _is_root() else [*argv, "--map-root-user"]


@functools.lru_cache(maxsize=1)
def _bwrap_status() -> tuple[bool, str]:
    path = shutil.which("bwrap")
    if path is None:
        return False, "bwrap is not installed"
    ok, why = _probe([path, *BWRAP_BASE, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"])
    return ok, path if ok else f"bwrap cannot create namespaces here: {why}"


@functools.lru_cache(maxsize=1)
def _unshare_status() -> tuple[bool, str]:
    path = shutil.which("unshare")
    if path is None:
        return False, "unshare (util-linux) is not installed"
    ok, why = _probe([*unshare_prefix(), "true"])
    return ok, path if ok else f"unshare cannot create namespaces here: {why}"


def detect() -> IsolationReport:
    """Probe every mechanism (cached per process) and pick the strongest level available."""
    linux = sys.platform.startswith("linux")
    bwrap_ok, bwrap_detail = _bwrap_status() if linux else (False, "Linux only")
    unshare_ok, unshare_detail = _unshare_status() if linux else (False, "Linux only")
    cgroup = cgroup_base() if linux else None
    level = "bwrap" if bwrap_ok else "unshare" if unshare_ok else "rlimits"
    apt = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)"
    mechanisms = [
        Mechanism("time limits", True, "wall clock (process-group kill) and RLIMIT_CPU"),
        Mechanism(
            "memory limit",
            linux,
            "RLIMIT_AS on top of the pre-imported modules" if linux else "macOS does not enforce RLIMIT_AS",
            "" if linux else "run optagent in a Linux container (Docker) for a memory limit",
        ),
        Mechanism("file-size and open-file limits", True, "RLIMIT_FSIZE, RLIMIT_NOFILE"),
        Mechanism("scrubbed environment", True, "allowlist: no API keys, tokens or user configuration"),
        Mechanism("output caps", True, "head and tail of stdout/stderr kept, the rest counted"),
        Mechanism("bubblewrap", bwrap_ok, bwrap_detail, "" if bwrap_ok else apt),
        Mechanism("unshare", unshare_ok, unshare_detail, "" if unshare_ok else "install util-linux"),
        Mechanism(
            "network cut",
            bwrap_ok or unshare_ok,
            "new network namespace" if bwrap_ok or unshare_ok else "programs can open network connections",
            "" if bwrap_ok or unshare_ok else apt,
        ),
        Mechanism(
            "private file-system view",
            bwrap_ok,
            "read-only system and Python, no home or project files, private /tmp"
            if bwrap_ok
            else "programs can read (and write) files the user can",
            "" if bwrap_ok else apt,
        ),
        Mechanism(
            "process-count limit",
            cgroup is not None or not _is_root(),
            f"pids cgroup under {cgroup}"
            if cgroup is not None
            else "RLIMIT_NPROC"
            if not _is_root()
            else "root ignores RLIMIT_NPROC and no cgroup is writable",
            "" if cgroup is not None or not _is_root() else "run as root with /sys/fs/cgroup writable",
        ),
    ]
    return IsolationReport(level=level, platform=sys.platform, mechanisms=mechanisms)


def resolve_level(requested: str | None) -> str:
    """``auto``/None picks the strongest; an explicit level must be available."""
    requested = requested or os.environ.get("OPTAGENT_SANDBOX_ISOLATION") or "auto"
    report = detect()
    if requested == "auto":
        return report.level
    if requested not in LEVELS:
        raise IsolationUnavailable(
            f"unknown isolation level {requested!r}", hint=f"use auto or one of {LEVELS}"
        )
    rank = LEVELS.index
    if rank(requested) < rank(report.level):
        raise IsolationUnavailable(
            f"isolation level {requested!r} is not available on this machine (best: {report.level!r})",
            hint="run `optagent sandbox doctor` to see what is missing",
        )
    return requested


def _python_roots() -> list[str]:
    """Folders the worker's Python needs: interpreter prefixes, site-packages, optagent's own packages."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    roots.update(site.getsitepackages())
    for name in ("optagent", "optagent.sandbox"):
        spec = importlib.util.find_spec(name)
        for location in (spec.submodule_search_locations or []) if spec else []:
            roots.add(location)
    real = {os.path.realpath(r) for r in roots if os.path.exists(r)} | {r for r in roots if os.path.exists(r)}
    ordered = sorted(real, key=lambda p: (p.count(os.sep), p))
    kept: list[str] = []
    for path in ordered:
        if path.startswith("/usr/") or any(path == k or path.startswith(k + os.sep) for k in kept):
            continue
        kept.append(path)
    return kept


SYSTEM_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
)


def bwrap_prefix(tmp_mb: int, env: dict[str, str]) -> list[str]:
    argv = [shutil.which("bwrap") or "bwrap", *BWRAP_BASE, "--hostname", "optagent-sandbox", "--clearenv"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for path in SYSTEM_FILES:
        argv += ["--ro-bind-try", path, path]
    # The private /tmp first, so that a Python installed under /tmp is bound on top of it.
    argv += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    for root in _python_roots():
        argv += ["--ro-bind", root, root]
    if "GRB_LICENSE_FILE" in env:
        argv += ["--ro-bind", env["GRB_LICENSE_FILE"], env["GRB_LICENSE_FILE"]]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return [*argv, "--chdir", "/tmp", "--"]
