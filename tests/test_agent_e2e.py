"""End to end through a fake OpenAI-compatible server on 127.0.0.1: real client, real HTTP, scripted replies.

Each test asserts the exact route the graph took and the final answer.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from agent_fixtures import (
    CRASHING_CODE,
    FORMULATION_JSON,
    GOOD_CODE,
    INFEASIBLE,
    OPTIMUM,
    PROBLEM,
    UNDEFINED_SYMBOL,
    WRONG_CODE,
    formulation_with,
    program,
    reconcile_program_fix,
)
from fake_openai import FakeOpenAI
from sandbox_helpers import LEVEL

import optagent
from optagent.agent.llm.openai_backend import OpenAIBackend
from optagent.agent.llm.types import LLMTimeout, LLMUnavailable
from optagent.sandbox import Limits, WorkerPool

ROOT = Path(__file__).resolve().parent.parent
SECRET = "sk-agent-test-secret-3b1d"


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, limits=Limits(timeout_s=60)) as workers:
        yield workers


def run(server: FakeOpenAI, pool, *, retries: int = 2, timeout: float = 10, **kwargs):
    llm = OpenAIBackend(
        "test-model", base_url=server.url, api_key=SECRET, timeout=timeout, max_retries=retries
    )
    return optagent.solve(PROBLEM, llm=llm, executor=pool, **kwargs)


# -- happy paths, one per mode
def test_full_mode_agrees_by_two_independent_paths(pool):
    replies = {"formulate": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}
    with FakeOpenAI(replies) as server:
        answer = run(server, pool)
    assert server.steps == ["formulate", "code_from_text"]
    assert "Your analysis" not in server.prompts("code_from_text")[0]  # the program reads the text itself
    assert answer.route == [
        "formulate:ok",
        "solve_ir:ok",
        "write_code:ok",
        "run_code:ok",
        "diagnose:answer",
    ]
    assert answer.verdict == "agreed" and answer.objective == pytest.approx(OPTIMUM)
    feasible = "feasibility: the program's solution satisfies every constraint of the formulation"
    assert feasible in answer.checks
    assert answer.values["make"] == pytest.approx({"chair": 24.0, "table": 14.0})
    assert (
        answer.llm_calls == 2 and answer.prompt_tokens > 0 and answer.cost_usd is None
    )  # unknown model price
    assert answer.prompt_version.startswith("p1-") and answer.mode == "full"
    assert "Objective: 2200" in answer.explanation
    assert SECRET not in json.dumps(answer.to_dict(), default=str)


def test_ir_mode_needs_no_code(pool):
    with FakeOpenAI({"formulate": [FORMULATION_JSON]}) as server:
        answer = run(server, pool, mode="ir")
    assert answer.route == ["formulate:ok", "solve_ir:ok", "diagnose:answer"]
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM) and answer.code is None


def test_code_mode_runs_the_program_in_the_sandbox(pool):
    with FakeOpenAI({"code_from_text": [GOOD_CODE]}) as server:
        answer = run(server, pool, mode="code")
    assert answer.route == ["write_code:ok", "run_code:ok", "diagnose:answer"]
    assert answer.verdict == "solved" and answer.answer_from == "program"
    assert answer.objective == pytest.approx(OPTIMUM) and answer.formulation is None


def test_five_element_mode_checks_the_program_against_the_formulation(pool):
    replies = {"formulate": [FORMULATION_JSON], "code_from_ir": [GOOD_CODE]}
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="five-element")
    assert answer.route == [
        "formulate:ok",
        "write_code:ok",
        "run_code:ok",
        "diagnose:answer",
    ]
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM)  # not independent
    assert any("written from the formulation (not independent)" in c for c in answer.checks)
    assert "production_mix" in server.prompts("code_from_ir")[0]


# -- repairs
def test_malformed_json_then_repaired(pool):
    replies = {
        "formulate": ['{"name": "x", "sets": [}'],
        "repair_formulation": [FORMULATION_JSON],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir")
    assert answer.route == [
        "formulate:invalid",
        "formulate:ok",
        "solve_ir:ok",
        "diagnose:answer",
    ]
    assert "does not parse" in server.prompts("repair_formulation")[0]
    assert answer.objective == pytest.approx(OPTIMUM)


def test_validation_errors_go_back_verbatim_then_repaired(pool):
    replies = {
        "formulate": [UNDEFINED_SYMBOL],
        "repair_formulation": [FORMULATION_JSON],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir")
    assert answer.route[:2] == ["formulate:invalid", "formulate:ok"]
    feedback = server.prompts("repair_formulation")[0]
    assert "[error undefined-symbol] objective: 'profits' is not defined" in feedback
    assert "did you mean 'profit'" in feedback
    assert answer.verdict == "solved"


def test_code_exception_then_repaired(pool):
    replies = {"code_from_text": [CRASHING_CODE], "repair_code": [GOOD_CODE]}
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="code")
    assert answer.route == [
        "write_code:ok",
        "run_code:error",
        "diagnose:repair-code",
        "write_code:ok",
        "run_code:ok",
        "diagnose:answer",
    ]
    feedback = server.prompts("repair_code")[0]
    assert "ZeroDivisionError: division by zero" in feedback and "ratio = 1 / 0" in feedback
    assert answer.objective == pytest.approx(OPTIMUM)


def test_infeasible_then_repaired_with_the_conflict_named(pool):
    replies = {
        "formulate": [INFEASIBLE],
        "repair_formulation": [FORMULATION_JSON],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir")
    assert answer.route == [
        "formulate:ok",
        "solve_ir:infeasible",
        "diagnose:repair-formulation",
        "formulate:ok",
        "solve_ir:ok",
        "diagnose:answer",
    ]
    feedback = server.prompts("repair_formulation")[0]
    assert "infeasible" in feedback and "minimum_tables" in feedback
    assert answer.objective == pytest.approx(OPTIMUM)


def test_disagreement_is_reconciled(pool):
    replies = {
        "formulate": [FORMULATION_JSON],
        "code_from_text": [WRONG_CODE],
        "reconcile": [reconcile_program_fix()],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool)
    assert answer.route == [
        "formulate:ok",
        "solve_ir:ok",
        "write_code:ok",
        "run_code:ok",
        "diagnose:reconcile",
        "reconcile:ok",
        "run_code:ok",
        "diagnose:answer",
    ]
    prompt = server.prompts("reconcile")[0]
    assert "objective 2200" in prompt and "objective 3600" in prompt
    assert "constraint 'shop_hours'" in prompt  # B's solution checked against A's constraints
    assert answer.verdict == "agreed" and answer.objective == pytest.approx(OPTIMUM)


def test_budget_exhausted_is_a_precise_failure(pool):
    replies = {
        "formulate": ["no json here"],
        "repair_formulation": ["still none"],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir", budget=1)
    assert answer.route == ["formulate:invalid", "formulate:invalid", "diagnose:give-up"]
    assert answer.verdict == "failed" and answer.objective is None and not answer.ok
    assert "repair budget spent (1 repairs)" in answer.failure and "contains no JSON object" in answer.failure


def test_garbage_and_empty_replies_then_repaired(pool):
    replies = {
        "formulate": [""],
        "repair_formulation": ["Sure! Here it is:\n" + FORMULATION_JSON + "\nHope this helps."],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir")
    assert answer.route == [
        "formulate:invalid",
        "formulate:ok",
        "solve_ir:ok",
        "diagnose:answer",
    ]
    assert "the reply was empty" in server.prompts("repair_formulation")[0]
    assert answer.objective == pytest.approx(OPTIMUM)


def test_missing_data_is_recorded_as_an_assumption(pool):
    reply = formulation_with(assumptions=["overtime cost: no overtime"])
    with FakeOpenAI({"formulate": [reply]}) as server:
        answer = run(server, pool, mode="ir")
    assert answer.assumptions == ["assumption: overtime cost: no overtime"]
    assert "Assumed: overtime cost: no overtime" in answer.explanation


# -- transport
def test_429_and_500_are_retried(pool):
    replies = {
        "formulate": [{"status": 429, "retry_after": 0}, {"status": 500}, FORMULATION_JSON],
    }
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, mode="ir")
    assert server.steps == ["formulate", "formulate", "formulate"]
    assert answer.objective == pytest.approx(OPTIMUM)


def test_server_errors_past_the_retries_are_reported(pool):
    with (
        FakeOpenAI({"formulate": [{"status": 503}] * 5}) as server,
        pytest.raises(LLMUnavailable, match="kept answering 503 after retries"),
    ):
        run(server, pool, retries=1, mode="ir")
    assert len(server.requests) == 2


def test_timeout_is_reported(pool):
    with (
        FakeOpenAI({"formulate": [{"sleep": 3, "text": FORMULATION_JSON}]}) as server,
        pytest.raises(LLMTimeout, match="did not answer within the timeout"),
    ):
        run(server, pool, retries=0, timeout=0.5, mode="ir")


def test_hostile_code_runs_only_in_the_sandbox(pool, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    marker = ROOT / f"hostile-{uuid.uuid4().hex}"
    with FakeOpenAI({}) as server:
        port = server.url.split(":")[2].split("/")[0]
        body = (
            "import os, socket\n"
            "    print('KEY', os.environ.get('OPENAI_API_KEY'))\n"
            "    try:\n"
            f"        open({str(marker)!r}, 'w').write('escaped')\n"
            "    except OSError as exc:\n"
            "        print('write blocked', exc)\n"
            "    try:\n"
            f"        s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
            "        s.sendall(b'POST /v1/chat/completions HTTP/1.1\\r\\nContent-Length: 2\\r\\n\\r\\n{}')\n"
            "        s.recv(100)\n"
            "    except OSError as exc:\n"
            "        print('network blocked', exc)"
        )
        server.replies["code_from_text"] = [program(body)]
        answer = run(server, pool, mode="code")
        requests_seen = len(server.requests)
    assert answer.objective == pytest.approx(OPTIMUM)  # the program still did its job
    assert SECRET not in json.dumps(answer.to_dict(), default=str)
    assert os.environ["OPENAI_API_KEY"] == SECRET
    if LEVEL in ("bwrap", "unshare"):
        assert requests_seen == 1  # the program's own request never reached the server
    if LEVEL == "bwrap":
        assert not marker.exists()
    marker.unlink(missing_ok=True)


def test_the_literal_reading_reports_the_formulations_own_result(pool):
    replies = {"formulate": [INFEASIBLE], "code_from_text": [GOOD_CODE]}
    with FakeOpenAI(replies) as server:
        answer = run(server, pool, budget=0)
    assert answer.verdict == "solved" and answer.answer_from == "program"
    assert answer.objective == pytest.approx(OPTIMUM)
    literal = answer.readings[0]
    assert literal.literal and literal.status == "infeasible"
    assert literal.objective is None and not literal.proven_optimal  # not the program's 2200
