"""Versioned prompt templates, rendered strictly: every placeholder filled, no value left unused."""

from optagent.prompts.templates import PROMPT_SET_VERSION, Prompt, prompt_versions, render

__all__ = ["PROMPT_SET_VERSION", "Prompt", "prompt_versions", "render"]
