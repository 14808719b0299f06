import pyomo.environ as pyo


def solve(
    cost={"park": 4, "library": 3, "sports_hall": 5, "bike_lane": 2},
    benefit={"park": 6, "library": 5, "sports_hall": 8, "bike_lane": 4},
    budget=10,
):
    m = pyo.ConcreteModel()
    m.fund = pyo.Var(list(cost), within=pyo.Binary)
    m.budget = pyo.Constraint(expr=sum(cost[j] * m.fund[j] for j in cost) <= budget)
    m.hall_needs_park = pyo.Constraint(expr=m.fund["sports_hall"] <= m.fund["park"])
    m.benefit = pyo.Objective(expr=sum(benefit[j] * m.fund[j] for j in cost), sense=pyo.maximize)
    pyo.SolverFactory("highs").solve(m)
    return {
        "status": "optimal",
        "objective": pyo.value(m.benefit),
        "variables": {f"fund[{j}]": m.fund[j].value for j in cost},
    }
