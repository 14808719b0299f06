"""The chat session (what-if, question, export, save/load) and the agent's command line."""

from __future__ import annotations

import copy
import json
import os

import pytest
from agent_fixtures import FORMULATION, FORMULATION_JSON, GOOD_CODE, OPTIMUM, PROBLEM
from cli_helpers import run_cli
from fake_openai import FakeOpenAI

from optagent.agent.config import RunConfig
from optagent.agent.llm import ScriptedLLM
from optagent.agent.session import ChatSession
from optagent.errors import InputError
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def more_carpentry() -> str:
    data = copy.deepcopy(FORMULATION)
    data["parameters"][2]["value"] = [500, 450]
    return json.dumps({"action": "modify", "summary": "carpentry hours raised to 500", "formulation": data})


def test_chat_session_what_if_question_export_and_save(tmp_path, pool):
    llm = ScriptedLLM(
        {
            "formulate": [FORMULATION_JSON],
            "chat_turn": [
                "not json at all",  # an unusable reply is retried with the complaint
                more_carpentry(),
                json.dumps(
                    {"action": "answer", "answer": "finishing hours are used up: 24*10 + 14*15 = 450"}
                ),
            ],
        }
    )
    session = ChatSession(llm=llm, executor=pool, config=RunConfig(mode="ir"))
    first = session.send(PROBLEM)
    assert first.kind == "solved" and session.objective == pytest.approx(OPTIMUM)

    what_if = session.send("what if we had 500 carpentry hours?")
    assert what_if.kind == "modified"
    assert "carpentry hours raised to 500" in what_if.text and "(was 2200)" in what_if.text
    assert session.objective > OPTIMUM
    assert any(change.startswith("make[chair]: 24 ->") for change in what_if.changes)
    assert "Your last reply could not be used" in llm.calls[-1].prompt_text  # the retry carried the complaint

    question = session.send("why is finishing binding?")
    assert question.kind == "answer" and "450" in question.text
    assert session.formulation["parameters"][2]["value"] == [500, 450]  # a question changes nothing

    latex = session.export("latex", tmp_path / "model.tex")
    assert "\\begin{document}" in latex.read_text()
    assert session.export("lp", tmp_path / "model.lp").read_text().strip()
    with pytest.raises(InputError, match="no generated program"):
        session.export("python", tmp_path / "model.py")
    with pytest.raises(InputError, match="unknown export"):
        session.export("docx", tmp_path / "x")

    saved = session.save(tmp_path / "session.json")
    restored = ChatSession(llm=ScriptedLLM([]), executor=pool)
    restored.load(saved)
    assert restored.formulation == session.formulation and len(restored.history) == 3
    assert "shop_hours" in restored.show()


def test_chat_cli_through_stdin(tmp_path):
    replies = {
        "formulate": [FORMULATION_JSON],
        "code_from_text": [GOOD_CODE],
        "chat_turn": [more_carpentry()],
    }
    with FakeOpenAI(replies) as server:
        script = (
            f"{PROBLEM}\nwhat if carpentry had 500 hours?\n/export json {tmp_path / 'm.json'}\n/show\n/quit\n"
        )
        env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path)}
        proc = run_cli_input(
            ["chat", "--model", "test", "--base-url", server.url, "--api-key", "k"], script, env
        )
    assert proc.returncode == 0, proc.stderr
    assert "solved:" in proc.stdout and "Objective: 2200" in proc.stdout
    assert "modified:" in proc.stdout and "make[chair]: 24 ->" in proc.stdout
    assert json.loads((tmp_path / "m.json").read_text())["parameters"][2]["value"] == [500, 450]


def run_cli_input(args, stdin, env):
    import subprocess

    from cli_helpers import EXE

    proc = subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr
    return proc


def test_solve_text_through_the_cli(tmp_path):
    replies = {"formulate": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}
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
def test_solve_bad_arguments(args, message, rc):
    proc = run_cli(*args)
    assert proc.returncode == rc and message in proc.stderr
