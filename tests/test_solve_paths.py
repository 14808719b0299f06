"""Golden models: every example and LogiOR reference gives the same optimum on every solve path.

Paths: HiGHS fed directly as arrays, HiGHS through Pyomo, SCIP, and Gurobi where its size-limited pip licence
holds the model. Each (model, path) pair is its own test, so a missing solver shows as a skip, not a pass.
"""

from __future__ import annotations

import pytest
from conftest import EXAMPLES

from optagent.formulations import Formulation
from optagent.formulations.check import check_solution
from optagent.formulations.prepare import prepare
from optagent.formulations.result import Termination
from optagent.formulations.solve import solve
from optagent.formulations.solvers import SOLVERS

# Optima of the examples: production mix solved by hand (test_solve), the others agreed by HiGHS, SCIP and
# Gurobi; the LogiOR references carry the dataset's label in their metadata.
EXAMPLE_OPTIMA = {
    "production_mix": 2200.0,
    "transportation": 158625.0,
    "facility_location": 1675.0,
    "machine_scheduling": 93.0,
    "tsp_mtz": 24.977703876709214,
    "weber_location": 56.3525951,
    "infeasible_staffing": None,
}
MODELS = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "logior").glob("prob_*.json"))
PATHS = ("highs-direct", "highs-pyomo", "scip", "gurobi")


def expected(f: Formulation, stem: str) -> float | None:
    return (
        f.metadata["expected_objective"]
        if f.metadata and "expected_objective" in f.metadata
        else EXAMPLE_OPTIMA[stem]
    )


def cases():
    for model in MODELS:
        prep = prepare(Formulation.load(model))
        for path in PATHS:
            if path.startswith("highs") and not SOLVERS["highs"].can_solve(prep.problem_class):
                continue  # MIQP, QCP, NLP, ...: HiGHS is not a path for these
            yield pytest.param(model, path, id=f"{model.stem}-{path}")


def test_every_model_has_an_expected_optimum():
    assert {p.stem for p in EXAMPLES.glob("*.json")} == set(EXAMPLE_OPTIMA)
    assert all(
        "expected_objective" in Formulation.load(p).metadata for p in (EXAMPLES / "logior").glob("*.json")
    )


@pytest.mark.parametrize(("model", "path"), list(cases()))
def test_same_optimum_on_every_path(model, path):
    solver = path.split("-")[0]
    if not SOLVERS[solver].installed():
        pytest.skip(f"{solver} is not installed ({SOLVERS[solver].install})")
    f = Formulation.load(model)
    via = {"highs-direct": "direct", "highs-pyomo": "pyomo"}.get(path, "auto")
    result = solve(f, solver=solver, path=via, time_limit=120)
    if any("size-limited licence" in m for m in result.messages):
        pytest.skip(f"{model.stem} is over Gurobi's size-limited licence")
    assert result.solver == solver and result.path == ("direct" if via == "direct" else "pyomo")
    want = expected(f, model.stem)
    if want is None:
        assert result.termination == Termination.infeasible
        return
    assert result.termination == Termination.optimal, result.messages
    assert abs(result.objective - want) / (abs(want) + 1) < 1e-6, (result.objective, want)
    report = check_solution(f, result.values, objective=result.objective, tolerance=1e-5)
    assert report.feasible and report.objective_consistent, report.summary()


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_auto_takes_the_direct_path_when_highs_can(model):
    f = Formulation.load(model)
    prep = prepare(f)
    if (
        prep.problem_class.value in ("MIQP", "QCP", "MIQCP", "NLP", "MINLP")
        and not SOLVERS["scip"].installed()
    ):
        pytest.skip("needs SCIP for this model class")
    result = solve(f, time_limit=120)
    if SOLVERS["highs"].can_solve(prep.problem_class):
        assert (result.solver, result.path) == ("highs", "direct"), result.messages
        assert not result.messages
    else:
        assert result.path == "pyomo" and result.solver != "highs"


def test_switching_thread_counts_between_solves_works_on_both_paths():
    # HiGHS keeps one thread scheduler per process and refuses a run with another thread count unless it is
    # reset: without that, the second solve below ended in an error (and auto mode fell back to SCIP).
    f = Formulation.load(EXAMPLES / "facility_location.json")
    for threads, via in ((2, "pyomo"), (1, "direct"), (2, "direct"), (1, "pyomo"), (1, "direct")):
        result = solve(f, threads=threads, path=via)
        assert (result.solver, result.path, result.termination) == ("highs", via, Termination.optimal), (
            threads,
            via,
        )
        assert result.objective == pytest.approx(1675) and not any("could not" in m for m in result.messages)


def test_a_model_the_direct_path_cannot_take_falls_back_with_a_note(monkeypatch):
    import optagent.formulations.solve as solve_module
    from optagent.formulations.lower import NotDirect

    def refuse(prep):
        raise NotDirect("constraint 'c': a construct without a matrix form")

    monkeypatch.setattr(solve_module, "lower", refuse)
    result = solve(Formulation.load(EXAMPLES / "production_mix.json"))
    assert (result.solver, result.path, result.objective) == ("highs", "pyomo", pytest.approx(2200))
    assert any("not passed to HiGHS directly (constraint 'c'" in m for m in result.messages)


def test_asking_for_the_direct_path_on_a_nonlinear_model_says_why_not():
    from optagent.errors import OptagentError

    with pytest.raises(OptagentError, match="direct HiGHS path cannot take this model"):
        solve(Formulation.load(EXAMPLES / "weber_location.json"), path="direct")
