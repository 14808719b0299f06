import pyomo.environ as pyo


def solve(budget=3000, ratio=4, max_tech=500, rate_clothing=0.07, rate_tech=0.10):
    m = pyo.ConcreteModel()
    m.clothing = pyo.Var(domain=pyo.NonNegativeReals)
    m.tech = pyo.Var(domain=pyo.NonNegativeReals)
    m.profit = pyo.Objective(expr=rate_clothing * m.clothing + rate_tech * m.tech, sense=pyo.maximize)
    m.budget = pyo.Constraint(expr=m.clothing + m.tech <= budget)
    m.ratio = pyo.Constraint(expr=m.clothing >= ratio * m.tech)
    m.tech_cap = pyo.Constraint(expr=m.tech <= max_tech)
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    return {
        "status": "optimal",
        "objective": pyo.value(m.profit),
        "variables": {"invest[clothing]": m.clothing.value, "invest[tech]": m.tech.value},
    }
