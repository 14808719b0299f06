"""Reading ``--model``: the backend a spec names, or what is wrong with it and the forms it may take."""

from __future__ import annotations

import re

from optagent.errors import InputError

FORMS = """accepted forms of --model:
  gpt-4o, o3-mini, ...           an OpenAI model (bare names are OpenAI's; openai:NAME for any other)
  deepseek:deepseek-chat         DeepSeek (DEEPSEEK_API_KEY)
  ollama:qwen2.5:14b             a local Ollama server
  vllm:NAME                      vLLM or another OpenAI-compatible server (--base-url URL)
  NAME with --base-url URL       any model name an OpenAI-compatible server knows
  hf:/path/to/model[+ADAPTER]    a local transformers model, or a Hugging Face id in the local cache
  scripted:replies.json          replay recorded replies (offline)"""

BACKENDS = ("openai", "deepseek", "ollama", "vllm", "hf", "scripted")
# OpenAI's chat model names: gpt-4o, gpt-4.1-mini, o1, o3-mini, o4-mini, chatgpt-4o-latest, ft:gpt-4o:org::id
OPENAI_NAME = re.compile(r"^(gpt-|chatgpt-|ft:|o\d)", re.IGNORECASE)


def parse_model_spec(spec: str, base_url: str | None = None) -> tuple[str, str]:
    """``(backend, name)`` of a spec; an InputError saying what is wrong and listing the forms otherwise.

    With a base URL every name is taken as the server's model name (names may hold colons)."""
    text = spec.strip()
    if not text:
        raise InputError("the model spec is empty", hint=FORMS)
    prefix, colon, name = text.partition(":")
    if prefix in BACKENDS and colon:
        if not name.strip():
            what = "file of recorded replies" if prefix == "scripted" else "model name or path"
            raise InputError(f"model spec {spec!r} names no {what} after '{prefix}:'", hint=FORMS)
        return prefix, name.strip()
    if base_url or OPENAI_NAME.match(text):
        return "openai", text
    if colon:
        raise InputError(
            f"model spec {spec!r}: {prefix!r} is not a provider optagent knows ({', '.join(BACKENDS)})",
            hint="for a model name with colons served by an OpenAI-compatible server add --base-url URL\n"
            + FORMS,
        )
    close = next((b for b in BACKENDS if text.lower().startswith(b)), None)
    suggestion = f"did you mean {close}:{text}? " if close else ""
    raise InputError(
        f"model spec {spec!r} is not an OpenAI model name, and no provider prefix or --base-url is given",
        hint=f"{suggestion}write openai:{text} if OpenAI serves it\n{FORMS}",
    )
