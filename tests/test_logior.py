"""LogiOR reference formulations written as IR solve to the published optimum (strict 1e-6 relative)."""

import json

import pytest
from conftest import EXAMPLES, shared_dir

from optagent.formulations import Formulation
from optagent.formulations.prepare import prepare
from optagent.formulations.solve import solve
from optagent.formulations.solvers import SOLVERS
from optagent.formulations.validate import validate_prepared

FILES = sorted((EXAMPLES / "logior").glob("prob_*.json"))


def strict(pred: float, gt: float) -> float:
    return abs(pred - gt) / (abs(gt) + 1)


def test_there_are_enough_translations():
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_solves_to_reference_optimum(path):
    f = Formulation.load(path)
    prep = prepare(f)
    report = validate_prepared(prep)
    assert report.ok, report.format()
    if not SOLVERS["highs"].can_solve(prep.problem_class) and not SOLVERS["scip"].installed():
        pytest.skip("needs SCIP for this model class (pip install 'optagent[scip]')")
    result = solve(f, time_limit=120)
    expected = f.metadata["expected_objective"]
    assert result.objective is not None, result.termination
    assert strict(result.objective, expected) < 1e-6, (result.objective, expected)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_recorded_answer_matches_the_dataset(path):
    f = Formulation.load(path)
    pid = f.metadata["source"].split("/")[-1]
    answer = shared_dir("logior", "datasets", "processed", "LogiOR", pid, "answer.json")
    assert json.loads(answer.read_text())["obj"] == pytest.approx(f.metadata["expected_objective"], rel=1e-12)
