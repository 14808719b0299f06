"""The chat session: scenarios, per-turn verdicts, the derived program, asking before assuming, probes."""

from __future__ import annotations

import json

import pytest
from agent_fixtures import FORMULATION, FORMULATION_JSON, GOOD_CODE, OPTIMUM, PROBLEM
from chat_fixtures import (
    ASK_JIG_COST,
    GAP,
    INFEASIBLE_PROGRAM,
    INTEGER_AND_VALUE,
    MIN_TABLES,
    NO_GAPS,
    answer,
    program_with,
    what_if,
)

from optagent.agent.config import RunConfig
from optagent.agent.llm import ScriptedLLM
from optagent.agent.session import ChatSession
from optagent.errors import InputError
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits
from optagent.formulations.solve import solve
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def session_with(pool, chat_turn: list[str], *, mode: str = "ir", code: list[str] = (), **kw) -> ChatSession:
    replies = {
        "missing_data": [NO_GAPS, NO_GAPS],
        "formulate": [FORMULATION_JSON],
        "code_from_text": list(code),
        "chat_turn": list(chat_turn),
    }
    session = ChatSession(llm=ScriptedLLM(replies), executor=pool, config=RunConfig(mode=mode), **kw)
    first = session.send(PROBLEM)
    assert first.scenario == "base" and session.objective == pytest.approx(OPTIMUM), first
    return session


def test_a_what_if_is_a_checked_scenario_and_code_follows_it(pool, tmp_path):
    session = session_with(pool, [what_if(500)], mode="full", code=[GOOD_CODE, program_with(500)])
    assert session.scenario.verdict == "agreed"  # the first answer keeps the agent's verdict word
    turn = session.send("what if we had 500 carpentry hours?")
    assert turn.kind == "modified" and turn.scenario == "carpentry+100"  # named from the data change
    assert turn.verdict == "agreed" and session.objective == pytest.approx(2300)
    assert turn.text == "Carpentry hours raised from 400 to 500. Objective 2300, was 2200 (+100)."
    assert turn.changes == ["make[chair]: 24 -> 12", "make[table]: 14 -> 22"]
    checks = " ".join(turn.checks)
    assert "satisfies all 2 constraint rows" in checks
    assert "the program in /code, run in the sandbox, agrees (2300)" in checks
    independent = "an independent program written from the problem text and the changes agrees (2300)"
    assert f"{independent}, and its values satisfy the formulation" in checks
    independent = session.llm.calls[-1]
    assert (
        independent.tag == "code_from_text"
        and "1. Carpentry hours raised from 400 to 500." in independent.prompt_text
    )
    code = session.code()
    assert 'available = {"carpentry": 500, "finishing": 450}' in code and "scenario carpentry+100" in code
    written = session.export("python", tmp_path / "m.py")
    assert written.read_text() == code
    session.undo()
    assert 'available = {"carpentry": 400, "finishing": 450}' in session.code()  # never a stale program


def test_infeasible_what_if_is_said_plainly_with_the_conflict(pool):
    why = answer("Tables need 20 carpentry hours each, and there are only 400.")
    session = session_with(pool, [MIN_TABLES, why], mode="full", code=[GOOD_CODE, INFEASIBLE_PROGRAM])
    turn = session.send("we must make at least 100 tables")
    assert turn.kind == "modified" and turn.status == "infeasible" and turn.scenario == "tables>=100"
    assert "The changed model is infeasible: no plan satisfies every constraint." in turn.text
    assert turn.conflict == "These constraints cannot all hold together: shop_hours[finishing], min_tables."
    assert turn.verdict == "agreed"  # the independent program finds it infeasible too
    assert "also finds it infeasible" in " ".join(turn.checks)
    assert session.objective is None and not turn.changes  # no plan, so no decision lines
    session.send("why?")  # the next prompt carries the solve status and the conflict
    prompt = session.llm.calls[-1].prompt_text
    assert "Current scenario: base -> tables>=100" in prompt and "status: infeasible" in prompt
    assert "These constraints cannot all hold together: shop_hours[finishing], min_tables." in prompt
    assert "user: we must make at least 100 tables" in prompt  # the conversation so far


