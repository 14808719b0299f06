"""Host folders of workers that run without a private /tmp, named after the optagent process that owns
them, so that those left by a killed run are removed by the next one (never those of a live process)."""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "optagent-sandbox-"


def owner_gone(pid: int) -> bool:
    """True when no process ``pid`` exists any more (a live one of another user counts as existing)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return False


def make() -> str:
    """A fresh folder ``optagent-sandbox-<pid>-XXXX`` in the system's temp dir."""
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def remove_stale(root: str | None = None) -> list[str]:
    """Remove the folders of optagent processes that are gone and return them; others are left alone:
    a live owner's, another user's, and names that carry no owner."""
    removed = []
    for entry in Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        owner = entry.name[len(PREFIX) :].split("-")[0]
        try:
            if not owner.isdigit() or entry.is_symlink() or entry.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        if owner_gone(int(owner)):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
    return removed


@functools.lru_cache(maxsize=1)
def remove_stale_once() -> list[str]:
    return remove_stale()
