"""Replay files for the scripted model built from reference formulations: the pipeline end to end on real
problems without an LLM (it claims nothing about any model's accuracy)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optagent.benchmarks.problem import Problem

SNIPPET = 160


def reference_replay(problems: list[Problem], references: Path, *, delay_s: float = 0.0) -> dict[str, Any]:
    """Scripted-model rules: the formulate step of each problem with a reference ``<id>.json`` in
    ``references`` answers with that formulation; every other problem gets no formulation."""
    rules = []
    for problem in problems:
        path = references / f"{problem.id}.json"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("metadata", None)
            rules.append({"tag": "formulate", "contains": problem.text[:SNIPPET], "reply": json.dumps(data)})
    understand = json.dumps({"summary": "replayed reference formulation", "data_gaps": []})
    return {
        "rules": rules,
        "defaults": {
            "understand": understand,
            "formulate": "No reference formulation is recorded for this problem.",
            "repair_formulation": "No reference formulation is recorded for this problem.",
        },
        "delay_s": delay_s,
    }
