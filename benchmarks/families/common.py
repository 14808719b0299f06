"""Reading the original files: JSON arrays, JSON objects, JSON Lines (also when named .json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optagent.errors import InputError


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="check --data-dir / OPTAGENT_BENCHMARKS") from None
    except ValueError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc}", hint="the original file may be damaged"
        ) from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint="check --data-dir / OPTAGENT_BENCHMARKS") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise InputError(f"{path}:{number} is not valid JSON: {exc}") from None
    return rows
