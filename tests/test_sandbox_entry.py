"""Which result a program reports: the entry function's return value (called once by the harness, its
``__main__`` block skipped), the solved model of a plain script, and a solve cut short by the time limit."""

from __future__ import annotations

import textwrap

import pytest
from sandbox_helpers import program

from optagent.sandbox import ExecutionResult, Job, Limits, WorkerPool

LIMITS = Limits(timeout_s=20.0)
CUT_SHORT = Limits(timeout_s=10.0, solver_time_limit=0.5, memory_mb=1024)


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, limits=LIMITS) as workers:
        yield workers


def run(pool, code: str, limits: Limits = LIMITS, **kwargs) -> ExecutionResult:
    return pool.run(Job(textwrap.dedent(code), limits=limits, **kwargs))


# max area x*y with 2x + y <= 30 is 112.5; the program minimises -area over a grid of LPs (x fixed)
# and returns the optimum as a positive number; the last model it solved has objective -100.
AREA = """
    import pyomo.environ as pyo

    def area_for(x):
        m = pyo.ConcreteModel()
        m.y = pyo.Var(bounds=(0, None))
        m.c = pyo.Constraint(expr=2 * x + m.y <= 30)
        m.o = pyo.Objective(expr=-x * m.y)
        pyo.SolverFactory("highs").solve(m)
        return -pyo.value(m.o)

    def solve():
        print("solve called")
        best = max(area_for(x) for x in (5.0, 7.5, 10.0))
        return {"status": "optimal", "objective": best, "variables": {"x": 7.5, "y": 15.0}}

    if __name__ == "__main__":
        print(solve())
"""


def test_the_returned_value_wins_and_the_entry_runs_once(pool):
    result = run(pool, AREA)
    assert result.ok, result.message
    assert result.entry == "solve" and result.solution.source == "returned by solve()"
    assert result.objective == pytest.approx(112.5)  # not -100, the last model solved
    assert result.solution.variables == {"x": 7.5, "y": 15.0}
    assert result.stdout.count("solve called") == 1  # the __main__ block did not call it again


def test_enumeration_in_main_returns_the_best_of_several_models(pool):
    code = """
        import highspy

        def best_for(k):
            h = highspy.Highs(); h.setOptionValue("output_flag", False)
            x = h.addVariable(lb=0, ub=k)
            h.maximize(3 * x - k * k)
            return h.getInfo().objective_function_value

        def main():
            values = [best_for(k) for k in (1, 2, 3)]  # 2, 2, 0: the last model solved has 0
            return max(values)

        if __name__ == "__main__":
            main()
    """
    result = run(pool, code)
    assert result.ok and result.entry == "main", result.message
    assert result.objective == pytest.approx(2.0)


def test_an_entry_returning_nothing_reports_the_model_it_solved(pool):
    code = """
        import highspy
        calls = []

        def main():
            calls.append(1)
            h = highspy.Highs(); h.setOptionValue("output_flag", False)
            x = h.addVariable(lb=0, ub=4, name="x")
            h.maximize(2 * x)
            print("calls", len(calls))

        if __name__ == "__main__":
            main()
    """
    result = run(pool, code)
    assert result.ok and result.objective == pytest.approx(8.0) and result.solution.variables == {"x": 4.0}
    assert result.stdout.count("calls") == 1 and "calls 1" in result.stdout


def test_a_plain_script_under_a_main_guard_still_runs(pool):
    code = """
        import highspy

        def report(h):
            print("objective", h.getInfo().objective_function_value)

        if __name__ == "__main__":
            h = highspy.Highs(); h.setOptionValue("output_flag", False)
            x = h.addVariable(lb=0, ub=3, name="x")
            h.maximize(5 * x)
            report(h)
    """
    result = run(pool, code)
    assert result.ok and result.entry is None, result.message
    assert result.objective == pytest.approx(15.0) and "objective 15" in result.stdout


