"""Privileges of the sandbox processes: the worker is not dumpable; the job process has no capabilities,
no way to gain any, an unprivileged uid where the worker may switch to one, and fails closed otherwise."""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from pathlib import Path

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAP_VERSION_3 = 0x20080522
# Capabilities a root worker keeps at the bwrap level (never the job): switch the job to its uid, hand it
# its work dir, kill what it leaves, remove its files, and empty the job's bounding set.
WORKER_CAPS = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_CHOWN",
    "CAP_KILL",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_SETPCAP",
)


class LockdownFailed(Exception):
    """A protection could not be applied; the program must not run."""


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, arg: int = 0, arg3: int = 0) -> int:
    return _libc().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0)


def linux() -> bool:
    return sys.platform.startswith("linux")


def set_not_dumpable() -> None:
    """No core dumps, and /proc/PID/{mem,fd,environ} and ptrace closed to processes without CAP_SYS_PTRACE."""
    if linux() and _prctl(PR_SET_DUMPABLE, 0) != 0:
        raise LockdownFailed(f"prctl(PR_SET_DUMPABLE, 0) failed: {os.strerror(ctypes.get_errno())}")


def status_fields() -> dict[str, str]:
    """Uid, gid, capability sets, NoNewPrivs, Seccomp and dumpability of this process (Linux)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


@functools.lru_cache(maxsize=1)
def _cap_last() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 63


def _drop_bounding_set() -> None:
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in range(_cap_last() + 1):
        _prctl(PR_CAPBSET_DROP, cap)  # needs CAP_SETPCAP; without it the sets below still empty


def _clear_capabilities() -> None:
    header = _CapHeader(CAP_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc().capset(ctypes.byref(header), data) != 0:
        raise LockdownFailed(f"capset failed: {os.strerror(ctypes.get_errno())}")


def switch_user(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (real, effective and saved); a root process loses every capability."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def lock_job(uid: int | None) -> None:
    """Called in the job process before any program code: raise LockdownFailed unless it holds."""
    if not linux():
        return
    try:
        _drop_bounding_set()  # first, while CAP_SETPCAP is still held
        if uid is not None:
            switch_user(uid, uid)
        _clear_capabilities()
        if _prctl(PR_SET_NO_NEW_PRIVS, 1) != 0:
            raise LockdownFailed(f"no_new_privs failed: {os.strerror(ctypes.get_errno())}")
        set_not_dumpable()  # a uid change resets it
    except OSError as exc:
        raise LockdownFailed(f"cannot switch to uid {uid}: {exc}") from None
    status = status_fields()
    held = {k: status.get(k, "") for k in ("CapEff", "CapPrm", "CapAmb", "CapInh")}
    if any(int(v or "0", 16) for v in held.values()):
        raise LockdownFailed(f"capabilities remain after dropping them: {held}")
    if uid is not None and status.get("Uid", "").split() != [str(uid)] * 4:
        raise LockdownFailed(f"the uid did not change to {uid}: {status.get('Uid')}")
    if status.get("NoNewPrivs") != "1":
        raise LockdownFailed("no_new_privs is not set")


def others_can_use(path: str, *, ancestors: bool) -> bool:
    """Whether a user that is neither owner nor group can read ``path`` (and reach it, with ``ancestors``)."""
    try:
        if os.stat(path).st_mode & 0o005 != 0o005:
            return False
        parent = os.path.dirname(path)
        while ancestors and parent not in ("", os.sep):
            if not os.stat(parent).st_mode & 0o001:
                return False
            parent = os.path.dirname(parent)
    except OSError:
        return False
    return True


MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
SYS_MOUNT_SETATTR = 442  # the same number on x86_64 and aarch64
AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1


class _MountAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("attr_set", "attr_clr", "propagation", "userns_fd")]


def _mount(source: str, target: str, fstype: str, flags: int, data: str = "") -> None:
    libc = _libc()
    args = [s.encode() if s else None for s in (source, target, fstype)]
    if libc.mount(*args, ctypes.c_ulong(flags), data.encode() if data else None) != 0:
        raise LockdownFailed(f"mount {fstype or source} on {target}: {os.strerror(ctypes.get_errno())}")


def lock_mounts(scratch: list[str], size_mb: int) -> None:
    """For a worker in its own mount namespace (the unshare level): every mount read-only, recursively,
    then a private size-capped tmpfs on each folder of ``scratch`` (the work dir, /dev/shm)."""
    _mount("", "/", "", MS_REC | MS_PRIVATE)  # nothing done here reaches the host's mounts
    attr = _MountAttr(MOUNT_ATTR_RDONLY, 0, 0, 0)
    libc = _libc()
    result = libc.syscall(
        SYS_MOUNT_SETATTR, AT_FDCWD, b"/", AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr)
    )
    if result != 0:
        raise LockdownFailed(f"cannot make the file system read-only: {os.strerror(ctypes.get_errno())}")
    for folder in scratch:
        mode = "1777" if folder == "/dev/shm" else "0711"
        _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,mode={mode}")
