"""The README's chat session is real: its command, run verbatim, prints exactly the output shown below it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT


def readme_chat_session() -> tuple[str, str]:
    """(the ```bash block, the output block after it) of the README's "### Chat" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Chat\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.DOTALL)
    command = next(body for lang, body in blocks if lang == "bash")
    output = blocks[[body for _, body in blocks].index(command) + 1][1]
    return command, output


@pytest.mark.slow
def test_the_readme_chat_session_runs_as_shown(tmp_path):
    command, shown = readme_chat_session()
    assert "scripted:examples/replays/chat_furniture.json" in command
    env = {
        **os.environ,
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "100",
        "OPTAGENT_CACHE_DIR": str(tmp_path),
    }
    proc = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, proc.stderr
    printed = [line.rstrip() for line in proc.stdout.rstrip("\n").splitlines()]
    assert printed == shown.rstrip("\n").splitlines()
