"""Named scenarios of one chat: the base model and each change, with undo/redo and comparisons.

Every change the user asks for makes a new scenario (a formulation edit of the one it came from); the book
keeps them all, knows which one is current, and can compare any two: data, structure, decisions, objective.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from optagent.agent.chat_format import number, signed, value_changes
from optagent.errors import InputError, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.evaluate import Table, key_str
from optagent.formulations.prepare import prepare

_NAME = re.compile(r"[^A-Za-z0-9_+\-=.%<>]+")


@dataclass
class Scenario:
    """One model of the conversation and what its solve and checks found."""

    name: str
    formulation: dict[str, Any]
    parent: str | None = None
    summary: str = ""  # what changed relative to the parent, in words
    request: str = ""  # the user's words that asked for it
    edit: dict[str, Any] | None = None  # the formulation edit applied to the parent (None: base or replaced)
    status: str = ""  # termination of the solve: optimal, infeasible, ...
    objective: float | None = None
    values: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""
    checks: list[str] = field(default_factory=list)  # what was checked, one sentence each
    assumptions: list[str] = field(default_factory=list)
    conflict: str = ""  # infeasible: which constraints conflict, as a sentence
    sensitivity: dict[str, Any] | None = None  # duals, slacks, ranges where the solver gave them

    @property
    def binaries(self) -> set[str]:
        return {v["name"] for v in self.formulation.get("variables", []) if v.get("type") == "binary"}

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: Any) -> Scenario:
        """A scenario from saved data; a ValueError names the field that has the wrong type."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise ValueError("a scenario must be an object with a name")
        given = {k: v for k, v in data.items() if k in _TYPES}
        for key, value in given.items():
            if not isinstance(value, _TYPES[key]) or isinstance(value, bool):
                raise ValueError(
                    f"scenario {data['name']!r}: '{key}' has the wrong type ({type(value).__name__})"
                )
        if "formulation" not in given:
            raise ValueError(f"scenario {data['name']!r} has no formulation")
        return cls(**given)


_TYPES: dict[str, Any] = {
    "name": str,
    "formulation": dict,
    "parent": str | None,
    "summary": str,
    "request": str,
    "edit": dict | None,
    "status": str,
    "objective": int | float | None,
    "values": dict,
    "verdict": str,
    "checks": list,
    "assumptions": list,
    "conflict": str,
    "sensitivity": dict | None,
}


def clean_name(text: str) -> str:
    """A scenario name usable in commands: no spaces or slashes, at most 40 characters."""
    return _NAME.sub("-", str(text).strip()).strip("-")[:40]


