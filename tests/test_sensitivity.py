"""Sensitivity checked by hand: every dual and range is recomputed independently (re-solving perturbed models,
or from the optimal basis with numpy), never copied from solver output."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from cli_helpers import run_cli
from conftest import EXAMPLES

from optagent.formulations import Formulation
from optagent.formulations import solve as solve_module
from optagent.formulations.solve import solve

TOL = 1e-6


def data(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def optimum(d: dict) -> float:
    result = solve(Formulation.from_data(d), sensitivity=False)
    assert result.termination.value == "optimal", result.termination
    return result.objective


def shifted(d: dict, constraint: str, condition: str, delta: float) -> dict:
    """The model with the constant side of the rows of ``constraint`` where ``condition`` holds moved by
    ``delta``."""
    out = copy.deepcopy(d)
    con = next(c for c in out["constraints"] if c["name"] == constraint)
    lhs, op, rhs = con["expr"].rpartition(" <= ") if " <= " in con["expr"] else con["expr"].rpartition(" >= ")
    con["expr"] = f"{lhs}{op}{rhs} + ({delta} if {condition} else 0)"
    return out


def costed(d: dict, extra: str) -> dict:
    out = copy.deepcopy(d)
    out["objective"]["expr"] += f" + {extra}"
    return out


# -- production mix: 5c + 20t <= 400 (carpentry), 10c + 15t <= 450 (finishing), max 45c + 80t ----------------
HOURS = np.array([[5.0, 20.0], [10.0, 15.0]])
AVAILABLE = np.array([400.0, 450.0])
PROFIT = np.array([45.0, 80.0])


def basis_ranges() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Right-hand-side and profit ranges of the optimal basis {chairs, tables}, from B^-1 by numpy."""
    inv = np.linalg.inv(HOURS)
    x = inv @ AVAILABLE
    rhs = []
    for k in range(2):
        col = inv[:, k]  # x(b + t e_k) = x + t * col >= 0
        lo = max((-x[i] / col[i] for i in range(2) if col[i] > 0), default=-np.inf)
        hi = min((-x[i] / col[i] for i in range(2) if col[i] < 0), default=np.inf)
        rhs.append((AVAILABLE[k] + lo, AVAILABLE[k] + hi))
    cost = []
    for k in range(2):
        y = PROFIT @ inv  # duals y(c + t e_k) = y + t * inv[k] >= 0 keeps the basis optimal (maximisation)
        lo = max((-y[i] / inv[k, i] for i in range(2) if inv[k, i] > 0), default=-np.inf)
        hi = min((-y[i] / inv[k, i] for i in range(2) if inv[k, i] < 0), default=np.inf)
        cost.append((PROFIT[k] + lo, PROFIT[k] + hi))
    return rhs, cost


def test_production_mix_duals_by_perturbation():
    d = data("production_mix")
    sens = solve(Formulation.from_data(d)).sensitivity
    assert sens is not None and sens.basis == "lp" and sens.sense == "maximize"
    base = optimum(d)
    for shop in ("carpentry", "finishing"):
        up = optimum(shifted(d, "shop_hours", f"s == '{shop}'", 1)) - base
        down = base - optimum(shifted(d, "shop_hours", f"s == '{shop}'", -1))
        row = sens.constraint("shop_hours", shop)
        assert row.dual == pytest.approx(up, abs=TOL) and row.dual == pytest.approx(down, abs=TOL)
        assert row.binding and row.slack == pytest.approx(0, abs=TOL) and row.rhs_term == f"available[{shop}]"
    # By hand: y solves 5y1 + 10y2 = 45, 20y1 + 15y2 = 80 -> y = (1, 4).
    assert sens.constraint("shop_hours", "carpentry").dual == pytest.approx(1)
    assert sens.constraint("shop_hours", "finishing").dual == pytest.approx(4)


