import pyomo.environ as pyo


def solve(volume=(17, 19, 21, 23, 25, 29, 33), demand=(500, 400, 300, 250, 200, 150, 100), fixed_cost=1000):
    n = len(volume)
    pairs = [(i, j) for i in range(n) for j in range(n) if j >= i]  # demand of i met by size j >= i
    m = pyo.ConcreteModel()
    m.make = pyo.Var(range(n), domain=pyo.Binary)
    m.use = pyo.Var(pairs, domain=pyo.NonNegativeIntegers)
    m.cost = pyo.Objective(
        expr=sum(fixed_cost * m.make[j] for j in range(n)) + sum(volume[j] * m.use[i, j] for (i, j) in pairs),
        sense=pyo.minimize,
    )
    m.meet = pyo.Constraint(range(n), rule=lambda m, i: sum(m.use[i, j] for j in range(i, n)) == demand[i])
    big_m = sum(demand)
    m.setup = pyo.Constraint(
        range(n), rule=lambda m, j: sum(m.use[i, j] for i in range(j + 1)) <= big_m * m.make[j]
    )
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    values = {f"produce[{j + 1}]": m.make[j].value for j in range(n)}
    values.update({f"assign[{i + 1},{j + 1}]": m.use[i, j].value for (i, j) in pairs})
    return {"status": "optimal", "objective": pyo.value(m.cost), "variables": values}
