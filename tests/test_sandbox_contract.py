"""The result contract: data-as-defaults functions, solved-model scripts in every framework, heuristics."""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

from optagent.errors import InputError
from optagent.sandbox import ColdExecutor, ExecStatus, ExecutionResult, Job, Limits, WorkerPool
from optagent.sandbox.contract import ContractViolation, check_permutation
from optagent.sandbox.extract import normalise_status
from optagent.sandbox.inputs import rebase_open_paths

LIMITS = Limits(timeout_s=20.0)


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2, limits=LIMITS) as workers:
        yield workers


def run(pool, code: str, **kwargs) -> ExecutionResult:
    return pool.run(Job(textwrap.dedent(code), limits=LIMITS, **kwargs))


LP_VALUES = {"x": 4.0, "y": 1.0}  # max 3x + 2y, x <= 4, y <= 3, x + y <= 5  ->  14

SCRIPTS = {
    "gurobipy": """
        import gurobipy as gp
        m = gp.Model()
        m.Params.OutputFlag = 0
        x = m.addVar(ub=4, name="x"); y = m.addVar(ub=3, name="y")
        m.addConstr(x + y <= 5)
        m.setObjective(3 * x + 2 * y, gp.GRB.MAXIMIZE)
        m.optimize()
    """,
    "pyomo": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 4)); m.y = pyo.Var(bounds=(0, 3))
        m.c = pyo.Constraint(expr=m.x + m.y <= 5)
        m.o = pyo.Objective(expr=3 * m.x + 2 * m.y, sense=pyo.maximize)
        pyo.SolverFactory("highs").solve(m)
    """,
    "highspy": """
        import highspy
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, ub=4, name="x"); y = h.addVariable(lb=0, ub=3, name="y")
        h.addConstr(x + y <= 5)
        h.maximize(3 * x + 2 * y)
    """,
    "pyscipopt": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar(ub=4, name="x"); y = m.addVar(ub=3, name="y")
        m.addCons(x + y <= 5)
        m.setObjective(3 * x + 2 * y, "maximize")
        m.optimize()
    """,
}


@pytest.mark.parametrize("framework", sorted(SCRIPTS))
def test_plain_scripts_are_read_from_the_solved_model(pool, framework):
    pytest.importorskip(framework)
    result = run(pool, SCRIPTS[framework], contract="script")
    assert result.ok, (result.message, result.error)
    assert result.solution.framework == framework
    assert result.solution.status == "optimal"
    assert result.objective == pytest.approx(14.0)
    assert result.solution.variables == pytest.approx(LP_VALUES)


def test_model_built_inside_a_function_and_dropped_is_still_found(pool):
    code = """
        import gurobipy as gp

        def build():
            m = gp.Model(); m.Params.OutputFlag = 0
            x = m.addVar(ub=2, vtype=gp.GRB.INTEGER, name="x")
            m.setObjective(x, gp.GRB.MAXIMIZE)
            m.optimize()
            print("objective", m.ObjVal)

        build()
    """
    result = run(pool, code)
    assert result.ok and result.objective == 2.0 and result.solution.variables == {"x": 2.0}


def test_orthought_style_function_with_data_as_defaults(pool):
    code = """
        import gurobipy as gp

        def solve(profit=(3, 2), caps=(4, 3), total=5):
            m = gp.Model(); m.Params.OutputFlag = 0
            x = [m.addVar(ub=c, name=f"x{i}") for i, c in enumerate(caps)]
            m.addConstr(gp.quicksum(x) <= total)
            m.setObjective(gp.quicksum(p * v for p, v in zip(profit, x)), gp.GRB.MAXIMIZE)
            m.optimize()
            return m.ObjVal
    """
    result = run(pool, code)
    assert result.ok and result.entry == "solve" and result.objective == 14.0
    assert result.solution.variables == {"x0": 4.0, "x1": 1.0}  # the returned objective, the model's values


@pytest.mark.parametrize(
    ("returned", "status", "objective"),
    [
        ("12", "optimal", 12.0),
        ("{'status': 'optimal', 'objective': 3.5, 'variables': {'a': 1}}", "optimal", 3.5),
        ("{'objective_value': 2}", "optimal", 2.0),
        ("{'status': 'infeasible'}", "infeasible", None),
        ("'Infeasible'", "infeasible", None),
        ("(7.0, {'x': 1})", "optimal", 7.0),
    ],
)
def test_returned_values(pool, returned, status, objective):
    result = run(pool, f"def solve():\n    return {returned}\n")
    assert result.ok, result.message
    assert result.solution.status == status
    assert result.objective == objective


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("x = 1\n", "solved no model and defines no entry function"),
        ("def a(n):\n    return n\n", "solved no model and defines no entry function"),
        ("def a():\n    return 1\ndef b():\n    return 2\n", "several functions callable without arguments"),
        ("def solve():\n    return None\n", "solve() returned None and solved no model"),
        ("def solve():\n    return 'hello'\n", "returned the text 'hello'"),
        ("def solve():\n    return [1, 2]\n", "returned list"),
        ("def solve():\n    return {'vars': 1}\n", "neither 'objective' nor 'status'"),
        ("def solve():\n    return {'status': 'optimal'}\n", "no finite 'objective'"),
        (
            "import gurobipy as gp\nm = gp.Model()\nm.addVar()\ndef solve():\n    return None\n",
            "a gurobipy model was built but never optimized",
        ),
    ],
)
def test_contract_violations_say_what_was_expected(pool, code, expected):
    result = run(pool, code)
    assert result.status is ExecStatus.CONTRACT_VIOLATION
    assert expected in result.message


