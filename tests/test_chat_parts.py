"""Chat's parts without an LLM: clean diffs and sentences, scenario bookkeeping, the reply protocol, the
sensitivity and conflict adapters, and session files that must not break the session."""

from __future__ import annotations

import copy
import json
import sys
import types
from dataclasses import dataclass

import pytest
from agent_fixtures import FORMULATION

from optagent.agent import chat_check
from optagent.agent.chat_files import read_session, write_text
from optagent.agent.chat_format import assumption_lines, number, sentence, value_changes
from optagent.agent.chat_turn import parse_reply, sensitivity_text, unsupported_numbers
from optagent.agent.parse import ReplyFormatError
from optagent.agent.scenarios import Scenario, ScenarioBook, compare, default_name
from optagent.errors import InputError
from optagent.formulations import Formulation


def test_diffs_fold_indicators_into_the_decision_and_never_say_minus_zero():
    old = {"make": {"chair": 24.0, "table": 0.0}, "produce": {"chair": 1.0, "table": -0.0}, "use_jig": 0.0}
    new = {"make": {"chair": 0.0, "table": 14.0}, "produce": {"chair": 0.0, "table": 1.0}, "use_jig": 1.0}
    lines = value_changes(old, new, binaries={"produce", "use_jig"})
    assert lines == ["make[chair]: 24 -> 0 (stopped)", "make[table]: 0 -> 14 (new)", "use_jig: 0 -> 1"]
    assert number(-0.0) == number(-1e-12) == "0" and number(13.999999999999) == "14"
    assert value_changes({"x": 1.0}, {"x": 1.0 + 1e-12}) == []


def test_sentences_end_once_and_assumptions_come_one_per_line():
    assert sentence("hours raised..") == "Hours raised." and sentence("Why?") == "Why?"
    assert assumption_lines(["assumption: overtime cost -> no overtime", "assumption: oats cost 0.2.."]) == [
        "Overtime cost: no overtime.",
        "Oats cost 0.2.",
    ]


def scenario(name: str, carpentry: float, objective: float, parent: str | None = None) -> Scenario:
    formulation = copy.deepcopy(FORMULATION)
    formulation["parameters"][2]["value"] = [carpentry, 450]
    return Scenario(name, formulation, parent=parent, objective=objective, status="optimal")


def test_the_book_names_uniquely_and_a_new_change_clears_redo():
    book = ScenarioBook()
    book.add(scenario("base", 400, 2200))
    book.add(scenario("more", 500, 2300, "base"))
    assert book.add(scenario("more", 600, 2400, "more")).name == "more-2"
    assert book.undo().name == "more" and book.redo().name == "more-2"
    book.undo()
    book.add(scenario("other", 450, 2250, "more"))
    assert book.redo() is None  # a new change after undo starts a new branch
    assert [s.name for s in book.lineage("other")] == ["base", "more", "other"]
    restored = ScenarioBook.from_data(json.loads(json.dumps(book.to_data())))
    assert restored.current == "other" and restored.undo().name == "more"


def test_default_names_come_from_a_single_data_change():
    base, more = scenario("a", 400, 0).formulation, scenario("b", 410, 0).formulation
    assert default_name(base, more) == "carpentry+10"
    assert default_name(base, base) == ""


def test_compare_reports_set_and_objective_changes():
    a, b = scenario("a", 400, 2200), scenario("b", 400, 2200)
    b.formulation["sets"][0]["elements"] = ["chair", "table", "desk"]
    b.formulation["objective"]["sense"] = "minimize"
    lines = compare(a, b)
    assert lines[0] == "objective: 2200 (optimal) -> 2200 (optimal), unchanged"
    assert any(line.startswith("  set Products changed: elements ['chair', 'table'] -> ") for line in lines)
    assert any(line.startswith("  objective: maximize ") and "-> minimize" in line for line in lines)


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({}, "give at least one of"),
        ({"edit": [1, 2]}, '"edit" must be a JSON object'),
        ({"probes": [{"label": "x"}]}, '"probes" must be a list'),
    ],
)
def test_unusable_replies_say_what_to_fix(reply, message):
    with pytest.raises(ReplyFormatError, match=message):
        parse_reply(reply)


def test_modify_and_answer_in_one_reply_and_the_first_protocol_still_reads():
    both = parse_reply({"edit": {"parameters": []}, "probes": [{"edit": {}}], "answer_after_results": True})
    assert both.changes_model and both.probes and both.answer_after_results
    legacy = parse_reply({"action": "modify", "formulation": FORMULATION, "summary": "s"})
    assert legacy.formulation == FORMULATION and legacy.edit is None


