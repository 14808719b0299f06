"""Pull the JSON object or the Python program out of an LLM reply; say precisely what is missing."""

from __future__ import annotations

import re
from typing import Any

from optagent.errors import InputError
from optagent.formulations.inputs import load_json

_FENCE = re.compile(r"```([a-zA-Z0-9_+-]*)[ \t]*\n(.*?)```", re.DOTALL)


class ReplyFormatError(ValueError):
    """The reply does not contain what the step asked for; the message is fed back to the LLM."""


def _balanced_objects(text: str) -> list[str]:
    """Top-level {...} spans, respecting strings."""
    spans, depth, start, in_str, escape = [], 0, -1, False, False
    for i, ch in enumerate(text):
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"' and depth:
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start : i + 1])
    return spans


def extract_json(text: str) -> dict[str, Any]:
    """The reply's JSON object: a fenced ```json block, else the largest {...} that parses."""
    if not text or not text.strip():
        raise ReplyFormatError("the reply was empty; answer with one JSON object")
    candidates = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("json", "")]
    candidates += sorted(_balanced_objects(text), key=len, reverse=True)
    errors = []
    for candidate in candidates:
        try:
            value = load_json(candidate, "the reply")
        except InputError as exc:
            errors.append(exc.message.removeprefix("the reply: "))
            continue
        if isinstance(value, dict):
            return value
    if errors:
        raise ReplyFormatError(
            f"the JSON in the reply does not parse: {errors[0]}; answer with valid JSON only"
        )
    raise ReplyFormatError("the reply contains no JSON object; answer with one JSON object and nothing else")


def extract_code(text: str) -> str:
    """The reply's program: the last ```python block (or the only fenced block)."""
    if not text or not text.strip():
        raise ReplyFormatError("the reply was empty; answer with the program in one ```python block")
    blocks = _FENCE.findall(text)
    python = [body for lang, body in blocks if lang.lower() in ("python", "py", "python3")]
    if python:
        return python[-1].strip() + "\n"
    if len(blocks) == 1:
        return blocks[0][1].strip() + "\n"
    if re.search(r"^\s*(def |import |from \S+ import )", text, re.MULTILINE) and "```" not in text:
        return text.strip() + "\n"
    raise ReplyFormatError("the reply contains no ```python block; put the whole program in one such block")
