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
