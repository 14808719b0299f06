"""Documented defaults and limits that users meet, in one place (light: the CLI reads it at start-up)."""

from __future__ import annotations

from optagent.errors import InputError

LLM_TIMEOUT_S = 120.0
"""Seconds to wait for one LLM reply (``--llm-timeout``, ``timeout`` under ``[llm]`` in the config file)."""

MAX_PROBLEM_CHARS = 100_000
"""The longest problem text optagent sends to an LLM: about 25k tokens, 12x the longest problem of any
benchmark optagent reads (OptMATH, 7.9k characters). Longer texts are refused before any LLM call."""


def check_problem_text(text: str, source: str = "the problem text") -> str:
    """The text, or an InputError when there is nothing to solve or more than MAX_PROBLEM_CHARS of it."""
    if not text.strip():
        raise InputError(f"{source} is empty", hint="describe the optimization problem in words")
    if len(text) > MAX_PROBLEM_CHARS:
        raise InputError(
            f"{source} has {len(text):,} characters; optagent sends at most {MAX_PROBLEM_CHARS:,} to an LLM",
            hint="keep the problem statement and its data; large data belongs in a formulation file "
            "(optagent solve --formulation F.json)",
        )
    return text
