"""Chat files: exports of the current scenario and whole sessions saved and restored.

Writes are atomic (a temporary file renamed into place), so a failed write never damages an earlier file; an
unwritable path, or a session file that is malformed, too large or too deeply nested, is an InputError and
leaves the session as it was.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from optagent.agent.chat_turn import accepted_formulation
from optagent.agent.scenarios import Scenario, ScenarioBook
from optagent.errors import InputError
from optagent.formulations import Formulation
from optagent.formulations.export import export
from optagent.formulations.render import render_latex, render_markdown

EXPORTS = {"python": ".py", "json": ".json", "latex": ".tex", "markdown": ".md", "lp": ".lp", "mps": ".mps"}
SAVE_FORMAT, SAVE_VERSION = "optagent-chat", 2
MAX_SESSION_BYTES = 20_000_000


def file_name(*parts: str) -> Path:
    """A file name in the working folder from a model and scenario name, e.g. production_mix-base.lp."""
    return Path(re.sub(r"[^\w.+=-]+", "_", "-".join(p for p in parts if p)))


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` atomically; an unwritable path is an InputError naming it."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise unwritable(path, exc) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise unwritable(path, exc) from None
    return path


def unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"cannot write {path}: {exc.strerror or exc}", hint="choose a file in a folder you can write to"
    )


def export_model(formulation: dict[str, Any], kind: str, path: Path) -> Path:
    """The formulation as LaTeX, Markdown, JSON, LP or MPS at ``path``."""
    model = Formulation.from_data(formulation)
    if kind == "latex":
        return write_text(path, render_latex(model))
    if kind == "markdown":
        return write_text(path, render_markdown(model))
    if kind == "json":
        return write_text(path, model.to_json())
    try:
        return export(model, path, fmt=kind)
    except OSError as exc:
        raise unwritable(path, exc) from None


def read_session(path: Path) -> tuple[str, ScenarioBook, list[dict[str, Any]]]:
    """(problem, scenarios, history) of a file written by ``/save`` (or the first, one-model format)."""
    try:
        if path.stat().st_size > MAX_SESSION_BYTES:
            raise ValueError(f"it is larger than {MAX_SESSION_BYTES // 1_000_000} MB")
        data = json.loads(path.read_text(encoding="utf-8"))
        problem, book, history = _restore(data)
        for scenario in book.scenarios.values():
            scenario.formulation = accepted_formulation(scenario.formulation)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", hint="check the path") from None
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        why = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(
            f"cannot load the session {path}: {why}", hint="pass a file written by /save"
        ) from None
    return problem, book, history


def session_data(
    problem: str, book: ScenarioBook, history: list[dict[str, Any]], **about: Any
) -> dict[str, Any]:
    """The JSON document ``/save`` writes; ``about`` adds provenance (model, prompt version, settings)."""
    return {
        "format": SAVE_FORMAT,
        "version": SAVE_VERSION,
        "problem": problem,
        **about,
        **book.to_data(),
        "history": history,
    }


def _restore(data: Any) -> tuple[str, ScenarioBook, list[dict[str, Any]]]:
    if not isinstance(data, dict) or not isinstance(data.get("problem"), str):
        raise ValueError("it is not a chat session (no problem text)")
    if "scenarios" in data:
        book = ScenarioBook.from_data(data)
    elif isinstance(data.get("formulation"), dict):  # the first save format: one model, no scenarios
        book = ScenarioBook()
        values = data.get("values") if isinstance(data.get("values"), dict) else {}
        book.add(Scenario("base", data["formulation"], objective=data.get("objective"), values=values))
    else:
        raise ValueError("it holds no model")
    history = data.get("history") or []
    if not isinstance(history, list) or not all(
        isinstance(h, dict) and isinstance(h.get("user"), str) for h in history
    ):
        raise ValueError("'history' must be a list of turns")
    return data["problem"], book, history
