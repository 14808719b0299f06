"""Compilation and solving on every backend, statuses, limits and fallbacks."""

from __future__ import annotations

import copy

import pytest
from conftest import EXAMPLES

from optagent.errors import FormulationInvalid, SolverUnavailable
from optagent.formulations import Formulation
from optagent.formulations.check import check_solution
from optagent.formulations.result import SolutionStatus, Termination
from optagent.formulations.solve import solve
from optagent.formulations.solvers import SOLVERS


def load(name: str) -> Formulation:
    return Formulation.load(EXAMPLES / f"{name}.json")


def needs(solver: str) -> None:
    if not SOLVERS[solver].installed():
        pytest.skip(f"{solver} is not installed ({SOLVERS[solver].install})")


def test_production_mix_hand_solved():
    # Vertex of 5c + 20t <= 400 and 10c + 15t <= 450: c = 24, t = 14, profit 45*24 + 80*14 = 2200.
    r = solve(load("production_mix"))
    assert r.termination == Termination.optimal and r.solution_status == SolutionStatus.optimal
    assert r.objective == pytest.approx(2200)
    assert r.value("make", "chair") == pytest.approx(24) and r.value("make", "table") == pytest.approx(14)
    assert r.solver == "highs" and r.problem_class == "LP" and r.time_limit == 60 and r.threads == 1


@pytest.mark.parametrize("name", ["transportation", "facility_location", "machine_scheduling", "tsp_mtz"])
def test_examples_agree_across_solvers_and_pass_the_check(name):
    needs("scip")
    f = load(name)
    highs, scip = solve(f, solver="highs"), solve(f, solver="scip")
    assert highs.objective == pytest.approx(scip.objective, rel=1e-7)
    report = check_solution(f, highs.values, objective=highs.objective)
    assert report.feasible and report.objective_consistent, report.summary()


@pytest.mark.parametrize("solver", ["highs", "scip", "gurobi"])
def test_each_backend_solves_the_milp(solver):
    needs(solver)
    r = solve(load("facility_location"), solver=solver, time_limit=30)
    assert r.solver == solver and r.termination == Termination.optimal
    assert r.objective == pytest.approx(1675)
    assert r.values["open"] and all(v in (0.0, 1.0) for v in map(round, r.values["open"].values()))


@pytest.mark.parametrize("solver", ["scip", "gurobi"])
def test_nonlinear_backends(solver):
    needs(solver)
    r = solve(load("weber_location"), solver=solver)
    assert r.termination == Termination.optimal and r.problem_class == "NLP"
    assert r.objective == pytest.approx(56.3525951, rel=1e-5)
    assert check_solution(load("weber_location"), r.values, objective=r.objective, tolerance=1e-5).feasible


def test_auto_sends_nonlinear_models_to_scip():
    needs("scip")
    r = solve(load("weber_location"))
    assert r.solver == "scip"


def test_abs_min_max_are_exact():
    needs("scip")
    f = Formulation.from_data(
        {
            "variables": [
                {"name": "x", "lower": -10, "upper": 10},
                {"name": "y", "lower": -10, "upper": 10},
                {"name": "z", "lower": -10, "upper": 10},
            ],
            "objective": {"sense": "minimize", "expr": "abs(x - 3) + max(y, 2) - min(z, 5)"},
            "constraints": [{"name": "link", "expr": "x + y + z <= 20"}],
        }
    )
    r = solve(f)
    assert r.objective == pytest.approx(2 - 5, abs=1e-6)
    assert r.values["x"] == pytest.approx(3, abs=1e-5)


def test_highs_cannot_take_miqp_when_asked_explicitly():
    f = Formulation.load(EXAMPLES / "logior" / "prob_001.json")
    with pytest.raises(SolverUnavailable) as exc:
        solve(f, solver="highs")
    assert "cannot solve MIQP" in exc.value.message and "scip" in exc.value.hint


def test_unknown_solver_suggests():
    with pytest.raises(SolverUnavailable) as exc:
        solve(load("production_mix"), solver="hihgs")
    assert "did you mean 'highs'" in exc.value.hint


def test_infeasible_model():
    r = solve(load("infeasible_staffing"))
    assert r.termination == Termination.infeasible and r.solution_status == SolutionStatus.infeasible
    assert r.objective is None and r.values == {}


def test_unbounded_model():
    f = Formulation.from_data(
        {"variables": [{"name": "x"}], "objective": {"sense": "maximize", "expr": "2 * x"}, "constraints": []}
    )
    r = solve(f)
    assert r.termination in (Termination.unbounded, Termination.infeasible_or_unbounded)
    assert not r.has_solution


def hard_scheduling(n: int) -> Formulation:
    data = copy.deepcopy(load("machine_scheduling").model_dump(exclude_none=True))
    jobs = [f"J{k}" for k in range(n)]
    data["sets"][0]["elements"] = jobs
    params = {p["name"]: p for p in data["parameters"]}
    params["p"]["value"] = [(7 * k) % 11 + 2 for k in range(n)]
    params["r"]["value"] = [(5 * k) % 13 for k in range(n)]
    params["w"]["value"] = [(3 * k) % 5 + 1 for k in range(n)]
    return Formulation.from_data(data)


def test_time_limit_is_enforced_and_reported():
    r = solve(hard_scheduling(16), time_limit=0.5)
    assert r.termination == Termination.time_limit
    assert r.time_limit == 0.5
    if r.has_solution:  # an incumbent comes with its bound and gap
        assert r.gap is not None and r.gap > 0


def test_gurobi_size_limit_falls_back_with_a_message():
    needs("gurobi")
    data = load("transportation").model_dump(exclude_none=True)
    data["sets"] = [
        {"name": "P", "range": {"start": 1, "end": 50}},
        {"name": "M", "range": {"start": 1, "end": 50}},
    ]
    data["parameters"] = [
        {"name": "supply", "index": ["p in P"], "expr": "60"},
        {"name": "demand", "index": ["m in M"], "expr": "50"},
        {"name": "cost", "index": ["p in P", "m in M"], "expr": "abs(p - m) + 1"},
    ]
    r = solve(Formulation.from_data(data), solver="gurobi")
    assert r.solver == "highs" and r.termination == Termination.optimal
    assert any("size-limited licence" in m and "2500 variables" in m for m in r.messages)
    assert r.objective == pytest.approx(50 * 50)


def test_invalid_formulation_raises_with_full_report(base):
    base["objective"]["expr"] = "sum(costs[i] for i in I)"
    with pytest.raises(FormulationInvalid) as exc:
        solve(Formulation.from_data(base))
    assert exc.value.report.errors[0].code == "undefined-symbol"


def test_bad_limits_are_rejected():
    with pytest.raises(Exception, match="time limit must be a positive"):
        solve(load("production_mix"), time_limit=0)


def test_concurrent_solves_from_threads_all_succeed():
    """Pyomo's log capture is process-wide; solve() must still work from several threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    f = Formulation.load(EXAMPLES / "transportation.json")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: solve(f, time_limit=30), range(8)))
    assert all(r.termination.value == "optimal" for r in results)
    assert {round(r.objective, 6) for r in results} == {round(results[0].objective, 6)}
