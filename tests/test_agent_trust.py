"""Trustworthy answers: verdict meanings, readings, number coverage, time limits, the cross-check mapping,
asked quantities scored under all-keys, and odd replies that never crash a node (scripted LLM)."""

from __future__ import annotations

import json

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
    TOTAL_CAP,
    WEEKLY_CAP,
    formulation_with,
    program,
    tables_program,
)

import optagent
from optagent.agent import coverage, diagnosis
from optagent.agent.llm import ScriptedLLM
from optagent.agent.nodes import solve_ir as solve_ir_node
from optagent.formulations import Formulation
from optagent.formulations.result import SolutionStatus, Termination
from optagent.formulations.solve import solve as real_solve
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def run(pool, replies: dict, **kwargs):
    llm = ScriptedLLM(replies)
    return optagent.solve(kwargs.pop("text", PROBLEM), llm=llm, executor=pool, **kwargs), llm


def test_two_readings_end_ambiguous_with_both_optima(pool):
    reply = json.dumps({**TABLES_MODEL, "readings": [PER_WEEK]})
    answer, _ = run(pool, {"formulate": [reply], "code_from_text": [tables_program(TOTAL_CAP)]}, text=TABLES)
    assert answer.route == [
        "formulate:ok",
        "solve_ir:ok",
        "readings:ok",
        "write_code:ok",
        "run_code:ok",
        "diagnose:answer",
    ]
    assert answer.verdict == "ambiguous" and answer.objective == pytest.approx(450)  # the literal reading
    assert [(r.literal, r.objective) for r in answer.readings] == [(True, 450), (False, 600)]
    assert [value for value, _ in answer.distinct_optima()] == pytest.approx([450, 600])
    assert answer.readings[1].text == "up to 15 tables each week" and answer.readings[1].proven_optimal
    assert "600 if up to 15 tables each week" in answer.explanation
    assert any(c.startswith("readings: 1 other reading(s) built") and "600" in c for c in answer.checks)
    chosen = Formulation.from_data(answer.reading_formulation(1))
    assert real_solve(chosen).objective == pytest.approx(600)  # chat can switch to the reading


def test_a_program_that_takes_the_other_reading_is_ambiguous_not_reconciled(pool):
    reply = json.dumps({**TABLES_MODEL, "readings": [PER_WEEK]})
    answer, llm = run(
        pool, {"formulate": [reply], "code_from_text": [tables_program(WEEKLY_CAP)]}, text=TABLES
    )
    assert answer.verdict == "ambiguous" and answer.objective == pytest.approx(450)
    assert [c.tag for c in llm.calls] == ["formulate", "code_from_text"]  # no reconcile spent on it
    assert "is the optimum of another reading (up to 15 tables each week)" in answer.steps[-1].summary


def test_readings_that_do_not_change_the_optimum_keep_the_verdict(pool):
    same = {
        "reading": "profit per table is $30 net",
        "edit": {"parameters": [{"name": "profit", "value": 30}]},
    }
    reply = formulation_with(readings=[same])
    answer, _ = run(pool, {"formulate": [reply], "code_from_text": [GOOD_CODE]})
    assert answer.verdict == "agreed" and len(answer.readings) == 2
    assert any("none changes the optimum" in c for c in answer.checks)


def test_reconcile_can_call_the_text_ambiguous(pool):
    reply = json.dumps(TABLES_MODEL)
    decision = json.dumps(
        {"wrong": "neither", "statement": "up to 15 tables", "cause": "ambiguous", "reading": PER_WEEK}
    )
    replies = {"formulate": [reply], "code_from_text": [tables_program(WEEKLY_CAP)], "reconcile": [decision]}
    answer, llm = run(pool, replies, text=TABLES)
    assert answer.route[-4:] == ["diagnose:reconcile", "reconcile:ok", "readings:ok", "diagnose:answer"]
    assert answer.verdict == "ambiguous" and [r.objective for r in answer.readings] == [450, 600]
    prompt = llm.calls[-1].prompt_text
    assert '"neither"' in prompt and "solver limit" in prompt and "statement" in prompt


