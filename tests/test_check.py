"""The solution check finds violations, bound and integrality breaches, and objective mismatches."""

import pytest
from conftest import EXAMPLES

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
