"""The chat and solve commands as a user runs them: a whole chat session over stdin, solving text."""

from __future__ import annotations

import json
import os

import pytest
from agent_fixtures import (
    FORMULATION,
    FORMULATION_JSON,
    GOOD_CODE,
    OPTIMUM,
    PER_WEEK,
    PROBLEM,
    TABLES,
    TABLES_MODEL,
)
from chat_fixtures import (
    GAP,
    INFEASIBLE_PROGRAM,
    INTEGER_AND_VALUE,
    MIN_TABLES,
    NO_GAPS,
    answer,
    program_with,
    what_if,
)
from cli_helpers import run_cli
from fake_openai import FakeOpenAI

CHAT_REPLIES = {
    "missing_data": [GAP, NO_GAPS],
    "formulate": [json.dumps({**FORMULATION, "unused_numbers": ["3: delivery is outside this plan"]})],
    "code_from_text": [GOOD_CODE, program_with(500), INFEASIBLE_PROGRAM, GOOD_CODE],
    "chat_turn": [
        what_if(500),
        MIN_TABLES,
        INTEGER_AND_VALUE,
        answer("An extra finishing hour is worth **0** [solver]: the integer plan cannot use it."),
        *["not json"] * 5,
    ],
}


def run_cli_input(args, stdin, env, cwd=None):
    import subprocess

    from cli_helpers import EXE

    proc = subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, timeout=240, env=env, cwd=cwd
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


@pytest.mark.slow
def test_chat_through_stdin_covers_a_whole_session(tmp_path):
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"by_tag": CHAT_REPLIES}))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    lines = [
        PROBLEM,
        "3 dollars",
        "what if we had 500 carpentry hours?",
        "/code",
        "we must make at least 100 tables",
        "/undo",
        "/undo",
        "make it integer again, and what is a finishing hour worth?",
        "/compare base integer",
        "make it better",
        "/history",
        "/export python",
        f"/save {tmp_path / 'production_mix-integer.py' / 'session.json'}",
        f"/load {deep}",
        "/scenarios",
        "/new",
        "/scenarios",
        "/quit",
    ]
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path), "COLUMNS": "120"}
    proc = run_cli_input(["chat", "--model", f"scripted:{script}"], "\n".join(lines) + "\n", env, tmp_path)
    out, err = proc.stdout, proc.stderr
    assert proc.returncode == 0, err
    # ask before assuming: the question, then the answer goes into the problem
    assert (
        "question The problem does not give the delivery cost per table. I would assume $5 per table." in out
    )
    # a what-if is a checked scenario, and /code shows the new data
    assert "agreed · scenario carpentry+100" in out
    assert "Carpentry hours raised from 400 to 500. Objective 2300, was 2200 (+100)." in out
    assert 'available = {"carpentry": 500, "finishing": 450}' in out
    # an infeasible what-if is said plainly, with the constraints that conflict
    assert "agreed · scenario tables>=100 · infeasible" in out
    assert "The changed model is infeasible: no plan satisfies every constraint." in out
    assert "These constraints cannot all hold together: shop_hours[finishing], min_tables." in out
    # undo restores the previous objective, twice
    assert "now at scenario carpentry+100: objective 2300 (optimal, agreed)" in out
    assert "now at scenario base: objective 2200 (optimal, agreed)" in out
    # a two-part request both modifies and answers, from a re-solve
    assert "scenario integer" in out and "probe one more finishing hour" in out
    assert "An extra finishing hour is worth 0 [solver]: the integer plan cannot use it." in out
    # compare, failed turns in the history, default export name, errors that leave the session alive
    assert "  variable make changed: type continuous -> integer" in out and "problem type LP -> ILP" in out
    assert "failed: I could not turn that into a valid change or answer" in out
    assert "you: make it better\nfailed:" in out
    program = (tmp_path / "production_mix-integer.py").read_text()
    assert program.startswith('"""production_mix (ILP) - scenario integer')
    assert "error: cannot write" in err and "production_mix-integer.py/session.json" in err
    assert "cannot load the session" in err and "nested too deeply" in err
    scenarios = out.split("you> /scenarios")[1]
    assert "*  integer" in scenarios and "tables>=100" in scenarios
    assert "no scenarios yet" in out.split("you> /new")[1]


@pytest.mark.slow
def test_solve_text_through_the_cli(tmp_path):
    replies = {"missing_data": [NO_GAPS], "formulate": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}
    problem = tmp_path / "problem.txt"
    problem.write_text(PROBLEM)
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path)}
    with FakeOpenAI(replies) as server:
        proc = run_cli(
            "solve",
            "-f",
            str(problem),
            "--model",
            "test",
            "--base-url",
            server.url,
            "--json",
            check_rc=0,
            env=env,
        )
    answer = json.loads(proc.stdout)
    assert answer["verdict"] == "agreed" and answer["objective"] == pytest.approx(OPTIMUM)
    assert answer["route"][-1] == "diagnose:answer" and answer["llm_calls"] == 2


def test_solve_without_an_llm_prints_the_configuration_help(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_API_KEY", "OPTAGENT_MODEL", "OPENAI_BASE_URL")
    }
    env["OPTAGENT_CONFIG"] = str(tmp_path / "absent.toml")
    proc = run_cli("solve", "A factory makes chairs and tables.", env=env)
    assert proc.returncode == 1
    assert (
        "no LLM is configured" in proc.stderr and "OPENAI_API_KEY" in proc.stderr and "ollama" in proc.stderr
    )


@pytest.mark.parametrize(
    ("args", "message", "rc"),
    [
        (["solve"], "no problem given", 2),
        (["solve", "text", "-f", "README.md"], "not both", 2),
        (["solve", "-f", "/nonexistent.txt"], "cannot read", 1),
        (["solve", "x", "--mode", "magic"], "unknown mode 'magic'", 1),
        (["solve", "x", "--model", "scripted:/dev/null"], "cannot read the scripted replies", 1),
    ],
)
@pytest.mark.slow
def test_solve_bad_arguments(args, message, rc):
    proc = run_cli(*args)
    assert proc.returncode == rc and message in proc.stderr


def test_chat_lists_readings_and_picks_one(tmp_path):
    replies = {
        "missing_data": [NO_GAPS],
        "formulate": [json.dumps({**TABLES_MODEL, "readings": [PER_WEEK]})],
    }
    script = tmp_path / "replies.json"
    script.write_text(json.dumps({"by_tag": replies}))
    lines = [TABLES, "/reading two", "/reading 5", "/reading 2", "/scenarios", "/quit"]
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path), "COLUMNS": "120"}
    args = ["chat", "--model", f"scripted:{script}", "--mode", "ir"]
    proc = run_cli_input(args, "\n".join(lines) + "\n", env, tmp_path)
    out, err = proc.stdout, proc.stderr
    assert proc.returncode == 0, err
    assert "Reading 2: Up to 15 tables each week (objective 600, optimal)." in out
    assert "/reading takes a reading's number, not 'two'" in err
    assert "there is no reading 5" in err and "pick one of 1..2" in err
    assert "scenario reading-2" in out
    assert "Reading 2: up to 15 tables each week. Objective 600, was 450" in out
    scenarios = out.split("you> /scenarios")[1]
    assert "*  reading-2" in scenarios and "base" in scenarios
