"""Which LLM to use: flags, then environment, then ~/.config/optagent/config.toml; one spec string names it.

Specs: ``gpt-4o`` or ``openai:gpt-4o``; ``deepseek:deepseek-chat``; ``ollama:qwen2.5:14b``; ``vllm:NAME``
(or any name with ``--base-url``); ``hf:/path/or/hub-id`` (local transformers, ``+adapter`` optional);
``scripted:replies.json`` (offline replay).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optagent.agent.llm.cache import CachedLLM, ResponseCache
from optagent.agent.llm.model_spec import parse_model_spec
from optagent.agent.llm.types import LLM, LLMNotConfigured
from optagent.errors import InputError
from optagent.limits import LLM_TIMEOUT_S

CONFIG_HELP = """no LLM is configured. Pick one:
  export OPENAI_API_KEY=sk-...                    OpenAI (default model gpt-4o; --model gpt-4.1 ...)
  export DEEPSEEK_API_KEY=... ; --model deepseek:deepseek-chat
  --model ollama:qwen2.5:14b                      a local Ollama server (http://localhost:11434)
  --model vllm:NAME [--base-url URL]              vLLM or any OpenAI-compatible server
  --model hf:/path/to/model                       a local transformers model (pip install "optagent[local]")
  --model scripted:replies.json                   replay recorded replies (offline)
or set OPTAGENT_MODEL, or write model = "..." (and base_url, api_key_env) under [llm] in
~/.config/optagent/config.toml"""

PROVIDERS: dict[str, tuple[str | None, str]] = {
    # prefix: (default base URL, environment variable of the key)
    "openai": (None, "OPENAI_API_KEY"),
    "deepseek": ("https://api.deepseek.com", "DEEPSEEK_API_KEY"),
    "ollama": ("http://localhost:11434/v1", ""),
    "vllm": ("http://localhost:8000/v1", ""),
}


@dataclass
class LLMSettings:
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    timeout: float = LLM_TIMEOUT_S
    max_retries: int = 4
    cache: bool = True
    cache_path: str | None = None


def config_file() -> Path:
    root = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(os.environ.get("OPTAGENT_CONFIG", Path(root) / "optagent" / "config.toml"))


def _file_settings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot read {path}: {exc}", hint="fix the TOML syntax or remove the file"
        ) from None
    llm = data.get("llm", {})
    return llm if isinstance(llm, dict) else {}


def settings(**flags: Any) -> LLMSettings:
    """Flags win over the environment, which wins over the config file."""
    file = _file_settings(config_file())
    s = LLMSettings()
    s.model = flags.get("model") or os.environ.get("OPTAGENT_MODEL") or file.get("model")
    s.base_url = flags.get("base_url") or os.environ.get("OPENAI_BASE_URL") or file.get("base_url")
    key_env = file.get("api_key_env")
    s.api_key = flags.get("api_key") or (os.environ.get(key_env) if key_env else None)
    for name in ("timeout", "max_retries", "cache", "cache_path"):
        value = flags.get(name)
        if value is None:
            value = file.get(name)
        if value is not None:
            setattr(s, name, value)
    return s


def build_backend(s: LLMSettings) -> LLM:
    spec = s.model
    if not spec:
        if os.environ.get("OPENAI_API_KEY"):
            spec = "gpt-4o"
        else:
            raise LLMNotConfigured(CONFIG_HELP)
    prefix, name = parse_model_spec(spec, s.base_url)
    if prefix == "scripted":
        from optagent.agent.llm.scripted import ScriptedLLM

        return ScriptedLLM.from_file(name)
    if prefix == "hf":
        from optagent.agent.llm.transformers_backend import TransformersBackend

        path, _, adapter = name.partition("+")
        return TransformersBackend(path, adapter=adapter or None)
    default_url, key_env = PROVIDERS[prefix]
    base_url = s.base_url if (s.base_url and prefix in ("openai", "vllm")) else default_url
    api_key = s.api_key or (os.environ.get(key_env) if key_env else None)
    if prefix in ("openai", "deepseek") and not api_key and not (prefix == "openai" and base_url):
        raise LLMNotConfigured(f"model {spec!r} needs an API key: set {key_env}\n\n" + CONFIG_HELP)
    from optagent.agent.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(
        name, api_key=api_key, base_url=base_url, timeout=s.timeout, max_retries=s.max_retries
    )


def make_llm(**flags: Any) -> LLM:
    """The configured backend, wrapped in the response cache unless ``cache=False``."""
    s = settings(**flags)
    backend = build_backend(s)
    from optagent.agent.llm.scripted import ScriptedLLM

    if not s.cache or isinstance(backend, ScriptedLLM):
        return backend
    return CachedLLM(backend, ResponseCache(s.cache_path))
