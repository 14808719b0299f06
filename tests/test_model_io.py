"""JSON round-trip, the published schema, and loading errors."""

import json

import pytest
from conftest import EXAMPLES

from optagent.errors import InputError
from optagent.formulations import Formulation, json_schema

ALL_FILES = sorted(EXAMPLES.glob("*.json")) + sorted((EXAMPLES / "logior").glob("*.json"))


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_json_round_trip(path):
    f = Formulation.load(path)
    again = Formulation.from_json(f.to_json())
    assert again == f
    assert json.loads(again.to_json()) == json.loads(f.to_json())


def test_schema_describes_all_five_elements():
    schema = json_schema()
    assert {"sets", "parameters", "variables", "objective", "constraints"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    var = schema["$defs"]["VarDef"]
    assert set(var["properties"]["type"]["$ref"].split("/")[-1:]) == {"VarType"}
    json.dumps(schema)  # serialisable as published


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Formulation.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": ', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid JSON \(line 1"):
        Formulation.load(bad)
    bad.write_text('{"variables": []}', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        Formulation.load(bad)
    assert "objective: Field required" in exc.value.message
    assert "variables: List should have at least 1 item" in exc.value.message


def test_a_free_variable_stays_free_through_every_round_trip():
    """``"lower": null`` means free; dropped by exclude_none it would come back as the default bound 0."""
    from optagent.agent.nodes.formulate import accept_formulation
    from optagent.formulations.edits import apply_edits
    from optagent.formulations.solve import solve

    data = {
        "name": "free",
        "variables": [{"name": "x", "lower": None, "upper": 5}, {"name": "y", "upper": 1}],
        "objective": {"sense": "minimize", "expr": "x + y"},
        "constraints": [{"name": "floor", "expr": "x >= -3"}],
    }
    f = Formulation.from_data(data)
    again = Formulation.from_json(f.to_json())
    assert again.variables[0].lower is None and again.variables[1].lower == 0
    accepted, complaint = accept_formulation(data)
    assert not complaint and Formulation.from_data(accepted).variables[0].lower is None
    edited = apply_edits(f, {"constraints": [{"name": "floor", "expr": "x >= -2"}]})
    assert edited.variables[0].lower is None
    assert solve(Formulation.from_data(accepted)).objective == pytest.approx(-3)