def test_numbers_marked_solver_are_checked_at_the_precision_written():
    answer = "Worth $4 [solver], about 0.33 [solver] per unit, 1,250.5 [solver] in all, 29.6 [solver] kg."
    assert unsupported_numbers(answer, [4.0, 1 / 3, 1250.5, 18.5]) == ["29.6"]
    assert unsupported_numbers("12 [estimate]", []) == []


def test_sensitivity_is_shown_once_the_solver_gives_it():
    @dataclass
    class Row:
        name: str
        index: str
        activity: float
        dual: float
        slack: float
        binding: bool
        rhs_range: tuple[float, float] | None

    @dataclass
    class Sensitivity:
        basis: str
        constraints: list
        variables: list

    result = types.SimpleNamespace(
        sensitivity=Sensitivity("lp", [Row("shop_hours", "carpentry", 400, 1.0, 0.0, True, (225, 600))], [])
    )
    data = chat_check.sensitivity_data(result)
    text = sensitivity_text(data)
    assert "constraint shop_hours[carpentry]: activity 400; dual 1; slack 0, binding" in text
    assert "right-hand side range [225, 600]" in text
    assert chat_check.sensitivity_data(types.SimpleNamespace()) is None
    assert "not available" in sensitivity_text(None)


def test_conflicts_come_from_the_solver_area_when_it_provides_them(monkeypatch):
    infeasible = Formulation.from_data(
        {
            **FORMULATION,
            "constraints": [*FORMULATION["constraints"], {"name": "t", "expr": "make['table'] >= 100"}],
        }
    )
    assert chat_check.conflict(infeasible, "auto") == (
        "These constraints cannot all hold together: shop_hours[finishing], t."
    )
    module = types.ModuleType("optagent.formulations.conflict")
    module.find_conflict = lambda formulation, solver: [{"name": "shop_hours", "index": "carpentry"}, "t"]
    monkeypatch.setitem(sys.modules, "optagent.formulations.conflict", module)
    assert chat_check.conflict(infeasible, "auto") == (
        "These constraints cannot all hold together: shop_hours[carpentry], t."
    )


def saved(tmp_path, data) -> str:
    path = tmp_path / "session.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot load the session"),
        ("[" * 50_000 + "]" * 50_000, "nested too deeply"),
        ({"problem": "p"}, "it holds no model"),
        (
            {"problem": "p", "scenarios": [{"name": "a", "formulation": FORMULATION, "objective": "x"}]},
            "'objective'",
        ),
        ({"problem": "p", "scenarios": [{"name": "a", "formulation": {"variables": []}}]}, "not valid"),
        ({"problem": "p", "formulation": FORMULATION, "history": "lots"}, "'history' must be a list"),
    ],
)
def test_bad_session_files_are_input_errors(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_session(saved(tmp_path, content))


def test_the_first_save_format_still_loads(tmp_path):
    problem, book, history = read_session(saved(tmp_path, {"problem": "p", "formulation": FORMULATION}))
    assert problem == "p" and list(book.scenarios) == ["base"] and history == []


def test_an_unwritable_path_is_an_input_error_and_leaves_no_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        write_text(blocker / "out.json", "{}")
    target = tmp_path / "kept.json"
    write_text(target, "first")
    write_text(target, "second")
    assert target.read_text() == "second" and [p.name for p in tmp_path.iterdir()] == ["file", "kept.json"]


def test_completion_offers_commands_export_kinds_and_scenario_names():
    from optagent.cli.chat import COMMANDS
    from optagent.cli.chat_ui import completions

    commands = list(COMMANDS)
    assert completions("/sc", commands, []) == ["/scenarios"]
    assert completions("/export m", commands, []) == ["markdown", "mps"]
    assert completions("/compare base ca", commands, ["base", "carpentry+100"]) == ["carpentry+100"]
    assert completions("what if", commands, ["base"]) == []


@pytest.mark.parametrize(
    ("reply", "gaps"),
    [
        ('{"data_gaps": [{"missing": "the jig cost", "assumption": "$100"}]}', [("the jig cost", "$100")]),
        ('{"data_gaps": []}', []),
        ('{"data_gaps": "none"}', []),  # odd shapes list nothing rather than crash
        ('{"data_gaps": [1, {"assumption": "x"}, {"missing": "rate"}]}', [("rate", "")]),
        ("[1, 2]", []),
        ("no json", []),
    ],
)
def test_missing_data_reads_gaps_and_survives_odd_replies(reply, gaps):
    from optagent.agent.config import RunConfig
    from optagent.agent.deps import Deps
    from optagent.agent.llm import ScriptedLLM
    from optagent.agent.missing_data import missing_data

    deps = Deps(llm=ScriptedLLM({"missing_data": [reply]}), executor=None, config=RunConfig())  # type: ignore[arg-type]
    found = missing_data("A shop makes jigs.", deps)
    assert [(g["missing"], g["assumption"]) for g in found] == gaps
