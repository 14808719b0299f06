"""ORThought summaries: {prob_XXX: {description, ground_truth, problem_type, problem_size, ...}}.

LogiOR, IndustryOR and NLP4LP use ``ground_truth`` (null: no optimal solution); ComplexOR keeps its data in
``sample`` and its answer in ``sample[0].output[0]``. Where a per-problem ``question.txt`` exists it is the
newer text and is preferred (the README of the data lists the 12 LogiOR problems where they differ).
"""

from __future__ import annotations

import json
from pathlib import Path

from optagent.benchmarks.families.common import read_json
from optagent.benchmarks.problem import Problem, parse_answer


def _complexor_text(entry: dict) -> str:
    sample = entry["sample"][0]["input"]
    data = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in sample.items()}
    return f"Problem Description: {entry['description']}\nSample Data: {json.dumps(data)}"


def load(name: str, path: Path, processed: Path | None = None) -> list[Problem]:
    problems = []
    for key, entry in read_json(path).items():
        if "sample" in entry and "ground_truth" not in entry:
            output = entry["sample"][0].get("output") or [None]
            text, answer = _complexor_text(entry), output[0]
        else:
            question = processed / key / "question.txt" if processed else None
            text = (
                question.read_text(encoding="utf-8")
                if question and question.exists()
                else entry["description"]
            )
            answer = entry.get("ground_truth")
        problems.append(
            Problem(
                dataset=name,
                id=key,
                text=text.strip(),
                expected=parse_answer(answer),
                problem_type=entry.get("problem_type", ""),
                size=entry.get("problem_size", ""),
                source_file=str(path),
            )
        )
    return problems