# -- verdict meanings
def test_agreed_needs_the_program_solution_to_satisfy_the_formulation(pool):
    # the same objective, but values that break the finishing-hours row: not "agreed"
    body = 'names = ["chair", "table"]\n    return {"status": "optimal", "objective": 2200.0, ' + (
        '"variables": {"make[chair]": 40.0, "make[table]": 5.0}}'
    )
    answer, _ = run(pool, {"formulate": [FORMULATION_JSON], "code_from_text": [program(body)]})
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM)
    assert any(
        c.startswith("feasibility: the program's solution violates the formulation") for c in answer.checks
    )


def test_lean_mode_is_one_call_and_never_claims_independence(pool):
    reply = FORMULATION_JSON + "\n" + GOOD_CODE
    answer, llm = run(pool, {"lean": [reply]}, mode="lean")
    assert [c.tag for c in llm.calls] == ["lean"]
    assert answer.route == ["lean:ok", "solve_ir:ok", "run_code:ok", "diagnose:answer"]
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM)
    assert any("same reply as the formulation (not independent)" in c for c in answer.checks)
    assert any(c.startswith("feasibility: the program's solution satisfies") for c in answer.checks)


def test_lean_reply_without_a_program_gets_the_program_repaired(pool):
    answer, llm = run(pool, {"lean": [FORMULATION_JSON], "repair_code": [GOOD_CODE]}, mode="lean")
    assert [c.tag for c in llm.calls] == ["lean", "repair_code"]
    assert "no ```python block" in llm.calls[1].prompt_text
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM)


def test_program_path_may_use_its_own_model_and_temperature(pool):
    main = ScriptedLLM({"formulate": [FORMULATION_JSON]})
    other = ScriptedLLM({"code_from_text": [GOOD_CODE]}, "other-model")
    answer = optagent.solve(PROBLEM, llm=main, code_llm=other, executor=pool, code_temperature=0.3)
    assert answer.verdict == "agreed"
    assert [c.tag for c in other.calls] == ["code_from_text"] and other.calls[0].temperature == 0.3
    assert "Problem" in other.calls[0].prompt_text and "make[p in Products]" not in other.calls[0].prompt_text
    assert any("at temperature 0.3" in c for c in answer.checks)


# -- 1d: mapping the program's variables onto the formulation
def test_unmappable_program_values_compare_objectives_only():
    f = Formulation.from_data(FORMULATION)
    check = diagnosis.check_program_solution(f, {"x[0]": 24.0, "x[1]": 14.0}, 2200.0)
    assert check.feasible is None and not check.mapped and (check.unmapped, check.total) == (2, 2)
    assert check.describe().startswith("could not map 2 of 2 variables")
    renamed = diagnosis.check_program_solution(f, {"produce[chair]": 24.0, "produce['table']": 14.0}, 2200.0)
    assert renamed.mapped and renamed.feasible  # same index set: mapped by it
    partly = diagnosis.check_program_solution(f, {"make[chair]": 24.0, "make[0]": 14.0}, 2200.0)
    assert not partly.mapped and partly.unmapped == 1 and partly.feasible is None


def test_reconcile_sees_no_false_violations_when_the_mapping_fails(pool):
    body = 'return {"status": "optimal", "objective": 3600.0, "variables": {"make[chair]": 80.0, "tbl": 0.0}}'
    replies = {"formulate": [FORMULATION_JSON], "code_from_text": [program(body)], "reconcile": ["{}"]}
    answer, llm = run(pool, replies, budget=1)
    prompt = next(c.prompt_text for c in llm.calls if c.tag == "reconcile")
    assert "could not map 1 of 2 variables" in prompt and "objectives compared only" in prompt
    assert "violation" not in prompt and "objective recomputed" not in prompt
    assert answer.verdict == "disputed"