def test_production_mix_ranges_from_the_basis_inverse():
    sens = solve(Formulation.load(EXAMPLES / "production_mix.json")).sensitivity
    rhs, cost = basis_ranges()
    for k, shop in enumerate(("carpentry", "finishing")):
        assert sens.constraint("shop_hours", shop).rhs_range == pytest.approx(rhs[k])
    for k, product in enumerate(("chair", "table")):
        var = sens.variable("make", product)
        assert var.cost_range == pytest.approx(cost[k]) and var.reduced_cost == pytest.approx(0, abs=TOL)
    assert rhs[0] == pytest.approx((225, 600)) and cost[0] == pytest.approx((20, 160 / 3))
    lines = sens.statements()
    assert lines[0] == "one more unit of `available[finishing]` is worth 4, valid from 300 to 800"
    assert lines[1] == "one more unit of `available[carpentry]` is worth 1, valid from 225 to 600"


# -- transportation: min cost; capacity rows <= supply, demand rows >= demand --------------------------------
TRANSPORT_ROWS = [("capacity", "p", p) for p in ("Seattle", "SanDiego", "Denver")] + [
    ("meet_demand", "m", m) for m in ("NewYork", "Chicago", "Topeka", "Austin")
]


@pytest.mark.parametrize(("constraint", "var", "element"), TRANSPORT_ROWS)
def test_transportation_duals_and_ranges_by_re_solving(constraint, var, element):
    d = data("transportation")
    sens = solve(Formulation.from_data(d)).sensitivity
    row = sens.constraint(constraint, element)
    base = optimum(d)
    cond = f"{var} == '{element}'"

    def objective_at(value: float) -> float | None:
        result = solve(
            Formulation.from_data(shifted(d, constraint, cond, value - row.rhs)), sensitivity=False
        )
        return result.objective if result.has_solution else None

    lo, hi = row.rhs_range
    assert (lo is None or lo < row.rhs) and (hi is None or row.rhs < hi)  # every range here has width
    # The dual holds over the whole range: the optimum moves linearly with slope = dual up to both ends
    # (and across b - 1 .. b + 1). The range is the optimal basis's: this LP is degenerate, and the same slope
    # may continue beyond an end (its tightness is checked on the production mix, against the basis inverse).
    for value in [v for v in (lo, hi, row.rhs - 1, row.rhs + 1) if v is not None]:
        if (lo is None or value >= lo) and (hi is None or value <= hi):
            assert objective_at(value) == pytest.approx(base + row.dual * (value - row.rhs), abs=1e-5), value
    if not row.binding:
        assert row.dual == 0 and row.slack > 0
        assert (lo, hi) == (pytest.approx(row.activity), None)  # capacity rows: down to the activity
    else:
        assert objective_at(row.rhs + 1) - base == pytest.approx(row.dual, abs=1e-5)


def test_transportation_reduced_costs_by_forcing_one_unit():
    d = data("transportation")
    result = solve(Formulation.from_data(d))
    base = result.objective
    checked = 0
    for v in result.sensitivity.variables:
        if v.value > TOL:
            assert v.reduced_cost == pytest.approx(0, abs=TOL)
            continue
        p, m = v.index.split(",")
        forced = copy.deepcopy(d)
        forced["constraints"].append({"name": "force", "expr": f"ship['{p}', '{m}'] >= 1"})
        assert optimum(forced) - base == pytest.approx(v.reduced_cost, abs=1e-5), v.label
        checked += 1
    assert checked >= 5


def test_transportation_cost_ranges_by_re_pricing():
    d = data("transportation")
    result = solve(Formulation.from_data(d))
    base = result.objective
    for v in result.sensitivity.variables:
        p, m = v.index.split(",")
        term = f"ship['{p}', '{m}']"
        for end, step in zip(v.cost_range, (-0.5, 0.5)):
            if end is None:
                continue
            inside = end - step - v.cost  # moved to just inside the range: the solution stays optimal
            assert optimum(costed(d, f"{inside} * {term}")) == pytest.approx(
                base + inside * v.value, abs=1e-5
            )
            outside = end + step - v.cost  # just outside: the old solution is beaten
            assert optimum(costed(d, f"{outside} * {term}")) < base + outside * v.value - 1e-6, v.label


def test_the_constant_on_the_left_gives_the_same_duals():
    d = data("transportation")
    flipped = copy.deepcopy(d)
    flipped["constraints"][1]["expr"] = "demand[m] <= sum(ship[p, m] for p in P)"
    a, b = solve(Formulation.from_data(d)).sensitivity, solve(Formulation.from_data(flipped)).sensitivity
    for x, y in zip(a.constraints, b.constraints):
        assert (x.dual, x.rhs, x.activity, x.rhs_term) == pytest.approx(
            (y.dual, y.rhs, y.activity, y.rhs_term)
        )
        assert x.rhs_range == pytest.approx(y.rhs_range)


