"""Non-convex quadratic models are never reported optimal from a local solver (issue 11, item 1a)."""

from __future__ import annotations

import numpy as np
import pytest

from optagent.errors import SolverUnavailable
from optagent.formulations import Formulation
from optagent.formulations.convexity import check_convexity
from optagent.formulations.lower import lower
from optagent.formulations.prepare import prepare
from optagent.formulations.result import Termination
from optagent.formulations.solve import solve
from optagent.formulations.solvers import SOLVERS


def needs(solver: str) -> None:
    if not SOLVERS[solver].installed():
        pytest.skip(f"{solver} is not installed ({SOLVERS[solver].install})")


def model(objective: str, sense: str = "maximize", constraints: list[str] | None = None) -> Formulation:
    cons = constraints if constraints is not None else ["2 * x + y <= 30"]
    return Formulation.from_data(
        {
            "variables": [{"name": "x", "upper": 100}, {"name": "y", "upper": 100}],
            "objective": {"sense": sense, "expr": objective},
            "constraints": [{"name": f"c{k}", "expr": e} for k, e in enumerate(cons)],
        }
    )


def convexity(f: Formulation):
    return check_convexity(lower(prepare(f)))


def test_maximising_a_bilinear_area_finds_the_global_optimum():
    # max x*y s.t. 2x + y <= 30: on the line y = 30 - 2x the area x(30 - 2x) peaks at x = 7.5, y = 15: 112.5.
    # HiGHS's QP solver stops at the stationary point x = y = 0 and calls objective 0 optimal.
    needs("scip")
    result = solve(model("x * y"))
    assert result.termination == Termination.optimal and result.solver == "scip"
    assert result.objective == pytest.approx(112.5, rel=1e-6)
    assert result.value("x") == pytest.approx(7.5, rel=1e-4) and result.value("y") == pytest.approx(
        15, rel=1e-4
    )
    assert any("non-convex" in m and "not concave" in m for m in result.messages)


def test_forcing_highs_on_a_non_convex_model_is_refused():
    with pytest.raises(SolverUnavailable) as exc:
        solve(model("x * y"), solver="highs")
    assert "stationary point" in exc.value.message and "not concave" in exc.value.message
    assert "scip" in exc.value.hint


def test_gurobi_solves_the_non_convex_model_globally():
    needs("gurobi")
    result = solve(model("x * y"), solver="gurobi")
    assert result.solver == "gurobi" and result.objective == pytest.approx(112.5, rel=1e-6)


def test_convex_and_concave_quadratics_stay_on_highs_direct():
    # min (x - 3)^2 + (y - 4)^2 + x*y: Hessian [[2, 1], [1, 2]] (eigenvalues 1 and 3) is convex;
    # stationary point 2x - 6 + y = 0, 2y - 8 + x = 0 -> x = 4/3, y = 10/3.
    f = model("(x - 3) ** 2 + (y - 4) ** 2 + x * y", "minimize", [])
    result = solve(f)
    assert (result.solver, result.path) == ("highs", "direct") and not result.messages
    assert result.value("x") == pytest.approx(4 / 3, abs=1e-5) and result.value("y") == pytest.approx(
        10 / 3, abs=1e-5
    )
    # The same function maximised as its negation is concave: also HiGHS.
    neg = solve(model("-((x - 3) ** 2 + (y - 4) ** 2 + x * y)", "maximize", []))
    assert neg.solver == "highs" and neg.objective == pytest.approx(-result.objective, abs=1e-6)


def test_curvature_is_read_from_eigenvalues_of_coupled_blocks():
    # x^2 + y^2 - 3xy has Hessian [[2, -3], [-3, 2]]: eigenvalues -1 and 5, indefinite although both diagonal
    # entries are positive; x^2 + y^2 - 2xy = (x - y)^2 is convex (eigenvalue 0 on the edge).
    assert not convexity(model("x ** 2 + y ** 2 - 3 * x * y", "minimize")).convex
    assert "eigenvalue -1" in convexity(model("x ** 2 + y ** 2 - 3 * x * y", "minimize")).summary()
    assert convexity(model("x ** 2 + y ** 2 - 2 * x * y", "minimize")).convex
    assert not convexity(model("x ** 2 + y ** 2 - 2 * x * y", "maximize")).convex
    assert convexity(model("-x ** 2 - 5 * y ** 2 + x", "maximize")).convex


def test_quadratic_rows_are_checked_for_their_side():
    inside = convexity(model("x + y", constraints=["x ** 2 + y ** 2 <= 4"]))
    outside = convexity(model("x + y", constraints=["x ** 2 + y ** 2 >= 4"]))
    equal = convexity(model("x + y", constraints=["x * y == 4"]))
    assert inside.convex and not outside.convex and not equal.convex
    assert "c0" in outside.summary() and ">=" in outside.summary()


def test_a_non_convex_quadratic_constraint_model_is_solved_globally():
    # Minimising x + y over x*y >= 4 (x, y >= 0; the non-convex side of the row): optimum 4 at x = y = 2.
    needs("scip")
    f = model("x + y", "minimize", ["x * y >= 4"])
    result = solve(f)
    assert result.solver == "scip" and result.objective == pytest.approx(4, rel=1e-6)


def test_eigenvalues_of_a_larger_random_indefinite_form():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(6, 6))
    h = q + q.T
    names = [f"v{k}" for k in range(6)]
    expr = " + ".join(f"{h[i, j] / 2:.12f} * {names[i]} * {names[j]}" for i in range(6) for j in range(6))
    f = Formulation.from_data(
        {
            "variables": [{"name": n, "lower": -1, "upper": 1} for n in names],
            "objective": {"sense": "minimize", "expr": expr},
            "constraints": [],
        }
    )
    report = convexity(f)
    low = np.linalg.eigvalsh(h)[0]
    assert low < 0 and not report.convex and f"{low:.4g}" in report.summary()
