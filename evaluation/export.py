"""A run's formulations and programs as files: ``FILE.json`` + ``FILE.tex`` and a runnable ``FILE.py`` per
problem, with ``index.csv`` (id, verdict, objective, expected, strict, files).

Programs are never executed here: the entry function is found from the program's syntax, as the sandbox's
contract would choose it, and a ``__main__`` block that calls it and prints the result is appended.
"""

from __future__ import annotations

import ast
import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optagent.errors import InputError, OptagentError
from optagent.evaluation.records import RunFile
from optagent.sandbox.contract import PREFERRED_ENTRIES

INDEX_COLUMNS = ("id", "verdict", "objective", "expected", "strict", "files")


@dataclass
class Exported:
    problem_id: str
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def entry_function(code: str) -> str | None:
    """The function the sandbox would call (preferred name, else the only one callable without arguments)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    callable_now = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            args = node.args
            positional = args.posonlyargs + args.args
            if len(args.defaults) == len(positional) and all(d is not None for d in args.kw_defaults):
                callable_now.append(node.name)
    preferred = [name for name in PREFERRED_ENTRIES if name in callable_now]
    if preferred:
        return preferred[0]
    return callable_now[0] if len(callable_now) == 1 else None


def _has_main_block(code: str) -> bool:
    return re.search(r"^if\s+__name__\s*==\s*['\"]__main__['\"]\s*:", code, re.M) is not None


def runnable_program(code: str, record: dict[str, Any]) -> tuple[str, str]:
    """The program with a header and, where it has none, a ``__main__`` block; and a note on how it runs."""
    header = (
        f"# Problem {record['problem_id']} of {record['dataset']}: the program {record['model']} wrote "
        f"(prompts {record.get('prompt_version', '?')}, mode {record.get('mode', '?')}).\n"
        "# optagent ran it only inside its sandbox. Read it before you run it here.\n\n"
    )
    body = code.rstrip() + "\n"
    if _has_main_block(code):
        return header + body, "runs its own __main__ block"
    entry = entry_function(code)
    if entry is None:
        return header + body, "a script: it builds and solves its model when run"
    main = f'\n\nif __name__ == "__main__":  # added by `optagent bench export`\n    print({entry}())\n'
    return header + body + main, f"calls {entry}() and prints the result"


def _safe_name(problem_id: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", problem_id).strip("._") or "problem"
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}-{k}"
    taken.add(name)
    return name


def _expected(record: dict[str, Any]) -> str:
    expected = record.get("expected") or {}
    if expected.get("infeasible"):
        return "infeasible"
    value = expected.get("objective")
    return "" if value is None else f"{value:.10g}"


def export_run(run: str | Path, folder: str | Path) -> list[Exported]:
    """Write every record's formulation and program under ``folder``; returns what was written per problem."""
    from optagent.formulations.model import Formulation
    from optagent.formulations.render import render_latex

    path = Path(run)
    if not path.is_file():
        raise InputError(f"{path}: no such file", hint="pass a run file written by `optagent bench run`")
    records = RunFile(path).records()
    if not records:
        raise InputError(f"{path} holds no records", hint="pass a run file written by `optagent bench run`")
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror}", hint="choose another --dir") from None
    taken: set[str] = {"index"}
    exported, rows = [], []
    for record in sorted(records, key=lambda r: str(r["problem_id"])):
        item = Exported(str(record["problem_id"]))
        name = _safe_name(item.problem_id, taken)
        formulation = record.get("formulation")
        if formulation:
            (out / f"{name}.json").write_text(json.dumps(formulation, indent=1) + "\n", encoding="utf-8")
            item.files.append(f"{name}.json")
            try:
                (out / f"{name}.tex").write_text(render_latex(Formulation.from_data(formulation)), "utf-8")
                item.files.append(f"{name}.tex")
            except OptagentError as exc:
                item.notes.append(f"no LaTeX: {exc}")
        if record.get("code"):
            program, note = runnable_program(record["code"], record)
            (out / f"{name}.py").write_text(program, encoding="utf-8")
            item.files.append(f"{name}.py")
            item.notes.append(note)
        predicted = (record.get("predicted") or {}).get("objective")
        rows.append(
            {
                "id": item.problem_id,
                "verdict": record.get("verdict", ""),
                "objective": "" if predicted is None else f"{predicted:.10g}",
                "expected": _expected(record),
                "strict": (record.get("scores") or {}).get("strict", ""),
                "files": " ".join(item.files),
            }
        )
        exported.append(item)
    with (out / "index.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=INDEX_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return exported