def test_a_script_with_a_helper_function_is_read_from_its_model_without_calling_the_helper(pool):
    code = """
        import highspy
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, ub=3, name="x")
        h.maximize(x)

        def show():
            print("HELPER CALLED")
            return 99
    """
    result = run(pool, code)
    assert result.ok and result.objective == pytest.approx(3.0)
    assert "HELPER CALLED" not in result.stdout


def test_a_main_guard_that_calls_a_function_with_arguments_runs(pool):
    code = """
        def solve(data):
            return {"objective": sum(data)}

        if __name__ == "__main__":
            import highspy
            h = highspy.Highs(); h.setOptionValue("output_flag", False)
            x = h.addVariable(lb=0, ub=solve([1, 2])["objective"], name="x")
            h.maximize(x)
    """
    result = run(pool, code)
    assert result.ok and result.objective == pytest.approx(3.0), result.message


# -- a solve stopped by the time limit says so, with the bound and gap where the solver reports them
def _assert_cut_short(result: ExecutionResult, framework: str) -> None:
    assert result.ok, result.message
    solution = result.solution
    assert solution.framework == framework
    assert solution.status == "time_limit", solution
    assert solution.bound is not None, solution
    if solution.objective is not None:
        assert solution.gap is not None and solution.gap >= 0


@pytest.mark.parametrize(
    ("name", "framework"),
    [
        ("solver_no_time_limit", "highspy"),
        ("gurobi_no_time_limit", "gurobipy"),
        ("pyomo_no_time_limit", "pyomo"),
    ],
)
def test_a_solve_cut_short_is_time_limit_with_its_bound(pool, name, framework):
    pytest.importorskip(framework)
    _assert_cut_short(run(pool, program(name), CUT_SHORT), framework)


def test_scip_cut_short_is_time_limit_with_its_bound(pool):
    pytest.importorskip("pyscipopt")
    code = """
        import random
        from pyscipopt import Model, quicksum
        random.seed(3)
        m, n = 5, 40
        a = [[random.randint(0, 99) for _ in range(n)] for _ in range(m)]
        model = Model(); model.hideOutput()
        x = [model.addVar(vtype="B") for _ in range(n)]
        for i in range(m):
            model.addCons(quicksum(a[i][j] * x[j] for j in range(n)) == sum(a[i]) // 2)
        model.setObjective(quicksum(x), "minimize")
        model.optimize()
    """
    _assert_cut_short(run(pool, code, CUT_SHORT), "pyscipopt")


def test_a_bare_number_returned_after_a_solve_cut_short_is_time_limit(pool):
    code = program("solver_no_time_limit").replace("h.minimize(sum(x))", "") + textwrap.dedent("""
        def solve():
            h.minimize(sum(x))
            info = h.getInfo()
            return info.objective_function_value if info.primal_solution_status == 2 else 40.0
    """)
    result = run(pool, code, CUT_SHORT)
    assert result.ok and result.solution.status == "time_limit", result.solution
    assert result.solution.bound is not None and "time limit" in result.solution.source


def test_a_returned_time_limit_status_keeps_objective_bound_and_gap(pool):
    returned = "{'status': 'TIME_LIMIT', 'objective': 12.0, 'best_bound': 10.0, 'mip_gap': 0.2}"
    code = f"def solve():\n    return {returned}\n"
    result = run(pool, code)
    assert result.ok
    solution = result.solution
    assert (solution.status, solution.objective, solution.bound, solution.gap) == (
        "time_limit",
        12.0,
        10.0,
        0.2,
    )


def test_an_optimal_mip_reports_its_bound(pool):
    code = """
        import highspy
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        x = h.addIntegral(lb=0, ub=10, name="x")
        h.addConstr(2 * x <= 7)
        h.maximize(x)
    """
    result = run(pool, code)
    assert result.solution.status == "optimal" and result.objective == 3.0
    assert result.solution.bound == pytest.approx(3.0) and result.solution.gap == pytest.approx(0.0)
