"""The solution check finds violations, bound and integrality breaches, and objective mismatches."""

import json

import pytest
from cli_helpers import run_cli
from conftest import EXAMPLES

from optagent.errors import InputError
from optagent.formulations import Formulation
from optagent.formulations.check import check_solution
from optagent.formulations.solve import solve


@pytest.fixture(scope="module")
def facility():
    f = Formulation.load(EXAMPLES / "facility_location.json")
    return f, solve(f)


def test_optimal_solution_passes(facility):
    f, r = facility
    report = check_solution(f, r.values, objective=r.objective)
    assert report.feasible and report.objective_consistent
    assert report.objective == pytest.approx(1675)
    assert {c.name for c in report.constraints} == {"serve", "capacity"}


def test_violation_is_located(facility):
    f, r = facility
    values = {k: dict(v) for k, v in r.values.items()}
    values["flow"]["1,1"] = values["flow"]["1,1"] + 7  # over-serves customer 1 by 7 units
    report = check_solution(f, values, objective=r.objective)
    serve = next(c for c in report.constraints if c.name == "serve")
    assert not report.feasible and not serve.satisfied
    assert serve.max_violation == pytest.approx(7) and serve.worst_index == "1"
    assert report.objective_consistent is False


def test_integrality_bounds_missing_unknown(facility):
    f, r = facility
    values = {k: dict(v) for k, v in r.values.items()}
    values["open"]["1"] = 0.5
    values["flow"]["2,3"] = -1.0
    del values["flow"]["4,6"]
    values["ghost"] = 3
    report = check_solution(f, values)
    assert any("open[1] = 0.5 is not integral" in v for v in report.integrality_violations)
    assert any("flow[2,3] = -1 < lower bound 0" in v for v in report.bound_violations)
    assert "flow[4,6]" in report.missing and "ghost" in report.unknown
    assert not report.feasible


def test_tuple_keys_from_python_are_accepted(facility):
    f, r = facility
    values = {
        "open": {int(k): v for k, v in r.values["open"].items()},
        "flow": {tuple(int(p) for p in k.split(",")): v for k, v in r.values["flow"].items()},
    }
    assert check_solution(f, values, objective=r.objective).feasible


def test_missing_values_are_missing_not_zero():
    # make[table] = 0 with make[chair] = 24 satisfies every row; without make[table] nothing is claimed
    f = Formulation.load(EXAMPLES / "production_mix.json")
    report = check_solution(f, {"make": {"chair": 24}}, objective=2200)
    assert report.feasible is None and report.missing == ["make[table]"]
    assert [c.unchecked for c in report.constraints] == [2] and report.constraints[0].satisfied is None
    assert report.objective is None and report.objective_consistent is None
    text = report.summary()
    assert "not determined" in text and "taken as 0" not in text and "make[table]" in text
    negative = check_solution(f, {"make": {"chair": -5}})  # what is violated is, whatever is missing
    assert negative.feasible is False and negative.bound_violations == ["make[chair] = -5 < lower bound 0"]


def test_unknown_variable_names_are_refused_with_a_suggestion(facility):
    f, r = facility
    values = {"opn": r.values["open"], "flow": r.values["flow"]}
    with pytest.raises(InputError, match=r"no variable 'opn' \(did you mean 'open'\?\)"):
        check_solution(f, values, strict_names=True)
    assert check_solution(f, values).unknown == ["opn"]  # the lenient default lists them


def test_non_numeric_values_are_input_errors(facility):
    f, r = facility
    values = {k: dict(v) for k, v in r.values.items()}
    values["open"]["1"] = "yes"
    with pytest.raises(InputError, match=r"open\[1\] is 'yes', not a finite number"):
        check_solution(f, values)


def test_cli_check_names_unknown_variables_and_missing_values(tmp_path):
    model = str(EXAMPLES / "production_mix.json")
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"values": {"mak": {"chair": 24, "table": 14}}}), encoding="utf-8")
    proc = run_cli("formulation", "check", model, "-s", str(typo), check_rc=1)
    assert "no variable 'mak' (did you mean 'make'?)" in proc.stderr
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"values": {"make": {"chair": 24}}, "objective": 2200}), encoding="utf-8")
    proc = run_cli("formulation", "check", model, "-s", str(partial), check_rc=1)
    assert "feasible: not determined" in proc.stdout and "missing values: make[table]" in proc.stdout
