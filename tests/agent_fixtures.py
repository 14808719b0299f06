"""Scripted LLM replies for the agent tests: the production-mix problem (optimum 2200) and its variants."""

from __future__ import annotations

import copy
import json

from conftest import EXAMPLES

PROBLEM = (
    "A furniture maker makes chairs and tables. A chair earns $45 and a table $80. A chair needs 5 hours of "
    "carpentry and 10 of finishing; a table 20 of carpentry and 15 of finishing. Each week there are 400 "
    "carpentry hours and 450 finishing hours. How many of each should be made to maximise profit?"
)
OPTIMUM = 2200.0

UNDERSTAND = json.dumps(
    {
        "summary": "weekly production mix of chairs and tables under two shop-hour limits",
        "decisions": [{"name": "make", "meaning": "units per week", "unit": "units", "kind": "continuous"}],
        "objective": "maximize profit",
        "constraints": ["carpentry hours", "finishing hours"],
        "data": [],
        "data_gaps": [],
    }
)
UNDERSTAND_WITH_GAP = json.dumps(
    {"summary": "production mix", "data_gaps": [{"missing": "overtime cost", "assumption": "no overtime"}]}
)

FORMULATION = json.loads((EXAMPLES / "production_mix.json").read_text())
FORMULATION_JSON = "```json\n" + json.dumps(FORMULATION) + "\n```"


def formulation_with(**changes) -> str:
    data = copy.deepcopy(FORMULATION)
    data.update(changes)
    return json.dumps(data)


UNDEFINED_SYMBOL = formulation_with(
    objective={"sense": "maximize", "expr": "sum(profits[p] * make[p] for p in Products)"}
)
INFEASIBLE = formulation_with(
    constraints=FORMULATION["constraints"] + [{"name": "minimum_tables", "expr": "make['table'] >= 100"}]
)


def program(body: str = "", *, finishing: bool = True, objective_factor: str = "1") -> str:
    limits = "(400, 450)" if finishing else "(400, 10**9)"
    return f"""Reasoning: two products, two shop-hour limits.
```python
import pyomo.environ as pyo

def solve(profit=(45, 80), hours=((5, 20), (10, 15)), available={limits}):
    {body or "pass"}
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2), bounds=(0, None))
    m.c = pyo.Constraint(range(2), rule=lambda m, s: sum(hours[s][p] * m.x[p] for p in range(2))
                         <= available[s])
    m.o = pyo.Objective(expr=sum(profit[p] * m.x[p] for p in range(2)), sense=pyo.maximize)
    pyo.SolverFactory("highs").solve(m)
    names = ["chair", "table"]
    return {{"status": "optimal", "objective": {objective_factor} * pyo.value(m.o),
            "variables": {{f"make[{{names[p]}}]": m.x[p].value for p in range(2)}}}}
```
"""


GOOD_CODE = program()
CRASHING_CODE = program("ratio = 1 / 0")
WRONG_CODE = program(finishing=False)  # drops the finishing limit: objective 3600


def reconcile_program_fix() -> str:
    code = GOOD_CODE.split("```python\n")[1].split("```")[0]
    return json.dumps(
        {
            "wrong": "program",
            "statement": "450 finishing hours each week",
            "reason": "the program ignores the finishing-hours limit",
            "program": code,
        }
    )


# -- a problem with two defensible readings: "up to 15 tables" in total or per week
TABLES = (
    "A workshop builds tables over two weeks. Each table earns $30. Each week the workshop has 40 hours of "
    "labour, and a table takes 4 hours. The workshop can sell up to 15 tables. How many tables should it "
    "build each week to maximise profit?"
)
TABLES_MODEL = {
    "name": "tables",
    "problem_type": "LP",
    "sets": [{"name": "W", "range": {"start": 1, "end": 2}}],
    "parameters": [
        {"name": "profit", "value": 30},
        {"name": "hours", "value": 40},
        {"name": "per_table", "value": 4},
        {"name": "sales", "value": 15},
    ],
    "variables": [{"name": "build", "index": ["w in W"]}],
    "objective": {"sense": "maximize", "expr": "sum(profit * build[w] for w in W)"},
    "constraints": [
        {"name": "labour", "forall": ["w in W"], "expr": "per_table * build[w] <= hours"},
        {"name": "sales_cap", "expr": "sum(build[w] for w in W) <= sales"},
    ],
}
PER_WEEK = {
    "reading": "up to 15 tables each week",
    "edit": {"constraints": [{"name": "sales_cap", "forall": ["w in W"], "expr": "build[w] <= sales"}]},
}


def tables_program(cap: str) -> str:
    return f"""```python
import pyomo.environ as pyo

def solve(profit=30, hours=40, per_table=4, sales=15):
    m = pyo.ConcreteModel()
    m.build = pyo.Var([1, 2], bounds=(0, None))
    m.labour = pyo.Constraint([1, 2], rule=lambda m, w: per_table * m.build[w] <= hours)
    {cap}
    m.o = pyo.Objective(expr=profit * (m.build[1] + m.build[2]), sense=pyo.maximize)
    pyo.SolverFactory("highs").solve(m)
    return {{"status": "optimal", "objective": pyo.value(m.o),
            "variables": {{f"build[{{w}}]": m.build[w].value for w in (1, 2)}}}}
```"""


TOTAL_CAP = "m.cap = pyo.Constraint(expr=m.build[1] + m.build[2] <= sales)"
WEEKLY_CAP = "m.cap = pyo.Constraint([1, 2], rule=lambda m, w: m.build[w] <= sales)"
