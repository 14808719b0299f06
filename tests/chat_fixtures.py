"""Scripted chat-turn replies for the furniture problem (optimum 2200: 24 chairs, 14 tables)."""

from __future__ import annotations

import copy
import json

from agent_fixtures import FORMULATION, GOOD_CODE

AVAILABLE = copy.deepcopy(FORMULATION["parameters"][2])  # available[s in Shops] = [400, 450]


def available(carpentry: float, finishing: float = 450) -> dict:
    element = copy.deepcopy(AVAILABLE)
    element["value"] = [carpentry, finishing]
    return element


def what_if(carpentry: float, name: str = "") -> str:
    """The edit for "what if we had N carpentry hours?"."""
    reply = {
        "edit": {"parameters": [available(carpentry)]},
        "summary": f"carpentry hours raised from 400 to {carpentry}",
    }
    if name:
        reply["scenario"] = name
    return json.dumps(reply)


MIN_TABLES = json.dumps(
    {
        "edit": {"constraints": [{"name": "min_tables", "expr": "make['table'] >= 100"}]},
        "scenario": "tables>=100",
        "summary": "at least 100 tables a week",
    }
)

INTEGER_AND_VALUE = json.dumps(
    {
        "edit": {
            "variables": [{"name": "make", "index": ["p in Products"], "type": "integer", "lower": 0}],
            "problem_type": "ILP",
        },
        "scenario": "integer",
        "summary": "chairs and tables are made in whole units",
        "probes": [{"label": "one more finishing hour", "edit": {"parameters": [available(400, 451)]}}],
        "answer_after_results": True,
    }
)

GAP = json.dumps({"data_gaps": [{"missing": "the delivery cost per table", "assumption": "$5 per table"}]})
NO_GAPS = json.dumps({"data_gaps": []})

ASK_JIG_COST = json.dumps(
    {"ask": {"question": "What does the jig cost per week?", "default": "$100 per week"}}
)


def answer(text: str) -> str:
    return json.dumps({"answer": text})


def program_with(carpentry: float) -> str:
    """An independent program for the changed problem (what the LLM writes from the text and the change)."""
    return GOOD_CODE.replace("available=(400, 450)", f"available=({carpentry}, 450)")


INFEASIBLE_PROGRAM = """```python
import pyomo.environ as pyo


def solve(profit=(45, 80), hours=((5, 20), (10, 15)), available=(400, 450), min_tables=100):
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2), bounds=(0, None))
    m.c = pyo.Constraint(range(2), rule=lambda m, s: sum(hours[s][p] * m.x[p] for p in range(2))
                         <= available[s])
    m.t = pyo.Constraint(expr=m.x[1] >= min_tables)
    m.o = pyo.Objective(expr=sum(profit[p] * m.x[p] for p in range(2)), sense=pyo.maximize)
    res = pyo.SolverFactory("highs").solve(m, load_solutions=False)
    if str(res.solver.termination_condition) == "infeasible":
        return {"status": "infeasible"}
    m.solutions.load_from(res)
    return {"status": "optimal", "objective": pyo.value(m.o)}
```
"""
