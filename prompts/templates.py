"""Load ``templates/NAME.md`` (``version: N``, a ``---`` line, then the text); fill ``{{placeholders}}``."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from optagent.errors import OptagentError

_PLACEHOLDER = re.compile(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")
_INCLUDE = re.compile(r"\{\{>\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}")


class PromptError(OptagentError):
    code = "prompt"


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    text: str


@functools.cache
def _load(name: str, including: tuple[str, ...] = ()) -> tuple[str, str]:
    """(version, body) with every ``{{> fragment}}`` replaced by that template's body."""
    if name in including:
        raise PromptError(f"prompt template {name!r} includes itself ({' -> '.join([*including, name])})")
    try:
        raw = (
            resources.files("optagent.prompts")
            .joinpath("templates", f"{name}.md")
            .read_text(encoding="utf-8")
        )
    except FileNotFoundError:
        raise PromptError(f"no prompt template named {name!r}") from None
    header, sep, body = raw.partition("\n---\n")
    match = re.fullmatch(r"version:\s*(\S+)\s*", header)
    if not sep or not match:
        raise PromptError(f"prompt template {name!r} must start with 'version: N' and a '---' line")
    body = _INCLUDE.sub(lambda m: _load(m.group(1), (*including, name))[1].strip(), body)
    return match.group(1), body.strip() + "\n"


def render(name: str, **values: object) -> Prompt:
    """Fill every placeholder; a missing or an unused value is an error (no silent prompt drift)."""
    version, body = _load(name)
    wanted = set(_PLACEHOLDER.findall(body))
    missing, unused = wanted - set(values), set(values) - wanted
    if missing or unused:
        raise PromptError(f"prompt {name!r}: missing {sorted(missing)}, unused {sorted(unused)}")
    text = _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), body)
    return Prompt(name, version, text)


TEMPLATES = (
    "system",
    "format",
    "model_extras",
    "program_rules",
    "formulate",
    "repair_formulation",
    "code_from_text",
    "code_from_ir",
    "repair_code",
    "lean",
    "reconcile",
    "chat_turn",
    "missing_data",
    "smtt_discover",
    "synth_formulation",
    "synth_question",
)


def prompt_versions() -> dict[str, str]:
    return {name: _load(name)[0] for name in TEMPLATES}


def _set_version() -> str:
    digest = hashlib.sha256()
    for name in TEMPLATES:
        version, body = _load(name)
        digest.update(f"{name}@{version}\n{body}".encode())
    return f"p1-{digest.hexdigest()[:10]}"


PROMPT_SET_VERSION = _set_version()
