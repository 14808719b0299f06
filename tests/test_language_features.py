"""What the format notes promise, each parsed, validated and solved to a hand-checked optimum."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optagent.formulations import Formulation, prepare, validate
from optagent.formulations import issues as I
from optagent.formulations.solve import solve
from optagent.prompts.templates import render


def solved(data: dict[str, Any]):
    f = Formulation.from_data(data)
    report = validate(f)
    assert report.ok and not report.errors, report.format()
    result = solve(f)
    assert result.termination.value == "optimal"
    return result


def test_scalar_variables_and_parameters_with_no_sets():
    # max x + 2y, x + y <= 10, y <= 10 / 2, x <= 8: y = 5, x = 5, objective 15
    r = solved(
        {
            "sets": [],
            "parameters": [{"name": "budget", "value": 10}, {"name": "half", "expr": "budget / 2"}],
            "variables": [{"name": "x", "upper": 8}, {"name": "y"}],
            "objective": {"sense": "maximize", "expr": "x + 2 * y"},
            "constraints": [{"name": "b", "expr": "x + y <= budget"}, {"name": "h", "expr": "y <= half"}],
        }
    )
    assert r.objective == pytest.approx(15) and r.values == {"x": pytest.approx(5), "y": pytest.approx(5)}


def test_sets_of_pairs_with_pair_keyed_mapping():
    # f[2,3] <= f[1,2] <= 4 and f[1,3] <= 2; maximise the flow into 3: 4 + 2
    r = solved(
        {
            "sets": [{"name": "A", "elements": [[1, 2], [2, 3], [1, 3]]}],
            "parameters": [
                {"name": "cap", "index": ["(i, j) in A"], "value": {"1,2": 4, "2,3": 5, "1,3": 2}}
            ],
            "variables": [{"name": "f", "index": ["(i, j) in A"]}],
            "objective": {"sense": "maximize", "expr": "sum(f[i, j] for (i, j) in A if j == 3)"},
            "constraints": [
                {"name": "c", "forall": ["(i, j) in A"], "expr": "f[i, j] <= cap[i, j]"},
                {"name": "flow", "expr": "f[2, 3] <= f[1, 2]"},
            ],
        }
    )
    assert r.objective == pytest.approx(6) and r.value("f", "2,3") == pytest.approx(4)


def test_string_and_number_literal_indices():
    # one of D, E per period; D (worth 2) is barred in period 0: 1 + 2 + 2
    r = solved(
        {
            "sets": [{"name": "S", "elements": ["D", "E"]}, {"name": "T", "range": {"start": 0, "end": 2}}],
            "parameters": [{"name": "w", "index": ["s in S"], "value": [2, 1]}],
            "variables": [{"name": "x", "index": ["s in S", "t in T"], "upper": 1}],
            "objective": {"sense": "maximize", "expr": "sum(w[s] * x[s, t] for s in S for t in T)"},
            "constraints": [
                {"name": "one", "forall": ["t in T"], "expr": "x['D', t] + x['E', t] <= 1"},
                {"name": "no_d_first", "expr": "x['D', 0] == 0"},
            ],
        }
    )
    assert r.objective == pytest.approx(5)
    assert r.value("x", "E,0") == pytest.approx(1) and r.value("x", "D,1") == pytest.approx(1)


PAIRS = {
    "sets": [
        {"name": "N", "range": {"start": 1, "end": 4}},
        {"name": "NN", "product": ["N", "N"]},
        {"name": "P", "filter": {"over": "(i, j) in NN", "condition": "i < j and d[i, j] <= lim"}},
    ],
    "parameters": [
        {"name": "lim", "value": 3},
        {"name": "d", "index": ["i in N", "j in N"], "expr": "abs(i - j) * 2"},
        {"name": "w", "index": ["i in N"], "value": [1, 0, 2, 3]},
    ],
    "variables": [
        {"name": "y", "index": ["(i, j) in P"], "upper": 1},
        {"name": "z", "index": ["i in N"], "where": "w[i] > 0", "upper": 1},
    ],
    "objective": {
        "sense": "maximize",
        "expr": "sum(y[i, j] for (i, j) in P) + sum(z[i] for i in N if w[i] > 0)",
    },
    "constraints": [
        {
            "name": "pairs",
            "forall": ["i in N", "j in N"],
            "where": "i > j - 2 and (i, j) in P",
            "expr": "y[i, j] <= 1",
        }
    ],
}


def test_parameters_and_strict_comparisons_in_filters_and_where():
    prep = prepare(Formulation.from_data(PAIRS))
    assert prep.report.ok, prep.report.format()
    assert prep.sets["P"].elements == [(1, 2), (2, 3), (3, 4)]  # i < j with 2|i - j| <= 3
    assert prep.variables["z"].keys == [(1,), (3,), (4,)]  # w[i] > 0
    assert solved(PAIRS).objective == pytest.approx(6)


def test_modulo_for_cyclic_shifts():
    # x[t] + x[t mod 4 + 1] >= need[t] around a cycle of 4: x2 = 3, x4 = 4 is optimal (7)
    r = solved(
        {
            "sets": [{"name": "T", "range": {"start": 1, "end": 4}}],
            "parameters": [{"name": "need", "index": ["t in T"], "value": [3, 1, 4, 2]}],
            "variables": [{"name": "x", "index": ["t in T"]}],
            "objective": {"sense": "minimize", "expr": "sum(x[t] for t in T)"},
            "constraints": [
                {"name": "cover", "forall": ["t in T"], "expr": "x[t] + x[t % card(T) + 1] >= need[t]"}
            ],
        }
    )
    assert r.objective == pytest.approx(7)


def test_mapping_keys_are_not_defaulted_unless_asked():
    data = {
        "sets": [{"name": "I", "elements": ["a", "b", "c"]}],
        "parameters": [{"name": "c", "index": ["i in I"], "value": {"a": 1, "b": 2}}],
        "variables": [{"name": "x", "index": ["i in I"], "upper": 1}],
        "objective": {"sense": "maximize", "expr": "sum(c[i] * x[i] for i in I)"},
    }
    (issue,) = validate(Formulation.from_data(data)).errors
    assert issue.code == I.MISSING_DATA and "[c]" in issue.message
    assert "parameter 'c'" in issue.hint and '"default": 0' in issue.hint
    data["parameters"][0]["default"] = 0
    assert solved(data).objective == pytest.approx(3)


def test_names_of_the_language_functions_are_reserved_and_others_free():
    data = {
        "variables": [{"name": "prod"}, {"name": "open", "upper": 3}],
        "objective": {"sense": "maximize", "expr": "open + prod"},
        "constraints": [{"name": "c", "expr": "prod <= 1"}],
    }
    (issue,) = validate(Formulation.from_data(data)).errors
    assert issue.code == I.RESERVED and issue.location == "variable 'prod'"
    assert "function prod(" in issue.message and "'prod_var'" in issue.hint
    data["variables"][0]["name"] = "production"
    data["objective"]["expr"] = "open + production"
    data["constraints"][0]["expr"] = "production <= 1"
    assert solved(data).objective == pytest.approx(4)  # 'open' shadows nothing of the language


def test_the_example_in_the_format_notes_solves():
    notes = render("format").text
    example = json.loads(notes[notes.index('{"name": "mix"') :])
    # 400 hours: 80 chairs (5 h, profit 45) give 3600, 20 tables (20 h, profit 80) only 1600
    assert solved(example).objective == pytest.approx(3600)


def test_conditions_are_tested_in_the_order_written():
    # c exists for i = 1 only. 'j == 9' never holds, so 'c[i] > 0' written after it is never looked up
    # (however early the loop over I binds i); written before it, c[2] is looked up and refused
    data = {
        "sets": [{"name": n, "elements": e} for n, e in (("I", [1, 2]), ("J", [1, 2]), ("S", [1]))],
        "parameters": [{"name": "c", "index": ["s in S"], "value": [5]}],
        "variables": [{"name": "x", "index": ["i in I"], "upper": 1}],
        "objective": {"sense": "maximize", "expr": "sum(x[i] for i in I)"},
        "constraints": [{"name": "k", "expr": "sum(x[i] for i in I for j in J if j == 9 if c[i] > 0) <= 0"}],
    }
    assert solved(data).objective == pytest.approx(2)
    data["constraints"][0]["expr"] = "sum(x[i] for i in I for j in J if c[i] > 0 if j == 9) <= 0"
    (issue,) = validate(Formulation.from_data(data)).errors
    assert issue.code == I.OUT_OF_SET and "c[2]" in issue.message