def test_named_entry_and_missing_entry(pool):
    code = "def a():\n    return 1\ndef b():\n    return 2\n"
    assert run(pool, code, entry="b").objective == 2.0
    missing = run(pool, code, entry="c")
    assert missing.status is ExecStatus.CONTRACT_VIOLATION and "no function named 'c'" in missing.message


def test_script_contract_does_not_call_functions(pool):
    result = run(pool, "def solve():\n    return 1\n", contract="script")
    assert result.status is ExecStatus.CONTRACT_VIOLATION and "expected a gurobipy, Pyomo" in result.message


def test_infeasible_model_is_ok_with_infeasible_status(pool):
    code = """
        import highspy
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, ub=1)
        h.addConstr(x >= 2)
        h.minimize(x)
    """
    result = run(pool, code)
    assert result.ok and result.solution.status == "infeasible" and result.objective is None


def test_crash_after_solving_reports_the_model_too(pool):
    code = """
        import gurobipy as gp
        m = gp.Model(); m.Params.OutputFlag = 0
        x = m.addVar(ub=1, name="x"); m.addConstr(x >= 2)
        m.optimize()
        print(x.X)
    """
    result = run(pool, code)
    assert result.status is ExecStatus.ERROR
    assert result.error.lines[-1].text == "print(x.X)"
    assert result.solution.status == "infeasible"
    assert "before the failure" in result.solution.source


def test_traceback_is_trimmed_to_the_program(pool):
    code = "def helper(v):\n    return v[3]\n\ndef solve():\n    return helper([1])\n"
    result = run(pool, code)
    assert result.status is ExecStatus.ERROR and result.error.type == "IndexError"
    assert [line.lineno for line in result.error.lines] == [5, 2]
    assert "harness" not in result.error.traceback and "supervise" not in result.error.traceback


def test_syntax_error_names_the_line(pool):
    result = run(pool, "x = 1\ny = (\n")
    assert result.status is ExecStatus.ERROR and result.error.type == "SyntaxError"
    assert "does not compile" in result.message
    assert result.error.lines and result.error.lines[-1].lineno == 2


def test_gurobi_size_limit_is_a_clear_error(pool):
    pytest.importorskip("gurobipy")
    code = """
        import gurobipy as gp
        m = gp.Model(); m.Params.OutputFlag = 0
        x = m.addVars(2500, ub=1, name="x")
        m.setObjective(x.sum(), gp.GRB.MAXIMIZE)
        m.optimize()
    """
    result = run(pool, code)
    if result.ok:
        pytest.skip("this Gurobi licence is not size-limited")
    assert result.status is ExecStatus.ERROR and result.error.type == "GurobiError"
    assert "size-limited" in result.error.message


def test_inputs_are_placed_in_the_work_dir(pool):
    code = "import json\ndef solve(data=json.load(open('data/params.json'))):\n    return data['a'] * 2\n"
    result = run(pool, code, inputs={"data/params.json": '{"a": 21}'})
    assert result.ok and result.objective == 42.0


def test_heuristic_contract(pool):
    code = "def heuristic(p, d):\n    return sorted(range(len(p)), key=lambda j: d[j])\n"
    instances = [{"p": [3, 1, 2], "d": [5, 2, 9]}, {"p": [1], "d": [0]}]
    result = run(pool, code, contract="heuristic", instances=instances)
    assert result.ok and result.heuristic.permutations == [[1, 0, 2], [0]]
    assert len(result.heuristic.seconds) == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("return list(range(1, len(p) + 1))", "index 3 is out of range"),
        ("return [0] * len(p)", "job 0 appears twice"),
        ("return [0, 1]", "returned 2 indices"),
        ("return None", "returned NoneType"),
        ("return ['a', 'b', 'c']", "element 'a' is not a job index"),
    ],
)
def test_heuristic_must_return_a_permutation(pool, body, expected):
    code = f"def heuristic(p, d):\n    {body}\n"
    result = run(pool, code, contract="heuristic", instances=[{"p": [1, 2, 3], "d": [1, 2, 3]}])
    assert result.status is ExecStatus.CONTRACT_VIOLATION
    assert expected in result.message and "instance 0 (3 jobs)" in result.message


