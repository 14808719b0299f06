import pyomo.environ as pyo


def solve(wage={"morning": 200, "evening": 200, "night": 240}, nurses=8, min_staff=3):
    m = pyo.ConcreteModel()
    m.staff = pyo.Var(list(wage), within=pyo.NonNegativeIntegers)
    m.everyone = pyo.Constraint(expr=sum(m.staff[s] for s in wage) == nurses)
    m.minimum = pyo.Constraint(list(wage), rule=lambda m, s: m.staff[s] >= min_staff)
    m.wages = pyo.Objective(expr=sum(wage[s] * m.staff[s] for s in wage), sense=pyo.minimize)
    result = pyo.SolverFactory("highs").solve(m, load_solutions=False)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": "infeasible", "objective": None}
    m.solutions.load_from(result)
    return {
        "status": "optimal",
        "objective": pyo.value(m.wages),
        "variables": {f"staff[{s}]": m.staff[s].value for s in wage},
    }
