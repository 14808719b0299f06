"""Helpers shared by the sandbox tests: fixture programs, level gates, leftover-process checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optagent.sandbox.isolation import resolve_level

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
SECRET = "sk-optagent-test-secret-7f3a9c"
LEVEL = resolve_level(None)  # what a pool uses here (OPTAGENT_SANDBOX_ISOLATION can lower it)


def program(name: str) -> str:
    return (HOSTILE / f"{name}.py").read_text()


def require(level: str, what: str) -> None:
    """Skip (with the reason) when the machine's best isolation is weaker than ``level``."""
    order = ("bwrap", "unshare", "rlimits")
    if order.index(LEVEL) > order.index(level):
        pytest.skip(
            f"{what} needs isolation level {level!r}; the sandbox runs at {LEVEL!r} here "
            "(see optagent sandbox doctor)"
        )


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found
