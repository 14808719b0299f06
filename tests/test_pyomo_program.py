"""The Pyomo program generated from a formulation reproduces the formulation's optimum when run alone."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest
from conftest import EXAMPLES

from optagent.formulations import Formulation
from optagent.formulations.pyomo_program import pyomo_program
from optagent.formulations.solve import solve
from optagent.sandbox import Job, Limits, WorkerPool

MODELS = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "logior").glob("*.json"))


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=120)) as workers:
        yield workers


def run(pool, code: str):
    result = pool.run(Job(code, contract="script", limits=Limits(timeout_s=120, solver_time_limit=60)))
    assert result.status.value == "ok", (result.message, result.error, result.stderr)
    return result.solution


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_generated_program_reproduces_the_optimum(path: Path, pool):
    formulation = Formulation.load(path)
    expected = solve(formulation, time_limit=60)
    code = pyomo_program(formulation)
    compile(code, str(path), "exec")  # valid Python before anything runs
    solution = run(pool, code)
    if not expected.has_solution:
        assert expected.termination.value == "infeasible"
        assert solution.status == "infeasible" and solution.objective is None
        return
    assert solution.status == "optimal"
    assert math.isclose(solution.objective, expected.objective, rel_tol=1e-6, abs_tol=1e-6)


# Every language feature the generator translates, in one linear model: derived sets of each kind, a range
# whose end is a parameter, a sparse parameter with a default, a derived parameter over a pair-valued index,
# expression bounds, a variable with a condition, a ranged and a scalar constraint, rows that hold on data
# alone (an empty sum) and names that clash with Python (a set called "range", a parameter called "model").
FEATURES = {
    "name": "features",
    "description": 'Quotes """ and a \\ backslash\nimport os  # must stay inside the docstring',
    "problem_type": "MILP",
    "sets": [
        {"name": "A", "elements": ["a", "b", "c"]},
        {"name": "B", "elements": ["b", "c", "d"]},
        {"name": "U", "union": ["A", "B"]},
        {"name": "I", "intersection": ["A", "B"]},
        {"name": "D", "difference": ["A", "B"]},
        {"name": "range", "range": {"start": 1, "end": "card(A)"}},
        {"name": "P", "product": ["U", "range"]},
        {"name": "Q", "filter": {"over": "(u, t) in P", "condition": "t != 2 or u == 'a'"}},
        {"name": "K", "elements": [1, 2]},
    ],
    "parameters": [
        {"name": "model", "value": 2, "unit": "units\nprint('injected')"},
        {"name": "cost", "index": ["u in U"], "value": {"a": 1, "b": 2}, "default": 5},
        {"name": "cap", "index": ["q in Q", "k in K"], "expr": "model + k * card(K)"},
    ],
    "variables": [
        {"name": "x", "index": ["u in U"], "type": "integer", "upper": "cost[u] + 1"},
        {"name": "y", "index": ["q in Q", "k in K"], "description": "two lines\nraise SystemExit"},
        {"name": "z", "index": ["(u, t) in P"], "where": "t <= 2", "type": "binary"},
        {"name": "s", "lower": None, "upper": 10},
    ],
    "objective": {
        "sense": "maximize",
        "expr": "sum(x[u] for u in U) + sum(y[q, k] for q in Q for k in K) "
        "- sum(z[u, t] for (u, t) in P if t <= 2) + s",
    },
    "constraints": [
        {"name": "cap_y", "forall": ["q in Q", "k in K"], "expr": "y[q, k] <= cap[q, k]"},
        {"name": "band", "expr": "2 <= sum(x[i] for i in I) <= 7"},
        {"name": "link", "forall": ["(u, t) in P"], "where": "t <= 2", "expr": "100 * z[u, t] >= x[u]"},
        {"name": "only_d", "forall": ["u in U"], "expr": "sum(x[v] for v in D if v == u) <= 10"},
        {"name": "top", "expr": "s <= model * 3"},
        {"name": "fixed", "forall": ["d in D"], "expr": "x[d] == 2"},
    ],
}
# abs, min and max of variables (compiled through exact identities for SCIP) and a max over a loop.
NONLINEAR = {
    "name": "kinks",
    "problem_type": "NLP",
    "sets": [{"name": "K", "range": {"start": 1, "end": 2}}],
    "variables": [{"name": "u", "lower": -5, "upper": 5}, {"name": "v", "lower": -5, "upper": 5}],
    "objective": {
        "sense": "minimize",
        "expr": "abs(u - 1) + max(v, 2 * u) - min(u, v, 0) + max(v * k for k in K)",
    },
    "constraints": [{"name": "sum_uv", "expr": "u + v >= 1"}],
}


@pytest.mark.parametrize("data", [FEATURES, NONLINEAR], ids=["features", "nonlinear"])
def test_every_translated_feature_matches_the_compiler(data, pool):
    from optagent.agent.diagnosis import check_program_solution

    formulation = Formulation.from_data(json.loads(json.dumps(data)))
    expected = solve(formulation, time_limit=60)
    assert expected.has_solution
    code = pyomo_program(formulation)
    solution = run(pool, code)
    assert math.isclose(solution.objective, expected.objective, rel_tol=1e-6, abs_tol=1e-6)
    # the program's values satisfy every row of the formulation: it built the same constraints
    cross = check_program_solution(formulation, solution.variables, solution.objective)
    assert cross.mapped and cross.feasible, cross.describe()


def test_free_text_cannot_escape_comments_or_the_docstring():
    code = pyomo_program(Formulation.from_data(FEATURES))
    tree = ast.parse(code)
    assert "import os" in ast.get_docstring(tree)  # the description stayed inside the docstring
    imported = {a.name for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    assert imported == {"defaultdict", "pyomo.environ"}
    assert not any(line.lstrip().startswith(("print('injected')", "raise ")) for line in code.splitlines())
    assert "range_ = list(range(1, int(len(A)) + 1))" in code  # a clashing name is renamed
    assert "model_ = 2" in code and "defaultdict(lambda: 5.0, {" in code
    assert "skip_if_constant(" in code  # only_d has rows without variables


def test_program_for_the_production_mix_reads_like_the_model():
    code = pyomo_program(Formulation.load(EXAMPLES / "production_mix.json"), title="scenario base")
    assert '"""production_mix (LP) - scenario base' in code
    assert 'available = {"carpentry": 400, "finishing": 450}  # hours per week' in code
    assert "model.make = pyo.Var(Products, domain=pyo.NonNegativeReals)" in code
    assert "return sum(hours[s, p] * model.make[p] for p in Products) <= available[s]" in code
    assert 'pyo.SolverFactory("highs")' in code
