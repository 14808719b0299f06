"""Output at 80 columns and into a pipe: the names users type are never cut, and piped lines never wrapped."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios

import pytest
from cli_helpers import EXE, run_cli
from conftest import EXAMPLES, FIXTURES

from optagent.benchmarks import registry

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATASETS = ["bench", "datasets", "--data-dir", str(FIXTURES / "bench_data")]


def in_terminal(*args: str, columns: int = 80) -> str:
    """What the command shows in a terminal of this width (a pseudo-terminal, as a user's shell has)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [EXE, *args], stdin=follower, stdout=follower, stderr=follower, env={**env, "TERM": "xterm"}
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r", "")
    assert proc.returncode == 0 and "Traceback" not in text, text
    return text


def found() -> list:
    return registry.available(FIXTURES / "bench_data")


def names_whole(text: str) -> None:
    tokens = set(re.findall(r"[\w.-]+", text))
    missing = [s.name for s in registry.SPECS if s.name not in tokens]
    assert not missing, f"cut or wrapped: {missing}\n{text}"
    assert "…" not in text and "..." not in text


def test_dataset_names_are_whole_in_an_80_column_terminal():
    text = in_terminal(*DATASETS, columns=80)
    names_whole(text)
    assert max(len(line) for line in text.splitlines()) <= 80
    hashes = {registry.version_hash(registry.load(s.name, FIXTURES / "bench_data")) for s in found()}
    assert hashes and all(h in text.split() for h in hashes)  # the version hashes are whole too
    wide = in_terminal(*DATASETS, columns=140)
    names_whole(wide)
    assert "optibench-all-keys" in wide  # a wide terminal also shows the published rules


def test_dataset_names_are_whole_in_a_pipe():
    names_whole(run_cli(*DATASETS, check_rc=0).stdout)


@pytest.mark.slow
def test_piped_solve_output_is_not_wrapped():
    problem = EXAMPLES / "problems" / "furniture.txt"
    replay = EXAMPLES / "replays" / "furniture.json"
    proc = run_cli("solve", "-f", str(problem), "--model", f"scripted:{replay}", check_rc=0)
    lines = proc.stdout.splitlines()
    description = json.loads(replay.read_text())["by_tag"]["formulate"][0].split('"description": "')[1]
    description = description.split('"')[0]
    assert len(description) > 80 and description in lines  # on one line
    assert any(line.startswith("  shop_hours:") and line.endswith("for all s in Shops") for line in lines)
    assert any(len(line) > 80 for line in lines)


def test_printed_answers_never_show_minus_zero():
    from optagent.agent.answer import Answer, Reading
    from optagent.cli import agent_output
    from optagent.cli.output import console

    answer = Answer(
        verdict="solved",
        status="optimal",
        objective=-0.0,
        program_values={"x[1]": -0.0, "y": 2.5},
        quantities={"Number of chairs": -0.0},
        readings=[
            Reading("as formulated", True, {}, "optimal", -0.0, True),
            Reading("per week", objective=4.0),
        ],
        explanation="objective -0",
    )
    with console.capture() as captured:
        agent_output.print_answer(answer)
    text = captured.get()
    assert "x[1] = 0" in text and "Number of chairs: 0" in text and "y = 2.5" in text
    assert not re.search(r"(?<![\w.])-0(?![\w.])", text.replace("objective -0", ""))
