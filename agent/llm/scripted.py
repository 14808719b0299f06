"""Scripted model for tests, dry runs and replays: replies in order, per step tag, or by prompt content.

Shipped in the package so users can replay a recorded session offline (``--model scripted:FILE.json``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optagent.agent.llm.types import LLMError, LLMRequest, LLMResponse, Usage
from optagent.errors import InputError

Reply = str | Callable[[LLMRequest], str]


class ScriptedLLM:
    """Replies are looked up in this order:

    1. ``rules``: reusable ``{"contains": text, "tag": optional step, "reply": text}``; the first rule whose
       text occurs in the prompt answers (deterministic whatever the order of problems);
    2. ``replies``: a list consumed in order, or a dict tag -> list consumed per step;
    3. ``defaults``: a reusable reply per step tag.

    Every request is recorded in ``calls``; no reply raises an LLMError naming the step.
    """

    def __init__(
        self,
        replies: list[Reply] | dict[str, list[Reply]],
        model_id: str = "scripted",
        *,
        rules: list[dict[str, str]] | None = None,
        defaults: dict[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.model_id = model_id
        self.by_tag = {k: list(v) for k, v in replies.items()} if isinstance(replies, dict) else None
        self.queue = list(replies) if isinstance(replies, list) else []
        self.rules = list(rules or [])
        self.defaults = dict(defaults or {})
        self.delay_s = delay_s
        self.calls: list[LLMRequest] = []
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedLLM:
        """JSON with any of: ``replies`` (list), ``by_tag`` (dict), ``rules`` (list), ``defaults`` (dict),
        ``delay_s`` (seconds per call)."""
        try:
            data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read the scripted replies {path}: {exc}", hint="pass a JSON file"
            ) from None
        if not isinstance(data, dict) or not any(
            k in data for k in ("replies", "by_tag", "rules", "defaults")
        ):
            raise InputError(
                f"{path} has neither 'replies', 'by_tag', 'rules' nor 'defaults'",
                hint='{"replies": ["first reply", ...]}',
            )
        replies: Any = data.get("replies") or {}
        if isinstance(data.get("by_tag"), dict):
            replies = {str(k): [str(r) for r in v] for k, v in data["by_tag"].items()}
        elif isinstance(replies, list):
            replies = [str(r) for r in replies]
        return cls(
            replies,
            f"scripted:{Path(path).name}",
            rules=list(data.get("rules") or []),
            defaults=dict(data.get("defaults") or {}),
            delay_s=float(data.get("delay_s", 0.0)),
        )

    def _next(self, request: LLMRequest) -> Reply | None:
        prompt = request.prompt_text
        for rule in self.rules:
            if rule.get("tag", request.tag) == request.tag and rule.get("contains", "") in prompt:
                return rule["reply"]
        queue = self.queue if self.by_tag is None else self.by_tag.get(request.tag)
        if queue:
            return queue.pop(0)
        return self.defaults.get(request.tag)

    def complete(self, request: LLMRequest) -> LLMResponse:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self._lock:
            self.calls.append(request)
            reply = self._next(request)
            number = len(self.calls)
        if reply is None:
            raise LLMError(
                f"the scripted model has no reply left for step {request.tag!r} (call {number})",
                hint="add a reply for this step to the script",
            )
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