def test_undo_redo_and_switch_restore_objectives(pool):
    session = session_with(pool, [what_if(500), what_if(600, "carpentry600")])
    session.send("what if we had 500 carpentry hours?")
    session.send("and 600?")
    assert session.objective == pytest.approx(2400)
    assert session.undo().name == "carpentry+100" and session.objective == pytest.approx(2300)
    assert session.undo().name == "base" and session.objective == pytest.approx(OPTIMUM)
    assert session.undo() is None
    assert session.redo().name == "carpentry+100"
    session.switch("carpentry600")
    assert session.objective == pytest.approx(2400)
    assert session.undo().name == "carpentry+100"  # a switch is undone like a change


def test_compare_lists_data_model_decisions_and_objective(pool):
    session = session_with(pool, [what_if(500), MIN_TABLES])
    session.send("what if we had 500 carpentry hours?")
    session.switch("base")
    session.send("at least 100 tables")
    lines = session.compare("base", "carpentry+100")
    assert lines[0] == "objective: 2200 (optimal) -> 2300 (optimal): +100, +4.55%"
    assert "  available[carpentry]: 400 -> 500" in lines and "model: no difference" in lines
    assert "  make[table]: 14 -> 22" in lines
    structure = session.compare("base", "tables>=100")
    assert "  constraint min_tables added: make['table'] >= 100" in structure
    assert "data: no difference" in structure


def test_a_missing_number_makes_the_assistant_ask_and_wait(pool):
    delivery_ignored = {**FORMULATION, "unused_numbers": ["3: the delivery cost is outside this plan"]}
    replies = {"missing_data": [GAP, NO_GAPS], "formulate": [json.dumps(delivery_ignored)]}
    llm = ScriptedLLM(replies)
    session = ChatSession(llm=llm, executor=pool, config=RunConfig(mode="ir"))
    question = session.send(PROBLEM)
    assert question.kind == "question" and session.pending is not None
    assert (
        question.text == "The problem does not give the delivery cost per table. I would assume $5 per table."
    )
    assert [c.tag for c in llm.calls] == ["missing_data"]  # nothing solved before the answer
    solved = session.send("it is $3 per table")
    assert solved.scenario == "base" and session.pending is None
    formulate = next(c for c in llm.calls if c.tag == "formulate")
    assert (
        "Clarifications from the user:" in formulate.prompt_text
        and "it is $3 per table" in formulate.prompt_text
    )


def test_with_assume_the_assumption_is_recorded_one_per_line(pool):
    assumed = {**FORMULATION, "assumptions": ["the delivery cost per table: $5 per table"]}
    replies = {"formulate": [json.dumps(assumed)]}  # no question: the formulation records its assumption
    session = ChatSession(llm=ScriptedLLM(replies), executor=pool, config=RunConfig(mode="ir"), assume=True)
    turn = session.send(PROBLEM)
    assert turn.kind == "solved" and turn.assumptions == ["The delivery cost per table: $5 per table."]


def test_a_change_with_a_missing_number_asks_first(pool):
    session = session_with(pool, [ASK_JIG_COST, what_if(500)])
    question = session.send("add a jig")
    assert question.kind == "question" and "I would assume $100 per week." in question.text
    session.send("")  # Enter accepts the proposed value
    prompt = session.llm.calls[-1].prompt_text
    assert "You asked, and the user answered:" in prompt and "use the proposed value: $100 per week" in prompt
    assert '"ask"' not in prompt.split("Reply with one JSON object")[1]  # the answer is not asked again


def test_a_two_part_request_modifies_and_answers_from_a_re_solve(pool):
    reply = "An extra finishing hour is worth {value} [solver], less than the LP dual of 4 [estimate]."
    session = session_with(pool, [INTEGER_AND_VALUE, answer(reply.format(value="0"))])
    turn = session.send("make it integer again, and tell me what a finishing hour is worth")
    assert turn.kind == "modified" and turn.scenario == "integer"
    assert session.formulation["variables"][0]["type"] == "integer"
    integer = Formulation.from_data(session.formulation)
    more = apply_edits(integer, json.loads(INTEGER_AND_VALUE)["probes"][0]["edit"])
    assert solve(more).objective == pytest.approx(solve(integer).objective)  # the integer plan cannot use it
    assert turn.probes == [
        "one more finishing hour (available[finishing]: 450 -> 451): objective 2200, the same as integer"
    ]
    second = session.llm.calls[-1].prompt_text
    assert "probe one more finishing hour" in second and "scenario integer (from base)" in second
    assert turn.answer.startswith("An extra finishing hour is worth 0 [solver]") and not turn.notes


