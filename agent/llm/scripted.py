"""Scripted model for tests and dry runs: replies from a list, or per step tag, or from a function.

Shipped in the package so users can replay a recorded session offline (``--model scripted:FILE.json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from optagent.agent.llm.types import LLMError, LLMRequest, LLMResponse, Usage
from optagent.errors import InputError

Reply = str | Callable[[LLMRequest], str]


class ScriptedLLM:
    """``replies``: a list consumed in order, or a dict tag -> list (a step's replies in order).

    Every request is recorded in ``calls``; running out of replies raises an LLMError naming the step.
    """

    def __init__(self, replies: list[Reply] | dict[str, list[Reply]], model_id: str = "scripted") -> None:
        self.model_id = model_id
        self.by_tag = {k: list(v) for k, v in replies.items()} if isinstance(replies, dict) else None
        self.queue = list(replies) if isinstance(replies, list) else []
        self.calls: list[LLMRequest] = []

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedLLM:
        """JSON: ``{"replies": [...]}`` or ``{"by_tag": {"formulate": [...], ...}}``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read the scripted replies {path}: {exc}", hint="pass a JSON file"
            ) from None
        if isinstance(data, dict) and isinstance(data.get("by_tag"), dict):
            return cls(
                {str(k): [str(r) for r in v] for k, v in data["by_tag"].items()},
                f"scripted:{Path(path).name}",
            )
        if isinstance(data, dict) and isinstance(data.get("replies"), list):
            return cls([str(r) for r in data["replies"]], f"scripted:{Path(path).name}")
        raise InputError(
            f"{path} has neither 'replies' nor 'by_tag'", hint='{"replies": ["first reply", ...]}'
        )

    def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls.append(request)
        queue = self.queue if self.by_tag is None else self.by_tag.get(request.tag)
        if not queue:
            raise LLMError(
                f"the scripted model has no reply left for step {request.tag!r} (call {len(self.calls)})",
                hint="add a reply for this step to the script",
            )
        reply = queue.pop(0)
        text = reply(request) if callable(reply) else reply
        words = len(request.prompt_text.split())
        return LLMResponse(
            text=text, model=self.model_id, usage=Usage(words, len(text.split())), cost_usd=0.0
        )

    @property
    def remaining(self) -> int:
        if self.by_tag is not None:
            return sum(len(v) for v in self.by_tag.values())
        return len(self.queue)