# -- 1c: time limits
def test_a_time_limited_solve_is_reported_and_resolved_with_more_time(pool, monkeypatch):
    seen = []

    def limited_first(formulation, **kwargs):
        result = real_solve(formulation, **kwargs)
        seen.append(kwargs["time_limit"])
        if len(seen) > 1:
            return result
        update = {"termination": Termination.time_limit, "solution_status": SolutionStatus.feasible}
        update["objective"] = 2000.0
        return result.model_copy(update={**update, "bound": 2500.0, "gap": 0.25})

    monkeypatch.setattr(solve_ir_node, "solve", limited_first)
    answer, llm = run(pool, {"formulate": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}, time_limit=5)
    assert answer.route == [
        "formulate:ok",
        "solve_ir:time-limit",
        "write_code:ok",
        "run_code:ok",
        "diagnose:more-time",
        "solve_ir:ok",
        "diagnose:answer",
    ]
    assert answer.steps[1].summary.endswith("time limit after 5 s, best objective 2000, bound 2500, gap 0.25")
    assert seen == [5, 20] and [c.tag for c in llm.calls] == ["formulate", "code_from_text"]  # no reconcile
    assert answer.verdict == "agreed" and answer.objective == pytest.approx(OPTIMUM)


def test_a_program_stopped_by_its_time_limit_says_so(pool):
    body = 'return {"status": "time_limit", "objective": 2000.0, "variables": {}}'
    answer, _ = run(pool, {"formulate": [FORMULATION_JSON], "code_from_text": [program(body)]}, budget=1)
    limited = [s for s in answer.steps if s.node == "run_code"]
    assert [s.outcome for s in limited] == ["time-limit", "time-limit"]  # re-run once with more time
    assert limited[0].summary.startswith("time limit after 60 s, best objective 2000")
    assert "Status ok" not in limited[0].feedback and "not proven optimal" in limited[0].feedback
    assert answer.route[-3:] == ["diagnose:more-time", "run_code:time-limit", "diagnose:answer"]
    assert answer.verdict == "disputed"


# -- 7: number coverage
def test_a_formulation_that_ignores_a_number_is_repaired(pool):
    carpentry_only = formulation_with(
        parameters=[p for p in FORMULATION["parameters"] if p["name"] != "available"]
        + [{"name": "available", "index": ["s in Shops"], "value": [400, 1e9]}]
    )
    replies = {
        "formulate": [carpentry_only],
        "repair_formulation": [FORMULATION_JSON],
        "code_from_text": [GOOD_CODE],
    }
    answer, llm = run(pool, replies)
    assert answer.route[:3] == ["formulate:unused-numbers", "formulate:ok", "solve_ir:ok"]
    repair = llm.calls[1].prompt_text
    assert "appear nowhere in the formulation: 450" in repair and "450 finishing hours" in repair
    assert answer.verdict == "agreed" and answer.objective == pytest.approx(OPTIMUM)
    assert any(c.startswith("numbers: every number of the text is used") for c in answer.checks)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plant 2 ships 1,000 units at 8% interest", [1000, 8]),
        ("Model x1 uses 3.5 kg; in 2024 the Table 6 limit is .75", [3.5, 0.75]),
        ("three times as many, at most half, the 2nd shift, prob_001", [3, 0.5]),
        ("cities 1-6 within 15 minutes; 1 lb of each", [15]),
        ("deliver between 10:15 and 11:40 (opens 8:30), 45 parcels, a 2:1 mix", [45, 2]),  # clock times
    ],
)
def test_text_numbers_skip_names_ordinals_years_and_trivial_ones(text, expected):
    assert sorted(n.value for n in coverage.text_numbers(text)) == sorted(expected)


def test_coverage_accepts_percent_fractions_set_sizes_and_named_unused_numbers():
    model = {
        "parameters": [{"name": "rate", "value": 0.08}],
        "sets": [{"name": "I", "range": {"start": 1, "end": 4}}],
    }
    assert coverage.uncovered("four machines, 8% rate, 2 shifts", model, []) == []  # 2: row label in 1..4
    missing = coverage.uncovered("a 1,500 budget and 35 days", model, ["35: the horizon is not modelled"])
    assert [n.text for n in missing] == ["1,500"]


