import pyomo.environ as pyo


def solve(
    milk=50000, milk_black=300, milk_green=200, ratio=3, min_green=10, profit_black=2.5, profit_green=7
):
    m = pyo.ConcreteModel()
    m.black = pyo.Var(domain=pyo.NonNegativeIntegers)
    m.green = pyo.Var(domain=pyo.NonNegativeIntegers)
    m.profit = pyo.Objective(expr=profit_black * m.black + profit_green * m.green, sense=pyo.maximize)
    m.milk = pyo.Constraint(expr=milk_black * m.black + milk_green * m.green <= milk)
    m.ratio = pyo.Constraint(expr=m.black >= ratio * m.green)
    m.min_green = pyo.Constraint(expr=m.green >= min_green)
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    return {
        "status": "optimal",
        "objective": pyo.value(m.profit),
        "variables": {"bottles[black]": m.black.value, "bottles[green]": m.green.value},
    }
