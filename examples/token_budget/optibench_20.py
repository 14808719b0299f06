import pyomo.environ as pyo

TIMES = [
    [0, 10, 20, 30, 30, 20],
    [10, 0, 25, 35, 20, 10],
    [20, 25, 0, 15, 30, 20],
    [30, 35, 15, 0, 15, 25],
    [30, 20, 30, 15, 0, 14],
    [20, 10, 20, 25, 14, 0],
]


def solve(times=TIMES, limit=15):
    cities = range(len(times))
    m = pyo.ConcreteModel()
    m.build = pyo.Var(cities, domain=pyo.Binary)
    m.stations = pyo.Objective(expr=sum(m.build[c] for c in cities), sense=pyo.minimize)
    m.cover = pyo.Constraint(
        cities, rule=lambda m, i: sum(m.build[j] for j in cities if times[i][j] <= limit) >= 1
    )
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    return {
        "status": "optimal",
        "objective": pyo.value(m.stations),
        "variables": {f"build[{c + 1}]": round(m.build[c].value) for c in cities},
    }
