import pyomo.environ as pyo


def solve(
    profit={"bookcase": 70, "desk": 80},
    hours={"bookcase": 3, "desk": 5},
    wood={"bookcase": 4, "desk": 2},
    labour_available=40,
    wood_available=36,
):
    m = pyo.ConcreteModel()
    m.build = pyo.Var(list(profit), within=pyo.NonNegativeIntegers)
    m.labour = pyo.Constraint(expr=sum(hours[p] * m.build[p] for p in profit) <= labour_available)
    m.wood = pyo.Constraint(expr=sum(wood[p] * m.build[p] for p in profit) <= wood_available)
    m.profit = pyo.Objective(expr=sum(profit[p] * m.build[p] for p in profit), sense=pyo.maximize)
    pyo.SolverFactory("highs").solve(m)
    return {
        "status": "optimal",
        "objective": pyo.value(m.profit),
        "variables": {f"build[{p}]": m.build[p].value for p in profit},
    }
