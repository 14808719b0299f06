"""Infeasibility explained: the conflicting rows at their indices, from HiGHS's IIS or a deletion filter."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli
from conftest import EXAMPLES

from optagent.agent.diagnosis import infeasible_feedback
from optagent.formulations import Formulation
from optagent.formulations.conflict import find_conflict
from optagent.formulations.solve import solve
from optagent.formulations.solvers import SOLVERS

STAFFING = EXAMPLES / "infeasible_staffing.json"


def infeasible(f: Formulation) -> bool:
    return solve(f, sensitivity=False).termination.value == "infeasible"


def still_infeasible_with_only(f: Formulation, labels: list[str]) -> bool:
    """Keep only the named rows: whole scalar constraints, indexed ones restricted to the listed (integer)
    indices."""
    data = f.model_dump(exclude_none=True)
    kept = []
    for c in data["constraints"]:
        indices = [label[len(c["name"]) + 1 : -1] for label in labels if label.startswith(c["name"] + "[")]
        if c["name"] in labels:
            kept.append(c)
        elif indices:
            var = c["forall"][0].split(" in ")[0]
            c["where"] = " or ".join(f"{var} == {i}" for i in indices)
            kept.append(c)
    data["constraints"] = kept
    return infeasible(Formulation.from_data(data))


def test_staffing_conflict_names_rows_at_their_indices():
    # need = (6, 9, 7); cover[1]: w1 >= 6; cover[3]: w3 + w2 >= 7; limit: w1 + w2 + w3 <= 12 < 6 + 7.
    f = Formulation.load(STAFFING)
    conflict = find_conflict(f)
    assert conflict.method == "iis" and conflict.minimal
    assert conflict.labels() == ["cover[1]", "cover[3]", "limit"]
    assert conflict.summary() == "cover[1], cover[3] and limit conflict"
    assert still_infeasible_with_only(f, conflict.labels())
    for dropped in conflict.labels():  # minimal: without any one of them the rest is satisfiable
        assert not still_infeasible_with_only(f, [x for x in conflict.labels() if x != dropped])


def test_lp_iis_includes_the_bounds_it_needs():
    f = Formulation.from_data(
        {
            "variables": [{"name": "x", "upper": 3}, {"name": "y", "upper": 2}, {"name": "z"}],
            "objective": {"sense": "maximize", "expr": "x + y + z"},
            "constraints": [
                {"name": "need", "expr": "x + y >= 10"},
                {"name": "other", "expr": "z <= 4"},
            ],
        }
    )
    conflict = find_conflict(f)
    assert conflict.labels() == ["need"] and sorted(conflict.bounds) == ["x <= 3", "y <= 2"]
    assert conflict.summary() == "need cannot hold on its own (with the bounds x <= 3, y <= 2)"


def test_integer_infeasibility_is_found_by_the_deletion_filter():
    # The LP relaxation is feasible (x = 1.5), the integers are not: 2x == 3 has no integral solution.
    f = Formulation.from_data(
        {
            "sets": [{"name": "K", "range": {"start": 1, "end": 3}}],
            "variables": [{"name": "x", "type": "integer", "upper": 10}, {"name": "y", "index": ["k in K"]}],
            "objective": {"sense": "minimize", "expr": "x + sum(y[k] for k in K)"},
            "constraints": [
                {"name": "odd", "expr": "2 * x == 3"},
                {"name": "spread", "forall": ["k in K"], "expr": "y[k] >= k"},
                {"name": "cap", "expr": "sum(y[k] for k in K) <= 100"},
            ],
        }
    )
    conflict = find_conflict(f)
    assert conflict.method == "deletion-filter" and conflict.minimal
    assert conflict.labels() == ["odd"]


def test_a_feasible_model_has_no_conflict():
    assert find_conflict(Formulation.load(EXAMPLES / "production_mix.json")) is None


def test_nonlinear_models_are_filtered_constraint_by_constraint():
    if not SOLVERS["scip"].installed():
        pytest.skip("needs SCIP for a nonlinear model")
    f = Formulation.from_data(
        {
            "variables": [{"name": "x", "upper": 100}, {"name": "y", "upper": 100}],
            "objective": {"sense": "minimize", "expr": "x + y"},
            "constraints": [
                {"name": "root", "expr": "sqrt(x) >= 3"},
                {"name": "small", "expr": "x <= 4"},
                {"name": "free", "expr": "y <= 50"},
            ],
        }
    )
    conflict = find_conflict(f)
    assert conflict.method == "constraint-deletion-filter" and conflict.labels() == ["root", "small"]


def test_agent_feedback_names_the_rows():
    text = infeasible_feedback(Formulation.load(STAFFING), "auto")
    assert "cover[1], cover[3] and limit conflict" in text


def test_cli_explains_an_infeasible_formulation():
    proc = run_cli("solve", "-f", str(STAFFING), check_rc=1)
    assert "conflict: cover[1], cover[3] and limit conflict" in proc.stdout
    data = json.loads(run_cli("solve", "-f", str(STAFFING), "--json", check_rc=1).stdout)
    assert data["termination"] == "infeasible"
    assert data["conflict"]["summary"] == "cover[1], cover[3] and limit conflict"
    assert [r["index"] for r in data["conflict"]["rows"]] == ["1", "3", ""]
