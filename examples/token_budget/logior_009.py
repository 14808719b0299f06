import pyomo.environ as pyo

DIST = [
    [389, 515, 170, 143, 617],
    [562, 678, 265, 640, 629],
    [206, 594, 180, 564, 683],
    [574, 105, 311, 99, 550],
    [616, 490, 99, 473, 682],
    [571, 258, 494, 749, 61],
    [573, 234, 207, 635, 318],
    [70, 53, 399, 740, 494],
    [229, 190, 550, 654, 394],
    [50, 56, 459, 143, 478],
    [95, 378, 507, 647, 135],
    [767, 200, 569, 689, 621],
    [729, 333, 91, 86, 386],
    [633, 163, 562, 184, 384],
    [67, 515, 224, 502, 345],
]


def solve(dist=DIST, radius=300):
    points, stations = range(len(dist)), range(len(dist[0]))
    m = pyo.ConcreteModel()
    m.open = pyo.Var(stations, domain=pyo.Binary)
    m.count = pyo.Objective(expr=sum(m.open[s] for s in stations), sense=pyo.minimize)
    m.cover = pyo.Constraint(
        points, rule=lambda m, p: sum(m.open[s] for s in stations if dist[p][s] <= radius) >= 1
    )
    result = pyo.SolverFactory("highs").solve(m)
    if result.solver.termination_condition != pyo.TerminationCondition.optimal:
        return {"status": str(result.solver.termination_condition)}
    return {
        "status": "optimal",
        "objective": pyo.value(m.count),
        "variables": {f"x[{s + 1}]": round(m.open[s].value) for s in stations},
    }
