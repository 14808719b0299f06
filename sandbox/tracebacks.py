"""Trim an exception to what a reader (or an LLM repairing the program) needs: the program's own lines."""

from __future__ import annotations

import traceback
from typing import Any

MAX_MESSAGE = 2000
MAX_FRAMES = 8


def describe_exception(exc: BaseException, program_path: str) -> dict[str, Any]:
    """Error type, message, a traceback without harness frames, and the offending program lines."""
    frames = traceback.extract_tb(exc.__traceback__)
    in_program = [i for i, frame in enumerate(frames) if frame.filename == program_path]
    # From the first program frame on: the program's calls and the library calls they made.
    frames = frames[in_program[0] :] if in_program else frames[-2:]
    if len(frames) > MAX_FRAMES:
        frames = frames[:2] + frames[-(MAX_FRAMES - 2) :]
    lines = [
        {"lineno": frame.lineno or 0, "text": (frame.line or "").strip()}
        for frame in frames
        if frame.filename == program_path
    ]
    if isinstance(exc, SyntaxError) and exc.filename == program_path:
        lines.append({"lineno": exc.lineno or 0, "text": (exc.text or "").strip()})
    message = _safe_str(exc)
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(exc), exc))
    return {
        "type": type(exc).__name__,
        "message": message[:MAX_MESSAGE],
        "traceback": text[-8000:],
        "lines": lines,
    }


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a hostile __str__
        return f"<{type(exc).__name__} with an unprintable message>"