def test_heuristic_entry_is_found_or_named(pool):
    instances = [{"p": [1, 2], "d": [2, 1]}]
    single = run(pool, "def edd(p, d):\n    return [1, 0]\n", contract="heuristic", instances=instances)
    assert single.ok and single.entry == "edd"
    two = "def a(p, d):\n    return [0, 1]\ndef b(p, d):\n    return [1, 0]\n"
    ambiguous = run(pool, two, contract="heuristic", instances=instances)
    assert (
        ambiguous.status is ExecStatus.CONTRACT_VIOLATION
        and "cannot tell which function" in ambiguous.message
    )
    assert run(pool, two, contract="heuristic", entry="b", instances=instances).heuristic.permutations == [
        [1, 0]
    ]


def test_cold_executor_gives_the_same_result():
    with ColdExecutor(limits=LIMITS) as cold:
        result = cold.run(Job(textwrap.dedent(SCRIPTS["highspy"]), limits=LIMITS))
    assert result.ok and result.objective == pytest.approx(14.0)


def test_map_keeps_job_order(pool):
    jobs = [Job(f"def solve():\n    return {k}\n", limits=LIMITS) for k in range(6)]
    seen = []
    results = list(pool.map(jobs, on_result=lambda i, r: seen.append(i)))
    assert [r.objective for r in results] == [0, 1, 2, 3, 4, 5]
    assert seen == list(range(6))


def test_result_json_round_trip(pool):
    result = run(pool, SCRIPTS["highspy"])
    assert ExecutionResult.from_dict(result.to_dict()) == result


# -- host-side validation and helpers (no sandbox needed)
@pytest.mark.parametrize(
    "kwargs",
    [{"timeout_s": 0}, {"memory_mb": -1}, {"memory_mb": 10}, {"solver_threads": 0}, {"timeout_s": "x"}],
)
def test_bad_limits_are_input_errors(kwargs):
    with pytest.raises(InputError):
        Limits(**kwargs)


@pytest.mark.parametrize("name", ["/etc/passwd", "../up.txt", "program.py", ""])
def test_bad_input_names_are_input_errors(name):
    with pytest.raises(InputError):
        Job("x = 1", inputs={name: "data"})


def test_heuristic_job_needs_instances():
    with pytest.raises(InputError, match="needs instances"):
        Job("def h(p, d):\n    return []\n", contract="heuristic")


def test_rebase_open_paths():
    code = 'import json\nwith open("/Users/someone/data/parameters.json", "r") as f:\n    d = json.load(f)\n'
    new, rewritten = rebase_open_paths(code, {"parameters.json"})
    assert "open('parameters.json', \"r\")" in new
    assert rewritten == ["/Users/someone/data/parameters.json"]
    assert rebase_open_paths(code, {"other.json"}) == (code, [])
    assert rebase_open_paths("open('parameters.json')", {"parameters.json"})[1] == []


def test_check_permutation_accepts_numpy_and_integral_floats():
    np = pytest.importorskip("numpy")
    assert check_permutation(np.array([2, 0, 1]), 3, 0) == [2, 0, 1]
    assert check_permutation([1.0, 0.0], 2, 0) == [1, 0]
    with pytest.raises(ContractViolation):
        check_permutation([True, False], 2, 0)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Optimal", "optimal"),
        ("TerminationCondition.infeasible", "infeasible"),
        ("infeasibleOrUnbounded", "infeasible_or_unbounded"),
        ("inforunbd", "infeasible_or_unbounded"),
        ("Time limit reached", "time_limit"),
        ("maxTimeLimit", "time_limit"),
        ("something else", "unknown"),
    ],
)
def test_status_words_are_normalised(raw, status):
    assert normalise_status(raw) == status


def test_closing_a_pool_removes_its_workers_and_cgroups():
    from optagent.sandbox.cgroup import cgroup_base

    pool = WorkerPool(1, limits=LIMITS)
    assert pool.run(Job("def solve():\n    return 1\n", limits=LIMITS)).ok
    worker = pool._all[0]
    group, proc = worker.cgroup, worker.proc
    pool.close()
    assert proc.poll() is not None
    if cgroup_base() is not None:
        assert group is not None and not group.path.exists()


def test_temp_dirs_of_dead_runs_are_removed_and_no_others(tmp_path):
    from optagent.sandbox.tempdirs import PREFIX, remove_stale

    gone = subprocess.Popen(["true"])
    gone.wait()
    alive = subprocess.Popen(["sleep", "30"])
    try:
        dead_dir = tmp_path / f"{PREFIX}{gone.pid}-abc"
        live_dir = tmp_path / f"{PREFIX}{alive.pid}-abc"
        unnamed = tmp_path / f"{PREFIX}abcdef"  # an older name that carries no owner: left alone
        own = tmp_path / f"{PREFIX}{os.getpid()}-abc"
        for folder in (dead_dir, live_dir, unnamed, own):
            (folder / "job-1").mkdir(parents=True)
        assert remove_stale(str(tmp_path)) == [str(dead_dir)]
        assert not dead_dir.exists() and live_dir.exists() and unnamed.exists() and own.exists()
    finally:
        alive.kill()
        alive.wait()
