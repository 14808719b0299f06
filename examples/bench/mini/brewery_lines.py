import pyomo.environ as pyo


def solve(start_cost={1: 500, 2: 100}, unit_cost={1: 2.0, 2: 2.5}, capacity={1: 600, 2: 500}, demand=550):
    m = pyo.ConcreteModel()
    m.brew = pyo.Var(list(capacity), within=pyo.NonNegativeReals)
    m.started = pyo.Var(list(capacity), within=pyo.Binary)
    m.demand = pyo.Constraint(expr=sum(m.brew[k] for k in capacity) >= demand)
    m.only_if_started = pyo.Constraint(
        list(capacity), rule=lambda m, k: m.brew[k] <= capacity[k] * m.started[k]
    )
    m.cost = pyo.Objective(
        expr=sum(start_cost[k] * m.started[k] + unit_cost[k] * m.brew[k] for k in capacity),
        sense=pyo.minimize,
    )
    pyo.SolverFactory("highs").solve(m)
    variables = {f"brew[{k}]": m.brew[k].value for k in capacity}
    variables.update({f"started[{k}]": m.started[k].value for k in capacity})
    return {"status": "optimal", "objective": pyo.value(m.cost), "variables": variables}
