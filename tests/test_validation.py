"""Every validation rule: the base model is clean, one mutation triggers exactly the rule's code."""

from __future__ import annotations

from typing import Any

import pytest

from optagent.errors import InputError
from optagent.formulations import Formulation, validate
from optagent.formulations import issues as I


def codes(data: dict[str, Any]) -> list[str]:
    return validate(Formulation.from_data(data)).codes()


def only(data: dict[str, Any], code: str) -> I.Issue:
    """The single issue with ``code`` (fails if there is none or several)."""
    (issue,) = [i for i in validate(Formulation.from_data(data)).issues if i.code == code]
    return issue


def test_base_model_is_clean(base):
    report = validate(Formulation.from_data(base))
    assert report.ok and not report.issues, report.format()


def test_schema_extra_field_is_rejected(base):
    base["variables"][0]["colour"] = "red"
    with pytest.raises(InputError) as exc:
        Formulation.from_data(base)
    assert exc.value.code == "schema" and "variables.0.colour" in exc.value.message


def test_schema_set_needs_exactly_one_definition(base):
    base["sets"][0]["range"] = {"start": 1, "end": 2}
    with pytest.raises(InputError) as exc:
        Formulation.from_data(base)
    assert "exactly one of" in exc.value.message


def test_duplicate_names(base):
    base["parameters"].append({"name": "x", "value": 1})
    base["constraints"].append(dict(base["constraints"][0]))
    report = validate(Formulation.from_data(base))
    dups = [i for i in report.issues if i.code == I.DUPLICATE]
    assert {i.location for i in dups} == {"variable 'x'", "constraint 'meet'"}


def test_syntax(base):
    base["objective"]["expr"] = "sum(cost[i] * x[i, t] for i in I for t in T"
    assert I.SYNTAX in codes(base)


def test_undefined_symbol_with_suggestion(base):
    base["objective"]["expr"] = "sum(costs[i] * x[i, t] for i in I for t in T)"
    issue = only(base, I.UNDEFINED)
    assert "'costs' is not defined" in issue.message and "did you mean 'cost'" in issue.hint
    assert issue.location == "objective"


def test_unbound_index_hint(base):
    base["constraints"][0]["forall"] = []
    report = validate(Formulation.from_data(base))
    undefined = [i for i in report.issues if i.code == I.UNDEFINED]
    assert undefined and "bind it" in undefined[0].hint


def test_index_arity(base):
    base["constraints"][0]["expr"] = "sum(x[i] for i in I) >= demand[t]"
    issue = only(base, I.ARITY)
    assert "'x' needs 2 index(es)" in issue.message


def test_scalar_indexed_is_arity_error(base):
    base["parameters"].append({"name": "k", "value": 3})
    base["constraints"][0]["expr"] = "sum(x[i, t] for i in I) >= k[t]"
    assert I.ARITY in codes(base)


def test_index_out_of_set(base):
    base["constraints"][1]["where"] = None
    issue = only(base, I.OUT_OF_SET)
    assert "stock[0]" in issue.message and "t=1" in issue.message
    assert issue.location == "constraint 'balance'"


def test_parameter_key_out_of_set(base):
    base["parameters"][1]["value"] = {"1": 4, "2": 5, "3": 6, "9": 1}
    assert I.OUT_OF_SET in codes(base)


def test_missing_data(base):
    base["parameters"][1]["value"] = {"1": 4, "3": 6}
    issue = only(base, I.MISSING_DATA)
    assert "[2]" in issue.message and "default" in issue.hint


def test_default_fills_missing_data(base):
    base["parameters"][1]["value"] = {"1": 4, "3": 6}
    base["parameters"][1]["default"] = 0
    assert I.MISSING_DATA not in codes(base)


def test_ragged_data(base):
    base["parameters"].append({"name": "m", "index": ["i in I", "t in T"], "value": [[1, 2, 3], [4, 5]]})
    issue = only(base, I.RAGGED_DATA)
    assert "value[1] has 2 entries, expected 3" in issue.message


def test_non_numeric_data(base):
    base["parameters"][0]["value"] = [2, "3"]
    issue = only(base, I.NON_NUMERIC)
    assert "value[b] = '3'" in issue.message and "without quotes" in issue.hint


def test_type_mismatch_set_used_as_number(base):
    base["constraints"][0]["expr"] = "sum(x[i, t] for i in I) >= T"
    issue = only(base, I.TYPE)
    assert "card(T)" in issue.hint


def test_type_mismatch_condition_on_variables(base):
    base["constraints"][0]["where"] = "stock[t] > 0"
    assert I.TYPE in codes(base)


