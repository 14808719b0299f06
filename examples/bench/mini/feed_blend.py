import pyomo.environ as pyo


def solve(
    cost={"corn": 0.30, "soymeal": 0.90},
    protein={"corn": 0.10, "soymeal": 0.50},
    fibre={"corn": 0.02, "soymeal": 0.06},
    amount=800,
    min_protein=0.30,
    max_fibre=0.05,
):
    m = pyo.ConcreteModel()
    m.use = pyo.Var(list(cost), within=pyo.NonNegativeReals)
    total = sum(m.use[g] for g in cost)
    m.enough = pyo.Constraint(expr=total >= amount)
    m.protein = pyo.Constraint(expr=sum(protein[g] * m.use[g] for g in cost) >= min_protein * total)
    m.fibre = pyo.Constraint(expr=sum(fibre[g] * m.use[g] for g in cost) <= max_fibre * total)
    m.cost = pyo.Objective(expr=sum(cost[g] * m.use[g] for g in cost), sense=pyo.minimize)
    pyo.SolverFactory("highs").solve(m)
    return {
        "status": "optimal",
        "objective": pyo.value(m.cost),
        "variables": {f"use[{g}]": m.use[g].value for g in cost},
    }
