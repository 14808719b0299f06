"""Your own problems: a JSONL file with one problem per line, run like any dataset (``bench run FILE.jsonl``).

Each line is an object with ``question`` (the problem in words) and ``answer`` (the optimal objective value:
a number, or ``null`` / ``"infeasible"`` when the problem has no optimal solution), and optionally ``id``
(default: the line number) and ``type`` (a label for the report's breakdown, e.g. LP or MILP). Other keys are
ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

from optagent.benchmarks.problem import Problem, parse_answer
from optagent.errors import InputError

FORMAT = (
    'one JSON object per line: {"question": "A farmer ...", "answer": 480, "id": "farm", "type": "LP"} '
    '(answer null or "infeasible" for problems without an optimal solution; id and type are optional)'
)


def load(name: str, path: Path) -> list[Problem]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", hint="pass a UTF-8 JSONL file") from None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{where} is not JSON: {exc}", hint=FORMAT) from None
        if not isinstance(row, dict):
            raise InputError(f"{where} is not a JSON object", hint=FORMAT)
        missing = [key for key in ("question", "answer") if key not in row]
        if missing:
            raise InputError(f"{where} has no {' and no '.join(repr(k) for k in missing)}", hint=FORMAT)
        question = row["question"]
        if not isinstance(question, str) or not question.strip():
            raise InputError(f"{where}: 'question' must be the problem in words", hint=FORMAT)
        expected = parse_answer(row["answer"])
        if expected.objective is None and not expected.infeasible:
            raise InputError(
                f'{where}: the answer {row["answer"]!r} is neither a number nor null/"infeasible"',
                hint=FORMAT,
            )
        problem_id = str(row.get("id", number))
        if problem_id in seen:
            raise InputError(f"{where}: id {problem_id!r} was used on line {seen[problem_id]} already")
        seen[problem_id] = number
        problems.append(
            Problem(
                dataset=name,
                id=problem_id,
                text=question.strip(),
                expected=expected,
                problem_type=str(row.get("type", "")),
                source_file=str(path),
            )
        )
    if not problems:
        raise InputError(f"{path} holds no problems", hint=FORMAT)
    return problems
