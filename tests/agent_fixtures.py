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
