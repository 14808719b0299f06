"""Loaders on self-written fixtures (always) and on every dataset under ../shared/benchmarks (when present);
answer normalisation and scoring edge cases checked by hand."""

from __future__ import annotations

import math

import pytest
from conftest import FIXTURES, SHARED_BENCHMARKS

from optagent.benchmarks import registry
from optagent.benchmarks.problem import Expected, parse_answer, parse_number
from optagent.errors import InputError
from optagent.evaluation.scoring import RULES, Prediction, custom_rule

FIXTURE_DATA = FIXTURES / "bench_data"

# Development-split row counts and infeasible labels as documented in ../shared/benchmarks/README.md.
DEV = {
    "optibench": (424, 0),
    "nl4opt-e": (189, 0),
    "logior": (64, 0),
    "industryor-orthought": (58, 1),
    "nlp4lp-orthought": (174, 15),
    "complexor-orthought": (13, 1),
    "complexor-coe": (13, 0),
    "industryor-sirl": (70, 0),
    "mamo-easylp": (456, 0),
    "mamo-complexlp": (148, 0),
    "mamo-easylp-sirl": (449, 0),
    "mamo-complexlp-sirl": (141, 0),
    "nl4opt-sirl": (157, 11),
    "optmath-bench": (116, 0),
    "optmath-bench-193-sirl": (135, 0),
    "optibench-llmopt": (424, 0),
    "industryor-llmopt": (70, 3),
    "nlp4lp-llmopt": (160, 0),
    "complexor-llmopt": (13, 0),
    "nl4opt-llmopt": (147, 0),
    "mamo-easylp-llmopt": (456, 0),
    "mamo-complexlp-llmopt": (148, 0),
    "optmath-bench-llmopt": (116, 0),
    "icml-task3-llmopt": (262, 0),
}


def test_every_registered_dataset_has_documented_counts():
    assert set(DEV) == set(registry.REGISTRY)


# -- self-written fixtures (always run)
def by_id(name):
    return {p.id: p for p in registry.load(name, FIXTURE_DATA)}


def test_optibench_keeps_every_quantity_and_finds_the_objective():
    problems = by_id("optibench")
    first = problems["0"]
    assert first.expected.objective == 3600.0
    assert first.expected.quantities == {
        "Number of breads": 10.0,
        "Number of cakes": 5.0,
        "The maximum profit": 3600.0,
    }
    assert problems["7"].expected.objective == -12.5 and problems["7"].problem_type == "nonlinear-table"


def test_orthought_prefers_question_txt_and_reads_null_as_infeasible():
    problems = by_id("logior")
    assert problems["prob_001"].text == "New text of problem one, from question.txt."
    assert problems["prob_001"].size == "Toy" and problems["prob_001"].problem_type == "ILP"
    assert problems["prob_002"].text == "Problem two." and problems["prob_002"].expected.infeasible


def test_qa_families_and_their_markers():
    sirl = list(by_id("nl4opt-sirl").values())
    assert [p.expected.objective for p in sirl] == [1160.0, None, 172666.667]
    assert sirl[1].expected.infeasible and sirl[1].expected.raw == "No Best Solution"
    llmopt = by_id("industryor-llmopt")
    assert llmopt["1"].expected.infeasible and llmopt["2"].expected.objective == 105.52
    mamo = by_id("mamo-easylp")
    assert mamo["1"].expected.objective == 1234.5 and mamo["2"].expected.objective == 0.0
    optmath = by_id("optmath-bench")
    assert optmath["1"].expected.objective == 1.5e9
    coe = by_id("complexor-coe")
    assert coe["tiny"].expected.objective == 14000.5 and "availability" in coe["tiny"].text


def test_content_and_version_hashes_change_with_the_data():
    problems = registry.load("optmath-bench", FIXTURE_DATA)
    base = registry.version_hash(problems)
    changed = [problems[0].__class__(**{**problems[0].__dict__, "text": "edited"}), problems[1]]
    assert registry.version_hash(changed) != base
    assert len({p.content_hash for p in problems}) == 2


def test_unknown_and_absent_datasets(tmp_path):
    with pytest.raises(InputError, match="did you mean"):
        registry.spec("optibenc")
    with pytest.raises(InputError, match="is not at"):
        registry.load("logior", tmp_path)


@pytest.mark.parametrize(
    ("value", "objective", "infeasible"),
    [
        ("3600.0", 3600.0, False),
        (" 172666.667", 172666.667, False),
        ("$1,234.50", 1234.5, False),
        (5, 5.0, False),
        ("-12.5", -12.5, False),
        ("1e3", 1000.0, False),
        ("0", 0.0, False),
        (None, None, True),
        ("No Best Solution", None, True),
        (-99999, None, True),
        ("-99999", None, True),
        ({}, None, True),
        ("infeasible", None, True),
        ("about seven", None, False),
        (float("nan"), None, False),
    ],
)
def test_answer_normalisation(value, objective, infeasible):
    expected = parse_answer(value)
    assert expected.objective == objective and expected.infeasible is infeasible


