"""Chain-of-Experts ComplexOR: one folder per problem with description.txt and sample.json."""

from __future__ import annotations

import json
from pathlib import Path

from optagent.benchmarks.families.common import read_json
from optagent.benchmarks.problem import Problem, parse_answer


def load(name: str, path: Path) -> list[Problem]:
    problems = []
    for folder in sorted(p for p in path.iterdir() if p.is_dir()):
        sample = read_json(folder / "sample.json")[0]
        description = (folder / "description.txt").read_text(encoding="utf-8").strip()
        text = f"{description}\nSample Data: {json.dumps(sample['input'])}"
        problems.append(
            Problem(
                name,
                folder.name,
                text,
                parse_answer((sample.get("output") or [None])[0]),
                source_file=str(folder),
            )
        )
    return problems