def test_nonlinear_in_linear_model(base):
    base["objective"]["expr"] = "sum(cost[i] * x[i, t] * x[i, t] for i in I for t in T)"
    issue = only(base, I.NONLINEAR)
    assert "declared LP but the model is QP" in issue.message
    assert "x[i, t] * x[i, t]" in issue.message


def test_nonlinear_accepted_when_declared(base):
    base["objective"]["expr"] = "sum(cost[i] * x[i, t] * x[i, t] for i in I for t in T)"
    base["problem_type"] = "QP"
    assert validate(Formulation.from_data(base)).ok


def test_integral_quantity_declared_continuous_warns(base):
    base["variables"].append({"name": "trucks", "description": "number of trucks to rent"})
    report = validate(Formulation.from_data(base))
    (issue,) = [i for i in report.issues if i.code == I.INTEGRALITY]
    assert issue.severity == "warning" and report.ok


def test_set_definition_mixed_shapes(base):
    base["sets"].append({"name": "Bad", "elements": [1, [1, 2]]})
    assert I.SET_DEF in codes(base)


def test_bounds(base):
    base["variables"][1]["lower"] = 5
    base["variables"][1]["upper"] = 2
    assert I.BOUNDS in codes(base)


def test_constant_constraint_false_on_data(base):
    base["constraints"].append({"name": "silly", "forall": ["t in T"], "expr": "demand[t] <= 4"})
    report = validate(Formulation.from_data(base))
    kinds = {(i.code, i.severity) for i in report.issues}
    assert (I.CONSTANT, "warning") in kinds  # no variables at all
    assert (I.CONSTANT, "error") in kinds  # and false for t=2: the model is infeasible


def test_relation_required_and_no_strict(base):
    base["constraints"][0]["expr"] = "sum(x[i, t] for i in I)"
    assert I.RELATION in codes(base)
    base["constraints"][0]["expr"] = "sum(x[i, t] for i in I) > demand[t]"
    report = validate(Formulation.from_data(base))
    assert any(i.code == I.RELATION and "non-strict" in i.hint for i in report.issues)


def test_cyclic_definition(base):
    base["parameters"] += [{"name": "a", "expr": "b + 1"}, {"name": "b", "expr": "a * 2"}]
    assert I.CYCLE in codes(base)


def test_division_by_zero_in_data(base):
    base["parameters"] += [{"name": "zero", "value": 0}, {"name": "q", "expr": "1 / zero"}]
    assert I.DOMAIN in codes(base)


def test_all_problems_reported_at_once(base):
    base["objective"]["expr"] = "sum(costs[i] * x[i, t] for i in I for t in T)"
    base["constraints"][0]["expr"] = "sum(x[i] for i in I) >= demand[t]"
    base["constraints"][1]["where"] = None
    base["parameters"][0]["value"] = [2]
    report = validate(Formulation.from_data(base))
    assert {I.UNDEFINED, I.ARITY, I.OUT_OF_SET, I.RAGGED_DATA} <= set(report.codes())
    assert len(report.format().splitlines()) == len(report.issues)


def test_huge_range_is_a_set_definition_error(base):
    base["sets"][1] = {"name": "T", "range": {"start": 1, "end": 30_000_000}}
    report = validate(Formulation.from_data(base))
    assert any(i.code == I.SET_DEF and "30,000,000 elements" in i.message for i in report.errors)


def test_huge_index_domain_is_refused_before_expansion(base):
    from optagent.errors import ModelTooLarge

    base["sets"].append({"name": "K", "range": {"start": 1, "end": 3000}})
    base["sets"].append({"name": "L", "range": {"start": 1, "end": 3000}})
    base["variables"].append({"name": "z", "index": ["k in K", "l in L"]})
    with pytest.raises(ModelTooLarge, match="9,000,000 combinations"):
        validate(Formulation.from_data(base))


def test_huge_sums_inside_expressions_are_refused(base, monkeypatch):
    from optagent.errors import ModelTooLarge
    from optagent.formulations import evaluate

    monkeypatch.setattr(evaluate, "MAX_TERMS", 5)
    base["objective"]["expr"] = "sum(cost[i] * x[i, t] for i in I for t in T)"  # 2 x 3 = 6 combinations
    with pytest.raises(ModelTooLarge, match="6 combinations"):
        validate(Formulation.from_data(base))
    base["objective"]["expr"] = "sum(cost[i] * x[i, 1] for i in I)"
    # 'meet' sums 2 terms per row: each sum fits, its 3 rows together (6 terms) exceed the budget
    with pytest.raises(ModelTooLarge, match="more than 5 terms"):
        validate(Formulation.from_data(base))
