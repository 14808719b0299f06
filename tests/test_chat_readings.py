"""Chat on an ambiguous text: the first answer lists every reading with its optimum, and ``/reading N``
makes one of them the current scenario, solved and checked like any change (scripted LLM)."""

from __future__ import annotations

import json

import pytest
from agent_fixtures import PER_WEEK, TABLES, TABLES_MODEL, TOTAL_CAP, WEEKLY_CAP, tables_program
from chat_fixtures import NO_GAPS

from optagent.agent.config import RunConfig
from optagent.agent.llm import ScriptedLLM
from optagent.agent.session import ChatSession
from optagent.errors import InputError
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def ambiguous_session(pool, mode: str = "full", code: list[str] = ()) -> tuple[ChatSession, object]:
    replies = {
        "missing_data": [NO_GAPS],
        "formulate": [json.dumps({**TABLES_MODEL, "readings": [PER_WEEK]})],
        "code_from_text": list(code),
    }
    session = ChatSession(llm=ScriptedLLM(replies), executor=pool, config=RunConfig(mode=mode))
    return session, session.send(TABLES)


def test_first_answer_lists_the_readings_and_how_to_pick_one(pool):
    session, first = ambiguous_session(pool, code=[tables_program(TOTAL_CAP)])
    assert first.verdict == "ambiguous" and session.objective == pytest.approx(450)
    assert first.notes[0] == "The text can be read in more than one way:"
    assert first.notes[1].startswith("Reading 1 (this answer): ")
    assert "(objective 450, optimal)" in first.notes[1]
    assert first.notes[2] == "Reading 2: Up to 15 tables each week (objective 600, optimal)."
    assert first.notes[3].startswith("/reading N makes reading N the current scenario")


def test_picking_a_reading_solves_and_checks_it_as_a_scenario(pool):
    session, _ = ambiguous_session(pool, code=[tables_program(TOTAL_CAP), tables_program(WEEKLY_CAP)])
    turn = session.pick_reading(2)
    assert turn.kind == "modified" and turn.scenario == "reading-2" and session.book.current == "reading-2"
    assert session.objective == pytest.approx(600) and turn.verdict == "agreed"
    assert turn.text == "Reading 2: up to 15 tables each week. Objective 600, was 450 (+150)."
    independent = session.llm.calls[-1]
    assert independent.tag == "code_from_text"
    assert "Read the problem this way: Up to 15 tables each week." in independent.prompt_text
    assert "build[w] <= sales" in session.show() and "sum(build[w] for w in W) <= sales" not in session.show()
    scenario = session.scenario
    assert scenario.parent == "base" and scenario.request == "/reading 2"
    assert scenario.edit == PER_WEEK["edit"]
    assert session.history[-1]["user"] == "/reading 2" and session.history[-1]["scenario"] == "reading-2"
    session.undo()
    assert session.book.current == "base" and session.objective == pytest.approx(450)


def test_the_literal_reading_can_be_picked_back_without_an_llm_call_in_ir_mode(pool):
    session, _ = ambiguous_session(pool, mode="ir")
    calls = len(session.llm.calls)
    assert session.pick_reading(2).scenario == "reading-2"
    turn = session.pick_reading(1)
    assert turn.scenario == "reading-1" and session.objective == pytest.approx(450)
    assert turn.verdict == "solved" and len(session.llm.calls) == calls


def test_bad_reading_numbers_and_texts_without_readings_are_refused(pool):
    session, _ = ambiguous_session(pool, mode="ir")
    for bad in (0, 3):
        with pytest.raises(InputError, match=f"there is no reading {bad}") as info:
            session.pick_reading(bad)
        assert info.value.hint == "pick one of 1..2"
    assert session.book.current == "base" and len(session.book) == 1
    fresh = ChatSession(llm=ScriptedLLM({}), executor=pool)
    with pytest.raises(InputError, match="no other readings"):
        fresh.pick_reading(2)
