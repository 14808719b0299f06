"""Real peer-written programs: NLP4LP's OptiMUS gurobipy code through the plain-script contract."""

from __future__ import annotations

import pytest
from conftest import shared_dir

from optagent.benchmarks import nlp4lp_programs as nlp
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def outcomes():
    pytest.importorskip("gurobipy")
    data = shared_dir("nlp4lp-orthought", "datasets", "processed", "NLP4LP").parents[3]
    rows = nlp.load(data)
    limits = Limits(timeout_s=60)
    with WorkerPool(2, limits=limits) as pool:
        return nlp.run(rows, pool, limits)


@pytest.mark.slow
def test_every_program_runs_and_almost_all_match(outcomes):
    counts = nlp.summary(outcomes)
    matched = counts["match"] + counts["match (no solution)"]
    assert len(outcomes) > 150
    assert matched / len(outcomes) > 0.95, counts
    assert not any(o.verdict.startswith("program failed (timeout") for o in outcomes)


def test_infeasible_labels_are_recognised_even_when_the_program_crashes_afterwards(outcomes):
    no_solution = [o for o in outcomes if o.verdict == "match (no solution)"]
    assert no_solution, "the dev split has infeasible NLP4LP problems"
    assert all(o.expected is None for o in no_solution)
    assert any("then AttributeError" in o.detail for o in no_solution)


def test_the_rest_are_program_bugs_with_the_error_named(outcomes):
    rest = [o for o in outcomes if not o.verdict.startswith("match")]
    for o in rest:
        assert o.verdict.startswith("program failed") or o.verdict == "gurobi size limit", o
        assert "Error" in o.detail
