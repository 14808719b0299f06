"""Graph behaviour with the scripted model: plausibility repair, self-consistency, streaming, bad settings."""

from __future__ import annotations

import json

import pytest
from agent_fixtures import FORMULATION_JSON, OPTIMUM, PROBLEM, formulation_with

import optagent
from optagent.agent.llm import ScriptedLLM
from optagent.agent.steps import Step
from optagent.errors import InputError
from optagent.sandbox import Limits, WorkerPool

TRUCKS = {
    "name": "trucks",
    "problem_type": "LP",
    "sets": [],
    "parameters": [{"name": "capacity", "value": 5}, {"name": "profit", "value": 3}],
    "variables": [{"name": "trucks", "description": "number of trucks sent", "lower": 0}],
    "objective": {"sense": "maximize", "expr": "profit * trucks"},
    "constraints": [{"name": "loading", "expr": "2 * trucks <= capacity"}],
}


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def test_fractional_counts_are_sent_back_once(pool):
    integer = {**TRUCKS, "problem_type": "ILP", "variables": [{**TRUCKS["variables"][0], "type": "integer"}]}
    llm = ScriptedLLM(
        {
            "formulate": [json.dumps(TRUCKS)],
            "repair_formulation": [json.dumps(integer)],
        }
    )
    answer = optagent.solve("How many trucks ...", llm=llm, executor=pool, mode="ir")
    assert answer.route == [
        "formulate:ok",
        "solve_ir:ok",
        "diagnose:repair-formulation",
        "formulate:ok",
        "solve_ir:ok",
        "diagnose:answer",
    ]
    assert "trucks = 2.5" in llm.calls[1].prompt_text and "Declare them integer" in llm.calls[1].prompt_text
    assert answer.objective == pytest.approx(6.0)


def test_self_consistency_reports_the_majority_and_its_agreement(pool):
    other = formulation_with(
        parameters=[
            {"name": "profit", "index": ["p in Products"], "value": [45, 80]},
            {"name": "hours", "index": ["s in Shops", "p in Products"], "value": [[5, 20], [10, 15]]},
            {"name": "available", "index": ["s in Shops"], "value": [400, 300]},
        ]
    )
    formulations = [FORMULATION_JSON, other, FORMULATION_JSON]
    llm = ScriptedLLM({"formulate": formulations})
    answer = optagent.solve(PROBLEM, llm=llm, executor=pool, mode="ir", samples=3, budget=0)
    assert answer.objective == pytest.approx(OPTIMUM)
    assert answer.agreement == pytest.approx(2 / 3)
    assert answer.llm_calls == 3
    assert any("2 of 3 samples agree on 2200 (2 distinct answers)" in n for n in answer.notes)
    assert {c.temperature for c in llm.calls} == {0.7} and {c.sample for c in llm.calls} == {0, 1, 2}


def test_stream_yields_steps_then_the_answer(pool):
    llm = ScriptedLLM({"formulate": [FORMULATION_JSON]})
    items = list(optagent.stream(PROBLEM, llm=llm, executor=pool, mode="ir"))
    assert all(isinstance(i, Step) for i in items[:-1]) and isinstance(items[-1], optagent.Answer)
    assert [s.node for s in items[:-1]] == ["formulate", "solve_ir", "diagnose"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "magic"}, "unknown mode"),
        ({"budget": -1}, "budget"),
        ({"code_library": "cplex"}, "unknown code"),
    ],
)
def test_bad_settings(kwargs, message, pool):
    with pytest.raises(InputError, match=message):
        optagent.solve(PROBLEM, llm=ScriptedLLM([]), executor=pool, **kwargs)


def test_empty_problem(pool):
    with pytest.raises(InputError, match="empty"):
        optagent.solve("   ", llm=ScriptedLLM([]), executor=pool)
