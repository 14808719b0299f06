"""Run the installed console script as a user would, and insist that no traceback ever shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

# The console script installed beside this interpreter (the venv's bin/), else the one on PATH.
_BESIDE = Path(sys.executable).with_name("optagent")
EXE = str(_BESIDE) if _BESIDE.exists() else shutil.which("optagent") or "optagent"


def run_cli(
    *args: str, check_rc: int | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    proc = subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in proc.stderr + proc.stdout
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stdout + proc.stderr
    return proc