def test_a_number_marked_solver_that_no_result_has_is_flagged(pool):
    session = session_with(pool, [answer("Swap about 29.6 [solver] kg; profit stays 2200 [solver].")])
    turn = session.send("how much should we swap?")
    assert turn.kind == "answer" and turn.notes == [
        "Not found in the solver's results: 29.6 (marked [solver] in the answer)."
    ]


def test_failed_turns_stay_in_the_history(pool):
    session = session_with(pool, ["not json"] * 5)
    turn = session.send("make it better")
    assert turn.failed and "could not turn that into a valid change" in turn.text
    assert session.history[-1]["failed"] is True and session.history[-1]["user"] == "make it better"
    assert session.objective == pytest.approx(OPTIMUM)  # the model is as it was


def test_an_independent_program_that_disagrees_makes_the_turn_disputed(pool):
    session = session_with(pool, [what_if(500)], mode="full", code=[GOOD_CODE, GOOD_CODE])
    turn = session.send("what if we had 500 carpentry hours?")  # the program ignores the change: 2200
    assert turn.verdict == "disputed" and session.objective == pytest.approx(2300)
    assert (
        "an independent program written from the problem text and the changes gives 2200, not 2300"
        in turn.checks
    )


def test_in_code_mode_a_follow_up_solves_again_with_the_new_information(pool):
    replies = {"missing_data": [NO_GAPS, NO_GAPS, NO_GAPS], "code_from_text": [GOOD_CODE, GOOD_CODE]}
    session = ChatSession(llm=ScriptedLLM(replies), executor=pool, config=RunConfig(mode="code"))
    first = session.send(PROBLEM)
    assert first.kind == "solved" and session.scenario is None and "def solve(" in session.code()
    again = session.send("tables now earn $90")
    assert again.kind == "solved" and "Additional information: tables now earn $90" in session.problem


def test_files_that_fail_leave_the_session_as_it_was(pool, tmp_path):
    session = session_with(pool, [what_if(500)])
    session.send("what if we had 500 carpentry hours?")
    book, history = session.book, list(session.history)
    broken = tmp_path / "broken.json"
    broken.write_text('{"problem": "p", "scenarios": [{"name": "a"}]}')
    for bad in (broken, tmp_path / "missing.json"):
        with pytest.raises(InputError):
            session.load(bad)
    with pytest.raises(InputError, match="cannot write"):
        session.export("lp", tmp_path / "broken.json" / "model.lp")
    with pytest.raises(InputError, match="cannot write"):
        session.save(tmp_path / "broken.json" / "session.json")
    assert session.book is book and session.history == history and session.objective == pytest.approx(2300)


def test_a_saved_session_restores_every_scenario_and_its_own_program(pool, tmp_path):
    session = session_with(pool, [what_if(500)])
    session.send("what if we had 500 carpentry hours?")
    path = session.save(tmp_path / "s.json")
    saved = json.loads(path.read_text())
    assert [s["name"] for s in saved["scenarios"]] == ["base", "carpentry+100"]
    assert 'available = {"carpentry": 500' in saved["scenarios"][1]["program"]
    other = session_with(pool, [])
    other.load(path)
    assert other.book.current == "carpentry+100" and other.objective == pytest.approx(2300)
    assert 'available = {"carpentry": 500, "finishing": 450}' in other.code()  # not the other session's
    assert other.undo().name == "base" and len(other.history) == 2


def test_ctrl_c_during_a_turn_restores_the_session(pool):
    def interrupt(request):
        raise KeyboardInterrupt

    change_then_explain = json.dumps({**json.loads(what_if(600)), "answer_after_results": True})
    session = session_with(pool, [what_if(500), change_then_explain, interrupt])
    session.send("what if we had 500 carpentry hours?")
    with pytest.raises(KeyboardInterrupt):  # the change is solved, then Ctrl-C while the answer is written
        session.send("and 600, and why?")
    assert (
        list(session.book.scenarios) == ["base", "carpentry+100"] and session.book.current == "carpentry+100"
    )
    assert session.history[-1]["user"] == "and 600, and why?" and session.history[-1]["failed"] is True


def test_a_program_with_the_same_objective_but_impossible_values_is_disputed(pool):
    doubled = program_with(500).replace("m.x[p].value for p", "2 * m.x[p].value for p")
    session = session_with(pool, [what_if(500)], mode="full", code=[GOOD_CODE, doubled])
    turn = session.send("what if we had 500 carpentry hours?")
    assert turn.verdict == "disputed"
    assert "reaches the same objective, but its values violate the formulation" in " ".join(turn.checks)
