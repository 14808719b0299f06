"""Edits of a formulation by element name: the variants that readings of a problem text, what-ifs and
repairs describe, applied deterministically (no LLM, no new conversation).

An edit is a JSON object with any of these keys::

    {"sets": [<SetDef>, ...], "parameters": [<ParamDef>, ...], "variables": [<VarDef>, ...],
     "constraints": [<ConstraintDef>, ...], "objective": <Objective>, "problem_type": "MILP",
     "remove": ["constraint:cap_total", "parameter:bonus", ...]}

Each listed element replaces the element of the same kind and name, or is appended when there is none
("upsert by name"); ``remove`` deletes elements named ``kind:name`` (kinds: set, parameter, variable,
constraint). The result is a new, schema-checked :class:`Formulation`; validation is the caller's step.
"""

from __future__ import annotations

from typing import Any

from optagent.errors import InputError
from optagent.formulations.model import Formulation

KINDS = {"set": "sets", "parameter": "parameters", "variable": "variables", "constraint": "constraints"}
EDIT_KEYS = frozenset({*KINDS.values(), "objective", "problem_type", "remove"})


class EditError(InputError):
    """An edit cannot be applied; the message names the key or element and says what to change."""

    code = "edit"


def apply_edits(formulation: Formulation, edit: dict[str, Any]) -> Formulation:
    """``formulation`` with ``edit`` applied (the input is not changed)."""
    if not isinstance(edit, dict):
        raise EditError(f"an edit must be a JSON object, got {type(edit).__name__}")
    unknown = sorted(set(edit) - EDIT_KEYS)
    if unknown:
        raise EditError(
            f"unknown edit key(s) {', '.join(unknown)}",
            hint=f"use only {', '.join(sorted(EDIT_KEYS))}",
        )
    data = formulation.model_dump(mode="json", exclude_none=True)
    for ref in edit.get("remove") or []:
        kind, _, name = str(ref).partition(":")
        field = KINDS.get(kind.strip())
        if field is None or not name.strip():
            raise EditError(
                f"cannot read the removal {ref!r}", hint="write it as kind:name, e.g. constraint:cap_total"
            )
        before = len(data[field])
        data[field] = [e for e in data[field] if e.get("name") != name.strip()]
        if len(data[field]) == before:
            raise EditError(f"cannot remove {kind} '{name.strip()}': the formulation has no such {kind}")
    for field in KINDS.values():
        items = edit.get(field)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("name") for i in items):
            raise EditError(f"'{field}' in an edit must be a list of named {field} objects")
        for item in items:
            position = next((k for k, e in enumerate(data[field]) if e.get("name") == item["name"]), None)
            if position is None:
                data[field].append(item)
            else:
                data[field][position] = item
    if "objective" in edit:
        data["objective"] = edit["objective"]
    if "problem_type" in edit:
        data["problem_type"] = edit["problem_type"]
    return Formulation.from_data(data, source="the edited formulation")


def changed_names(edit: dict[str, Any]) -> list[str]:
    """``kind:name`` of every element an edit touches, for summaries ("reading changes constraint:cap")."""
    names = [str(r) for r in edit.get("remove") or []]
    for kind, field in KINDS.items():
        names += [f"{kind}:{item.get('name')}" for item in edit.get(field) or [] if isinstance(item, dict)]
    if "objective" in edit:
        names.append("objective")
    if "problem_type" in edit:
        names.append("problem_type")
    return names