# -- 8: asked quantities, scored under OptiBench's all-keys rule
def test_asked_quantities_are_answered_and_scored_under_all_keys(tmp_path, pool):
    from optagent.agent.config import RunConfig
    from optagent.benchmarks import registry
    from optagent.evaluation.runner import run_benchmark

    keys = {"Number of chairs": "24.0", "Number of tables": "14", "Maximum profit": "2200.0"}
    data = tmp_path / "optibench" / "data"
    data.mkdir(parents=True)
    (data / "OptiBench.json").write_text(
        json.dumps([{"question": PROBLEM, "index": 0, "type": "x", "results": keys}])
    )
    problems = registry.load("optibench", tmp_path)
    answers = {"Number of chairs": "make['chair']", "Number of tables": "make['table']",
               "Maximum profit": "sum(profit[p] * make[p] for p in Products)"}  # fmt: skip
    llm = ScriptedLLM({"formulate": [formulation_with(answers=answers)], "code_from_text": [GOOD_CODE]})
    [record] = run_benchmark(problems, tmp_path / "run.jsonl", llm=llm, executor=pool, config=RunConfig())
    assert '"Number of chairs"; "Number of tables"; "Maximum profit"' in llm.calls[0].prompt_text
    assert record["quantities"] == pytest.approx(
        {"Number of chairs": 24, "Number of tables": 14, "Maximum profit": 2200}
    )
    assert record["scores"]["optibench-all-keys"] is True and record["scores"]["strict"] is True
    assert record["verdict"] == "agreed" and record["sense"] == "maximize"
    assert [s["node"] for s in record["steps"]] == [
        "formulate",
        "solve_ir",
        "write_code",
        "run_code",
        "diagnose",
    ]
    assert record["readings"][0]["literal"] and record["checks"][0].startswith("numbers:")


# -- odd replies: valid JSON that is not the schema gives feedback, never an internal error
@pytest.mark.parametrize(
    "reply",
    ["[1, 2]", '"a string"', '{"name": 5, "sets": "x"}', '{"sets": [1], "variables": {"x": 1}}', "{}"],
)
def test_odd_formulate_replies_become_feedback(reply, pool):
    answer, llm = run(pool, {"formulate": [reply], "repair_formulation": [FORMULATION_JSON]}, mode="ir")
    assert answer.route[:2] == ["formulate:invalid", "formulate:ok"] and answer.objective == pytest.approx(
        OPTIMUM
    )
    assert "What is wrong with it" in llm.calls[1].prompt_text and answer.steps[0].feedback


def test_odd_extras_are_dropped_with_a_note(pool):
    reply = formulation_with(answers=[1], readings="both", unused_numbers={"a": 1}, assumptions=7)
    answer, _ = run(pool, {"formulate": [reply]}, mode="ir")
    assert answer.verdict == "solved" and answer.assumptions == ["assumption: 7"]
    assert any('"readings" must be a list' in n for n in answer.notes)
    assert any('"answers" must map' in n for n in answer.notes)


def test_odd_readings_are_kept_with_the_reason(pool):
    readings = [
        {"reading": "a list edit", "edit": [1]},
        {"reading": "bad constraints", "edit": {"constraints": "bad"}},
        {"reading": "removes nothing", "edit": {"remove": ["constraint:nope"]}},
        {"reading": "bad expression", "edit": {"constraints": [{"name": "x", "expr": "make[chair] <= "}]}},
        "not an object",
    ]
    answer, _ = run(pool, {"formulate": [formulation_with(readings=readings)]}, mode="ir")
    assert answer.verdict == "solved" and answer.objective == pytest.approx(OPTIMUM)
    built = answer.readings[1:]
    assert [r.status for r in built] == ["invalid"] * 4 and all(r.message for r in built)
    assert "no such constraint" in built[2].message
    assert any("reading 5 must be an object" in n for n in answer.notes)


@pytest.mark.parametrize(
    "decision",
    [
        "[]",
        '{"wrong": 5}',
        '{"wrong": "formulation", "edit": [1]}',
        '{"wrong": "formulation", "edit": {"constraints": "x"}}',
        '{"wrong": "program", "program": 7}',
        '{"wrong": "neither", "cause": "ambiguous", "reading": "x"}',
    ],
)
def test_odd_reconcile_replies_go_back_to_the_llm(decision, pool):
    wrong = program(finishing=False)
    fix = json.dumps({"wrong": "program", "statement": "450 finishing hours", "program": GOOD_CODE})
    replies = {"formulate": [FORMULATION_JSON], "code_from_text": [wrong], "reconcile": [decision, fix]}
    answer, llm = run(pool, replies)
    assert "reconcile:invalid" in answer.route and answer.verdict == "agreed"
    second = [c for c in llm.calls if c.tag == "reconcile"][1].prompt_text
    assert "Your last answer could not be used" in second


