"""Formulation edits by element name: readings, what-ifs and repairs as deterministic variants."""

import pytest
from conftest import EXAMPLES

from optagent.errors import InputError
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits, changed_names
from optagent.formulations.solve import solve


@pytest.fixture
def mix():
    return Formulation.load(EXAMPLES / "production_mix.json")


def test_upsert_replaces_by_name_and_appends_new(mix):
    base = solve(mix).objective
    available = next(p for p in mix.parameters if p.name == "available")
    more = available.model_dump(mode="json", exclude_none=True)
    more["value"] = (
        {k: v * 2 for k, v in available.value.items()}
        if isinstance(available.value, dict)
        else [v * 2 for v in available.value]
    )
    edited = apply_edits(
        mix, {"parameters": [more], "constraints": [{"name": "cap", "expr": "make['chair'] <= 10"}]}
    )
    assert [p.name for p in edited.parameters] == [p.name for p in mix.parameters]  # replaced in place
    assert edited.constraints[-1].name == "cap"
    assert solve(edited).objective != base
    assert solve(mix).objective == base  # the original is untouched


def test_remove_and_type_change(mix):
    name = mix.constraints[0].name
    var = mix.variables[0].model_dump(mode="json", exclude_none=True) | {"type": "integer"}
    edited = apply_edits(mix, {"remove": [f"constraint:{name}"], "variables": [var], "problem_type": "ILP"})
    assert name not in [c.name for c in edited.constraints]
    assert edited.variables[0].type.value == "integer"
    assert changed_names({"remove": [f"constraint:{name}"], "variables": [var], "problem_type": "ILP"}) == [
        f"constraint:{name}",
        f"variable:{var['name']}",
        "problem_type",
    ]


@pytest.mark.parametrize(
    "edit, words",
    [
        ({"constraint": []}, "unknown edit key"),
        ({"remove": ["constraint:nope"]}, "no such constraint"),
        ({"remove": ["cap"]}, "kind:name"),
        ({"constraints": [{"expr": "x <= 1"}]}, "list of named"),
        ([], "JSON object"),
        ({"objective": {"sense": "up", "expr": "1"}}, "schema"),
    ],
)
def test_bad_edits_say_what_is_wrong(mix, edit, words):
    with pytest.raises(InputError) as info:  # EditError, or the schema's InputError
        apply_edits(mix, edit)
    assert words in str(info.value)
