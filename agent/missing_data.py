"""Numbers a model needs that the problem text does not give: chat asks for them before anything is solved."""

from __future__ import annotations

from optagent.agent.deps import Deps
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.prompts import render


def missing_data(problem: str, deps: Deps) -> list[dict[str, str]]:
    """``[{"missing": ..., "assumption": ...}]`` as the LLM lists them; an unusable reply lists nothing (the
    formulate step still records any assumption it makes)."""
    text, _call = deps.ask("missing_data", render("missing_data", problem=problem), json_mode=True)
    try:
        gaps = extract_json(text).get("data_gaps")
    except ReplyFormatError:
        return []
    if not isinstance(gaps, list):
        return []
    return [
        {"missing": str(g["missing"]), "assumption": str(g.get("assumption") or "")}
        for g in gaps
        if isinstance(g, dict) and g.get("missing")
    ]