def test_parse_number_rejects_non_numbers():
    assert parse_number(True) is None and parse_number("12%") == 12.0 and parse_number(math.inf) is None


# -- scoring edge cases, checked by hand
STRICT = RULES["strict"]


@pytest.mark.parametrize(
    ("gt", "pred", "status", "strict", "orthought", "rel6"),
    [
        (0.0, 0.0, "optimal", True, True, True),
        (0.0, 5e-7, "optimal", True, True, True),  # |p - 0| / 1 < 1e-6; relative to 0 falls back to absolute
        (0.0, 0.004, "optimal", False, True, False),  # ORThought's 0.01 absolute accepts it
        (-250.0, -250.0002, "optimal", True, True, True),  # 0.0002/251 = 8e-7
        (-250.0, -250.01, "optimal", False, True, False),
        (1.5e9, 1.5e9 + 1000, "optimal", True, False, True),  # relative 6.7e-7 passes, absolute 1000 fails
        (100.0, float("nan"), "optimal", False, False, False),
        (100.0, "100.0", "optimal", True, True, True),  # a numeric string prediction
        (100.0, None, "none", False, False, False),
        (
            100.0,
            100.0,
            "infeasible",
            False,
            True,
            False,
        ),  # claims infeasible: wrong class (ORThought ignores status)
    ],
)
def test_scoring_edge_cases(gt, pred, status, strict, orthought, rel6):
    expected, predicted = Expected(objective=gt), Prediction(pred, status)
    assert STRICT.check(expected, predicted) is strict
    assert RULES["orthought-abs-0.01"].check(expected, predicted) is orthought
    assert RULES["rel-1e-6"].check(expected, predicted) is rel6


def test_infeasible_is_its_own_class():
    label = Expected(infeasible=True)
    assert STRICT.check(label, Prediction(None, "infeasible")) is True
    assert STRICT.check(label, Prediction(None, "infeasible_or_unbounded")) is True
    assert STRICT.check(label, Prediction(None, "none")) is False  # a failed run is not "infeasible"
    assert STRICT.check(label, Prediction(0.0, "optimal")) is False
    assert RULES["orthought-abs-0.01"].check(label, Prediction(None, "none")) is True  # its published scorer
    assert (
        STRICT.check(Expected(), Prediction(1.0, "optimal")) is False
    )  # an unreadable label matches nothing


def test_rounded_and_all_keys_rules():
    rounded = RULES["rel-5pct-rounded"]
    assert rounded.check(Expected(objective=0.0022), Prediction(0.0, "optimal")) is True  # rounds to 0.0
    assert rounded.check(Expected(objective=100), Prediction(104.9, "optimal")) is True
    assert rounded.check(Expected(objective=100), Prediction(105.2, "optimal")) is False
    all_keys = RULES["optibench-all-keys"]
    expected = Expected(objective=3.0, quantities={"x": 1.0, "obj": 3.0})
    assert all_keys.check(expected, Prediction(3.0, "optimal")) is None  # objective only: rule not applicable
    assert all_keys.check(expected, Prediction(3.0, "optimal", {"x": 1.00001, "obj": 3.0})) is True
    assert all_keys.check(expected, Prediction(3.0, "optimal", {"x": 1.001, "obj": 3.0})) is False


def test_custom_tolerance_rule():
    loose = custom_rule(1e-2)
    assert loose.check(Expected(objective=100.0), Prediction(100.5, "optimal")) is True
    assert custom_rule(0.1, "absolute").check(Expected(objective=1.0), Prediction(1.2, "optimal")) is False
    with pytest.raises(InputError):
        custom_rule(0)


# -- the shared development data (when present)
@pytest.mark.parametrize("name", sorted(DEV))
def test_shared_dataset_loads_with_documented_counts(name):
    path = SHARED_BENCHMARKS / registry.spec(name).path
    if not path.exists():
        pytest.skip(f"shared benchmark data not found at {path} (set OPTAGENT_BENCHMARKS)")
    problems = registry.load(name, SHARED_BENCHMARKS)
    count, infeasible = DEV[name]
    assert len(problems) == count
    assert sum(p.expected.infeasible for p in problems) == infeasible
    assert len({p.id for p in problems}) == count  # ids are unique
    assert all(p.text.strip() for p in problems)
    unreadable = [p.id for p in problems if p.expected.objective is None and not p.expected.infeasible]
    assert unreadable == []


def test_shared_nlp4lp_csv_uses_the_empty_solution_marker():
    from optagent.benchmarks import nlp4lp_programs

    if not (SHARED_BENCHMARKS / nlp4lp_programs.CSV_PATH).exists():
        pytest.skip(f"shared benchmark data not found at {SHARED_BENCHMARKS} (set OPTAGENT_BENCHMARKS)")
    rows = nlp4lp_programs.load(SHARED_BENCHMARKS)
    assert sum(r.objective is None for r in rows) == 17  # {} in the solution column
