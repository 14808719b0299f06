import pyomo.environ as pyo


def solve(
    cost=(8, 10, 11, 14),
    content=((0.03, 0.02, 0.01), (0.06, 0.04, 0.01), (0.10, 0.03, 0.04), (0.12, 0.09, 0.04)),
    min_share=(0.08, 0.04, 0.02),
    batch=1000,
    min_chemical_2=100,
):
    chemicals, ingredients = range(4), range(3)
    m = pyo.ConcreteModel()
    m.lb = pyo.Var(chemicals, domain=pyo.NonNegativeReals)  # pounds of each chemical
    m.cost = pyo.Objective(expr=sum(cost[c] * m.lb[c] for c in chemicals), sense=pyo.minimize)
    m.batch = pyo.Constraint(expr=sum(m.lb[c] for c in chemicals) == batch)
    m.share = pyo.Constraint(
        ingredients,
        rule=lambda m, i: sum(content[c][i] * m.lb[c] for c in chemicals) >= min_share[i] * batch,
    )
    m.chem2 = pyo.Constraint(expr=m.lb[1] >= min_chemical_2)
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    return {
        "status": "optimal",
        "objective": pyo.value(m.cost),
        "variables": {f"amount[{c + 1}]": m.lb[c].value for c in chemicals},
    }
