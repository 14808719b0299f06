"""The environment a sandboxed program sees: built from an allowlist, never inherited."""

from __future__ import annotations

import os
import sys

SAFE_PATH_DIRS = ("/usr/local/bin", "/usr/bin", "/bin")


def scrubbed_env(threads: int = 1, home: str = "/tmp") -> dict[str, str]:
    """No API keys, tokens, cloud credentials or user configuration: only what Python and solvers need."""
    python_dir = os.path.dirname(sys.executable)
    env = {
        "PATH": os.pathsep.join(dict.fromkeys((python_dir, *SAFE_PATH_DIRS))),
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MALLOC_ARENA_MAX": "2",
        "OMP_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
    }
    license_file = os.environ.get("GRB_LICENSE_FILE")
    if license_file and os.path.isfile(license_file):
        env["GRB_LICENSE_FILE"] = license_file  # a file path, not a secret value; mounted read-only
    return env
