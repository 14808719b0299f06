"""A unit of sandboxed work: the program text, how to read its result, its input files and limits."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from optagent.errors import InputError
from optagent.sandbox.limits import Limits


class Contract(str, Enum):
    """How the harness turns a finished program into a result.

    ``auto`` tries the solved models the program left, then a data-as-defaults function;
    ``function`` calls a function; ``script`` only inspects solved models; ``heuristic`` calls a
    ``(p, d) -> permutation`` function on each instance of ``Job.instances``.
    """

    AUTO = "auto"
    FUNCTION = "function"
    SCRIPT = "script"
    HEURISTIC = "heuristic"


PROGRAM_NAME = "program.py"


@dataclass(frozen=True)
class Job:
    """One program to run. ``inputs`` maps file names (placed in the work dir) to their content."""

    code: str
    contract: Contract = Contract.AUTO
    entry: str | None = None
    inputs: dict[str, str | bytes] = field(default_factory=dict)
    instances: list[dict[str, list[int]]] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str):
            raise InputError("the program must be text", hint="pass the source code as a str")
        try:
            object.__setattr__(self, "contract", Contract(self.contract))
        except ValueError:
            raise InputError(
                f"unknown result contract {self.contract!r}",
                hint=f"use one of: {', '.join(c.value for c in Contract)}",
            ) from None
        for name in self.inputs:
            path = Path(name)
            if path.is_absolute() or ".." in path.parts or not path.parts or name == PROGRAM_NAME:
                raise InputError(
                    f"input file name {name!r} cannot be placed in the work dir",
                    hint=f"use a relative name without '..', other than {PROGRAM_NAME!r}",
                )
        if self.contract is Contract.HEURISTIC and not self.instances:
            raise InputError(
                "a heuristic job needs instances to run the heuristic on",
                hint="pass instances=[{'p': [...], 'd': [...]}, ...]",
            )

    def to_wire(self) -> dict[str, Any]:
        """JSON-ready form sent to a worker (bytes inputs are base64-encoded)."""
        inputs = {
            name: {"b64": base64.b64encode(data).decode()} if isinstance(data, bytes) else {"text": data}
            for name, data in self.inputs.items()
        }
        return {
            "code": self.code,
            "contract": self.contract.value,
            "entry": self.entry,
            "inputs": inputs,
            "instances": self.instances,
            "limits": self.limits.to_dict(),
        }


def decode_inputs(wire: dict[str, dict[str, str]]) -> dict[str, bytes]:
    """Inverse of the input encoding in :meth:`Job.to_wire`."""
    out: dict[str, bytes] = {}
    for name, item in wire.items():
        out[name] = base64.b64decode(item["b64"]) if "b64" in item else item["text"].encode()
    return out