class ScenarioBook:
    """The scenarios by name, the current one, and the undo/redo history of switches and changes."""

    def __init__(self) -> None:
        self.scenarios: dict[str, Scenario] = {}
        self.current: str | None = None
        self.back: list[str] = []
        self.forward: list[str] = []

    def __len__(self) -> int:
        return len(self.scenarios)

    @property
    def active(self) -> Scenario | None:
        return self.scenarios.get(self.current) if self.current else None

    def unique(self, name: str) -> str:
        base = clean_name(name) or f"change-{len(self.scenarios)}"
        out, k = base, 2
        while out in self.scenarios:
            out, k = f"{base}-{k}", k + 1
        return out

    def add(self, scenario: Scenario) -> Scenario:
        """Store ``scenario`` under a unique name and make it current (undo goes back to the previous one)."""
        scenario.name = self.unique(scenario.name)
        self.scenarios[scenario.name] = scenario
        self._move(scenario.name)
        return scenario

    def get(self, name: str) -> Scenario:
        if name not in self.scenarios:
            known = ", ".join(self.scenarios) or "none yet"
            raise InputError(
                f"no scenario named {name!r}", hint=f"scenarios: {known} (/scenarios lists them)"
            )
        return self.scenarios[name]

    def switch(self, name: str) -> Scenario:
        scenario = self.get(name)
        if name != self.current:
            self._move(name)
        return scenario

    def _move(self, name: str) -> None:
        if self.current is not None:
            self.back.append(self.current)
        self.current = name
        self.forward.clear()

    def undo(self) -> Scenario | None:
        """Back to the scenario before the last change or switch; None when there is nothing to undo."""
        if not self.back:
            return None
        assert self.current is not None
        self.forward.append(self.current)
        self.current = self.back.pop()
        return self.scenarios[self.current]

    def redo(self) -> Scenario | None:
        if not self.forward:
            return None
        assert self.current is not None
        self.back.append(self.current)
        self.current = self.forward.pop()
        return self.scenarios[self.current]

    def lineage(self, name: str) -> list[Scenario]:
        """The scenarios from the base to ``name``, in order."""
        chain: list[Scenario] = []
        seen: set[str] = set()
        at: str | None = name
        while at is not None and at in self.scenarios and at not in seen:
            seen.add(at)
            chain.append(self.scenarios[at])
            at = self.scenarios[at].parent
        return chain[::-1]

    def to_data(self) -> dict[str, Any]:
        return {
            "scenarios": [s.to_data() for s in self.scenarios.values()],
            "current": self.current,
            "back": list(self.back),
            "forward": list(self.forward),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ScenarioBook:
        book = cls()
        items = data.get("scenarios")
        if not isinstance(items, list) or not items:
            raise ValueError("'scenarios' must be a non-empty list")
        for item in items:
            scenario = Scenario.from_data(item)
            if scenario.name in book.scenarios:
                raise ValueError(f"two scenarios are named {scenario.name!r}")
            book.scenarios[scenario.name] = scenario
        current = data.get("current")
        book.current = current if current in book.scenarios else next(iter(book.scenarios))
        book.back = [n for n in data.get("back") or [] if n in book.scenarios]
        book.forward = [n for n in data.get("forward") or [] if n in book.scenarios]
        return book


def data_table(formulation: dict[str, Any]) -> dict[str, float]:
    """Every parameter entry as ``name[index]`` -> number (derived parameters included)."""
    prep = prepare(Formulation.from_data(formulation))
    out: dict[str, float] = {}
    for name, value in prep.params.items():
        if isinstance(value, Table):
            out.update({f"{name}[{key_str(k)}]": float(v) for k, v in value.entries.items()})
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out


def data_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    """Parameter entries that differ: (key, old value or None, new value or None)."""
    a, b = data_table(old), data_table(new)
    return [
        (key, a.get(key), b.get(key))
        for key in sorted(set(a) | set(b))
        if a.get(key) is None or b.get(key) is None or abs(a[key] - b[key]) > 1e-12 * max(1.0, abs(a[key]))
    ]


def default_name(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A name from the data change: one entry raised by 100 at ``carpentry`` gives "carpentry+100"."""
    try:
        changes = data_changes(old, new)
    except OptagentError:
        return ""
    if len(changes) != 1 or None in changes[0][1:]:
        return ""
    key, before, after = changes[0]
    name, _, index = key.partition("[")
    label = index.rstrip("]").split(",")[-1] if index else name
    return f"{label}{signed(after - before)}"  # type: ignore[operator]


def _elements(formulation: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in formulation.get(kind, []) if isinstance(e, dict) and "name" in e}


def structure_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Sets, variables, constraints and the objective that were added, removed or redefined."""
    lines = []
    for kind, label in (("sets", "set"), ("variables", "variable"), ("constraints", "constraint")):
        a, b = _elements(old, kind), _elements(new, kind)
        for name in b.keys() - a.keys():
            lines.append(f"{label} {name} added" + (f": {b[name]['expr']}" if "expr" in b[name] else ""))
        for name in a.keys() - b.keys():
            lines.append(f"{label} {name} removed")
        for name in sorted(a.keys() & b.keys()):
            if a[name] != b[name]:
                lines.append(f"{label} {name} changed: {_what_changed(a[name], b[name])}")
    if old.get("problem_type") != new.get("problem_type"):
        lines.append(f"problem type {old.get('problem_type')} -> {new.get('problem_type')}")
    if old.get("objective") != new.get("objective"):
        lines.append(f"objective: {_objective(old)} -> {_objective(new)}")
    return sorted(lines)


def _what_changed(a: dict[str, Any], b: dict[str, Any]) -> str:
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k) and k != "description")
    return ", ".join(f"{k} {_short(a.get(k))} -> {_short(b.get(k))}" for k in keys) or "description"


def _short(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(float(value))
    return "none" if value is None else str(value)


def _objective(formulation: dict[str, Any]) -> str:
    objective = formulation.get("objective") or {}
    return f"{objective.get('sense', '?')} {objective.get('expr', '?')}"


def compare(a: Scenario, b: Scenario) -> list[str]:
    """What differs from scenario ``a`` to ``b``: objective, data, structure and decisions, one line each."""
    lines = [f"objective: {number(a.objective)} ({a.status}) -> {number(b.objective)} ({b.status})"]
    if a.objective is not None and b.objective is not None and a.objective == b.objective:
        lines[0] += ", unchanged"
    elif a.objective is not None and b.objective is not None:
        delta = b.objective - a.objective
        share = f", {signed(100 * delta / abs(a.objective), 3)}%" if abs(a.objective) > 1e-9 else ""
        lines[0] += f": {signed(delta)}{share}"
    data = [
        f"{key}: {number(before)} -> {number(after)}"
        for key, before, after in data_changes(a.formulation, b.formulation)
    ]
    structure = structure_changes(a.formulation, b.formulation)
    decisions = value_changes(a.values, b.values, a.binaries | b.binaries)
    for title, items in (("data", data), ("model", structure), ("decisions", decisions)):
        lines.append(f"{title}:" if items else f"{title}: no difference")
        lines += [f"  {item}" for item in items]
    return lines
