"""The problem a user states: as an argument or in a file, checked before any LLM sees it."""

from __future__ import annotations

from pathlib import Path

from optagent.errors import InputError, UsageError
from optagent.limits import MAX_PROBLEM_CHARS, check_problem_text

USAGE = 'optagent solve "A factory makes ...", or -f problem.txt, or --formulation F.json'


def read_problem_text(text: str | None, file: Path | None) -> str:
    """The text argument or the file's contents; a usage error (exit code 2) without one, or with both."""
    if file is None:
        if text is None or not text.strip():
            raise UsageError("no problem given", hint=USAGE)
        return check_problem_text(text)
    if text:
        raise UsageError("give the problem as text or with --file, not both", hint="drop one of them")
    try:
        if file.stat().st_size > 4 * MAX_PROBLEM_CHARS:  # not read into memory at all
            raise InputError(
                f"{file} has {file.stat().st_size:,} bytes; a problem text may have at most "
                f"{MAX_PROBLEM_CHARS:,} characters",
                hint="keep the problem statement and its data; large data belongs in a formulation file",
            )
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {file}: {exc}", hint="pass a UTF-8 text file") from None
    return check_problem_text(content, str(file))
