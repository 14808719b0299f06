"""The seccomp filter of every sandbox process: the system calls that leave or attack a sandbox fail.

Built with seccompy (a pure-Python seccomp-BPF assembler; it kills any call made through a foreign ABI
such as i386 ``int 0x80``). Denied with EPERM: mounting (old and new mount API), namespaces (``setns``,
``unshare``, ``clone`` with a namespace flag), ``ptrace`` and cross-process memory access, the kernel
keyring, BPF, perf events, io_uring (whose operations seccomp cannot see), userfaultfd, kernel modules,
kexec, file handles, swap, reboot and accounting. ``clone3`` fails with ENOSYS, so that libc falls back
to ``clone``, whose flags the filter can check. The x32 numbers of each denied call are denied as well.
"""

from __future__ import annotations

import errno
import platform

DENIED = (
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "setns",
    "unshare",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
    "name_to_handle_at",
    "swapon",
    "swapoff",
    "reboot",
    "acct",
)
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)
X32_BIT = 0x40000000
X32_ONLY = {"ptrace": 521, "kexec_load": 528, "process_vm_readv": 539, "process_vm_writev": 540}


class FilterUnavailable(Exception):
    """No seccomp filter on this platform (not Linux, an architecture seccompy lacks, or no seccompy)."""


def available() -> tuple[bool, str]:
    """Whether the filter can be built here, and why not."""
    try:
        _build()
    except FilterUnavailable as exc:
        return False, str(exc)
    return (
        True,
        f"seccomp-BPF ({platform.machine()}): {len(DENIED)} calls and namespace flags of clone denied",
    )


def _build():  # -> seccompy.Filter
    try:
        from seccompy import Action, ArgCmp, CmpOp, Filter, FilterFlag
        from seccompy.syscalls import syscall_nr
    except Exception as exc:  # not installed (non-Linux), or an architecture it does not know
        raise FilterUnavailable(f"seccompy is not usable here: {type(exc).__name__}: {exc}") from None
    try:
        syscall_nr("read")
    except Exception as exc:
        raise FilterUnavailable(f"seccompy does not support {platform.machine()}: {exc}") from None
    filt = Filter(default=Action.ALLOW, flags=FilterFlag.TSYNC)
    x86_64 = platform.machine().lower() in ("x86_64", "amd64")
    numbers: list[int] = []
    for name in DENIED:
        try:
            numbers.append(syscall_nr(name))
        except Exception:  # not a system call on this architecture (e.g. no chroot variant)
            continue
        if x86_64 and name in X32_ONLY:
            numbers.append(X32_BIT | X32_ONLY[name])
    if x86_64:
        numbers += [X32_BIT | n for n in list(numbers) if n < X32_BIT]
    for number in dict.fromkeys(numbers):
        filt.errno(number, errno.EPERM)
    clones = [syscall_nr("clone")] + ([X32_BIT | syscall_nr("clone")] if x86_64 else [])
    for number in clones:
        for flag in NAMESPACE_FLAGS:
            filt.errno(number, errno.EPERM, args=[ArgCmp(0, CmpOp.MASKED_EQ, flag, mask=flag)])
    filt.errno(syscall_nr("clone3"), errno.ENOSYS)
    return filt


def install() -> None:
    """Load the filter on this process (irreversible; inherited by every child). Sets no_new_privs."""
    _build().load()