@pytest.mark.parametrize("reply", ["[1]", '{"a": 1}\n```python\nx = 1\n```', "```python\nprint(1)\n```"])
def test_odd_lean_replies_become_feedback(reply, pool):
    replies = {"lean": [reply], "repair_formulation": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}
    answer, llm = run(pool, replies, mode="lean", budget=1)
    assert answer.route[0] == "lean:invalid" and answer.steps[0].feedback
    assert "What is wrong with it" in llm.calls[1].prompt_text


# -- a model that is infeasible as stated is answered as such, not repaired into failure
INFEASIBLE_MODEL = formulation_with(
    constraints=FORMULATION["constraints"] + [{"name": "minimum_tables", "expr": "make['table'] >= 100"}]
)
INFEASIBLE_CODE = program("return {'status': 'infeasible'}  # the program proves it on its own")


def test_both_paths_proving_infeasibility_is_an_agreed_infeasible_answer(pool):
    replies = {
        "formulate": [INFEASIBLE_MODEL],
        "code_from_text": [INFEASIBLE_CODE],
        "repair_formulation": [INFEASIBLE_MODEL],  # shown the conflict, the LLM holds the text infeasible
    }
    answer, llm = run(pool, replies)
    assert answer.verdict == "agreed" and answer.status == "infeasible" and answer.objective is None
    assert answer.route[-3:] == ["formulate:unchanged", "solve_ir:infeasible", "diagnose:answer"]
    assert any("both prove the model infeasible" in c for c in answer.checks)
    assert [c.tag for c in llm.calls] == ["formulate", "code_from_text", "repair_formulation"]


def test_both_paths_infeasible_then_a_feasible_reading_of_the_text(pool):
    replies = {
        "formulate": [INFEASIBLE_MODEL],
        "code_from_text": [INFEASIBLE_CODE, GOOD_CODE],
        "repair_formulation": [FORMULATION_JSON],  # the conflict showed a misread: the text is feasible
        "repair_code": [GOOD_CODE],
    }
    answer, _ = run(pool, replies)
    assert answer.objective == pytest.approx(OPTIMUM) and answer.verdict == "agreed"
    assert answer.route[4:7] == ["diagnose:repair-formulation", "formulate:ok", "solve_ir:ok"]


STILL_INFEASIBLE_MODEL = formulation_with(
    constraints=FORMULATION["constraints"] + [{"name": "minimum_tables", "expr": "make['table'] >= 90"}]
)


@pytest.mark.parametrize("mode", ["ir", "full"])
def test_a_model_that_stays_infeasible_after_the_repairs_is_answered_infeasible(pool, mode):
    replies = {"formulate": [INFEASIBLE_MODEL], "repair_formulation": [STILL_INFEASIBLE_MODEL]}
    if mode == "full":
        replies["code_from_text"] = [program("raise RuntimeError('no program')")] * 3
        replies["repair_code"] = [program("raise RuntimeError('no program')")] * 3
    answer, _ = run(pool, replies, mode=mode, budget=1)
    assert answer.verdict == "solved" and answer.status == "infeasible"
    assert "diagnose:repair-formulation" in answer.route and answer.route[-1] == "diagnose:answer"


def test_a_repair_that_keeps_the_infeasible_formulation_ends_the_run_as_infeasible(pool):
    replies = {"formulate": [INFEASIBLE_MODEL], "repair_formulation": [INFEASIBLE_MODEL]}
    answer, llm = run(pool, replies, mode="ir", budget=4)
    assert answer.verdict == "solved" and answer.status == "infeasible"
    assert answer.route == [
        "formulate:ok",
        "solve_ir:infeasible",
        "diagnose:repair-formulation",
        "formulate:unchanged",
        "solve_ir:infeasible",
        "diagnose:answer",
    ]
    repair = next(c for c in llm.calls if c.tag == "repair_formulation")
    assert "answer with the same formulation unchanged" in repair.prompt_text