# -- MILP, QP, size limit, outputs ---------------------------------------------------------------------------
def test_milp_duals_come_from_the_lp_with_integers_fixed():
    d = data("facility_location")
    result = solve(Formulation.from_data(d))
    sens = result.sensitivity
    assert sens.basis == "fixed-integer-lp" and "fixed" in sens.basis_text
    assert all(v.cost_range is None for v in sens.variables if v.name == "open")
    fixed = copy.deepcopy(d)
    fixed["variables"][0] = {
        "name": "open",
        "index": ["w in W"],
        "lower": "opened[w]",
        "upper": "opened[w]",
    }
    fixed["parameters"].append(
        {"name": "opened", "index": ["w in W"], "value": [round(v) for v in result.values["open"].values()]}
    )
    fixed["problem_type"] = "LP"
    base = optimum(fixed)
    assert base == pytest.approx(result.objective)
    for c in (1, 3, 5):
        up = optimum(shifted_eq(fixed, c, 1)) - base
        assert sens.constraint("serve", c).dual == pytest.approx(up, abs=1e-5)


def shifted_eq(d: dict, customer: int, delta: float) -> dict:
    out = copy.deepcopy(d)
    out["constraints"][0]["expr"] = (
        f"sum(flow[w, c] for w in W) == demand[c] + ({delta} if c == {customer} else 0)"
    )
    return out


def test_convex_qp_gives_duals_without_ranging():
    path = EXAMPLES / "logior" / "prob_081.json"
    d = json.loads(path.read_text())
    result = solve(Formulation.from_data(d))
    sens = result.sensitivity
    assert result.path == "direct" and sens.basis == "qp"
    assert all(c.rhs_range is None for c in sens.constraints) and all(
        v.cost_range is None for v in sens.variables
    )
    row = sens.constraints[0]
    shifted_total = copy.deepcopy(d)
    next(p for p in shifted_total["parameters"] if p["name"] == "total")["value"] += 1e-3
    slope = (optimum(shifted_total) - result.objective) / 1e-3
    assert row.dual == pytest.approx(slope, rel=1e-3)


def test_sensitivity_is_automatic_up_to_a_size_and_on_request_beyond(monkeypatch):
    f = Formulation.load(EXAMPLES / "transportation.json")
    assert solve(f, sensitivity=False).sensitivity is None
    monkeypatch.setattr(solve_module, "SENSITIVITY_AUTO_LIMIT", 10)
    skipped = solve(f)
    assert skipped.sensitivity is None and any(
        "sensitivity not computed: 19 rows and columns" in m for m in skipped.messages
    )
    assert solve(f, sensitivity=True).sensitivity is not None


def test_solver_paths_without_duals_say_so():
    result = solve(Formulation.load(EXAMPLES / "production_mix.json"), path="pyomo", sensitivity=True)
    assert result.sensitivity is None and any("no sensitivity" in m for m in result.messages)


def test_cli_json_and_explain():
    proc = run_cli("solve", "-f", str(EXAMPLES / "production_mix.json"), "--json", check_rc=0)
    sens = json.loads(proc.stdout)["sensitivity"]
    assert sens["basis"] == "lp" and sens["constraints"][0]["rhs_range"] == pytest.approx([225, 600])
    proc = run_cli("solve", "-f", str(EXAMPLES / "production_mix.json"), "--explain", check_rc=0)
    assert "one more unit of `available[carpentry]` is worth 1, valid from 225 to 600" in proc.stdout
    assert "shop_hours[finishing]" in proc.stdout and "225 .. 600" in proc.stdout


@pytest.mark.slow
def test_cli_explains_an_answer_from_a_problem_in_words():
    proc = run_cli(
        "solve",
        "-f",
        str(EXAMPLES / "problems" / "furniture.txt"),
        "--model",
        f"scripted:{EXAMPLES / 'replays' / 'furniture.json'}",
        "--mode",
        "ir",
        "--explain",
        check_rc=0,
    )
    assert "one more unit of `available[finishing]` is worth 4, valid from 300 to 800" in proc.stdout
