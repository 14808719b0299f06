"""Question/answer rows: LLMOPT (question, answer, ori, index), SIRL/ORLM (en_question, en_answer[, id]),
Mamo (Question, Answer, id, Type) and OptMATH (a JSON array of en_question, en_answer, id)."""

from __future__ import annotations

from pathlib import Path

from optagent.benchmarks.families.common import read_json, read_jsonl
from optagent.benchmarks.problem import Problem, parse_answer

FIELDS = (("question", "answer"), ("en_question", "en_answer"), ("Question", "Answer"))


def load(name: str, path: Path) -> list[Problem]:
    try:
        rows = read_jsonl(path)
    except Exception:
        rows = read_json(path)  # OptMATH-Bench is a JSON array
    if isinstance(rows, list) and len(rows) == 1 and isinstance(rows[0], list):
        rows = rows[0]
    problems = []
    for number, row in enumerate(rows):
        question_key, answer_key = next(((q, a) for q, a in FIELDS if q in row), (None, None))
        if question_key is None:
            continue
        problem_id = str(row.get("id", row.get("index", number)))
        problems.append(
            Problem(
                dataset=name,
                id=problem_id,
                text=str(row[question_key]).strip(),
                expected=parse_answer(row.get(answer_key)),
                problem_type=str(row.get("Type", row.get("difficulty", ""))),
                source_file=str(path),
            )
        )
    return problems
