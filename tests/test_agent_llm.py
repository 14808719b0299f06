"""The LLM layer without the graph: cache, config resolution, prices, reply parsing, prompt strictness."""

from __future__ import annotations

import pytest
from agent_fixtures import FORMULATION_JSON, GOOD_CODE, OPTIMUM, PROBLEM
from fake_openai import FakeOpenAI

import optagent
from optagent.agent.llm import CachedLLM, LLMRequest, Message, ResponseCache, ScriptedLLM
from optagent.agent.llm.config import build_backend, settings
from optagent.agent.llm.openai_backend import OpenAIBackend
from optagent.agent.llm.pricing import cost, load_prices
from optagent.agent.llm.types import (
    LLMAuthError,
    LLMContextOverflow,
    LLMError,
    LLMModelNotFound,
    LLMNotConfigured,
)
from optagent.agent.parse import ReplyFormatError, extract_code, extract_json
from optagent.errors import InputError
from optagent.prompts import render
from optagent.prompts.templates import PromptError
from optagent.sandbox import Limits, WorkerPool


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(1, limits=Limits(timeout_s=60)) as workers:
        yield workers


def test_second_identical_run_makes_no_llm_calls(tmp_path, pool):
    replies = {"formulate": [FORMULATION_JSON], "code_from_text": [GOOD_CODE]}
    cache = ResponseCache(tmp_path / "cache.sqlite")
    with FakeOpenAI(replies) as server:
        llm = CachedLLM(OpenAIBackend("test-model", base_url=server.url, api_key="k", max_retries=0), cache)
        first = optagent.solve(PROBLEM, llm=llm, executor=pool)
        calls_after_first = len(server.requests)
        second = optagent.solve(PROBLEM, llm=llm, executor=pool)
        assert len(server.requests) == calls_after_first == 2
    assert (llm.misses, llm.hits) == (2, 2)
    assert second.cached_calls == 2 and first.cached_calls == 0
    assert second.route == first.route and second.values == first.values
    assert second.objective == first.objective == pytest.approx(OPTIMUM)
    assert len(cache) == 2


def test_cache_is_off_for_sampling_unless_asked(tmp_path):
    inner = ScriptedLLM(["a", "b"])
    llm = CachedLLM(inner, ResponseCache(tmp_path / "c.sqlite"))
    request = LLMRequest((Message("user", "hi"),), temperature=0.7)
    assert [llm.complete(request).text, llm.complete(request).text] == ["a", "b"]


def test_cache_key_covers_model_messages_and_parameters():
    base = LLMRequest((Message("user", "hi"),))
    keys = {
        base.cache_key("m1"),
        base.cache_key("m2"),
        LLMRequest((Message("user", "hello"),)).cache_key("m1"),
        LLMRequest((Message("user", "hi"),), max_tokens=10).cache_key("m1"),
        LLMRequest((Message("user", "hi"),), temperature=0.5, sample=1).cache_key("m1"),
    }
    assert len(keys) == 5
    assert LLMRequest((Message("user", "hi"),), tag="other").cache_key("m1") == base.cache_key("m1")


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (401, "Incorrect API key provided", LLMAuthError),
        (404, "The model `nope` does not exist", LLMModelNotFound),
        (400, "This model's maximum context length is 8192 tokens", LLMContextOverflow),
        (400, "bad request", LLMError),
    ],
)
def test_clear_errors_for_auth_model_and_context(status, message, error):
    with FakeOpenAI({"unknown": [{"status": status, "message": message}]}) as server:
        llm = OpenAIBackend("nope", base_url=server.url, api_key="k", max_retries=0)
        with pytest.raises(error) as info:
            llm.complete(LLMRequest((Message("user", "hi"),)))
    assert info.value.hint or error is LLMError


def test_a_body_that_is_not_json_is_an_llm_error():
    with FakeOpenAI({"unknown": [{"raw": "<html>gateway</html>"}]}) as server:
        llm = OpenAIBackend("m", base_url=server.url, api_key="k", max_retries=0)
        with pytest.raises(LLMError):
            llm.complete(LLMRequest((Message("user", "hi"),)))


def test_no_configuration_explains_how(monkeypatch, tmp_path):
    for name in ("OPENAI_API_KEY", "OPTAGENT_MODEL", "OPENAI_BASE_URL", "DEEPSEEK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPTAGENT_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(LLMNotConfigured, match="OPENAI_API_KEY") as info:
        build_backend(settings())
    assert "ollama" in info.value.message and "hf:" in info.value.message
    with pytest.raises(LLMNotConfigured, match="needs an API key: set DEEPSEEK_API_KEY"):
        build_backend(settings(model="deepseek:deepseek-chat"))


def test_config_file_environment_and_flags(monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[llm]\nmodel = "vllm:qwen"\nbase_url = "http://127.0.0.1:9/v1"\ntimeout = 7\n')
    monkeypatch.setenv("OPTAGENT_CONFIG", str(config))
    monkeypatch.delenv("OPTAGENT_MODEL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    backend = build_backend(settings())
    assert backend.model == "qwen" and backend.base_url == "http://127.0.0.1:9/v1"
    assert settings().timeout == 7
    monkeypatch.setenv("OPTAGENT_MODEL", "ollama:llama3")
    assert build_backend(settings()).base_url == "http://localhost:11434/v1"
    assert build_backend(settings(model="vllm:x", base_url="http://h:1/v1")).base_url == "http://h:1/v1"


def test_scripted_backend_from_file(tmp_path):
    path = tmp_path / "replies.json"
    path.write_text('{"by_tag": {"understand": ["one"]}}')
    llm = build_backend(settings(model=f"scripted:{path}"))
    request = LLMRequest((Message("user", "x"),), tag="understand")
    assert llm.complete(request).text == "one"
    with pytest.raises(LLMError, match="no reply left for step 'understand'"):
        llm.complete(request)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="neither 'replies', 'by_tag'"):
        build_backend(settings(model=f"scripted:{path}"))


def test_prices(tmp_path, monkeypatch):
    prices = load_prices()
    assert cost("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000, prices) == pytest.approx(0.75)
    assert cost("gpt-4o", 1_000_000, 0, prices) == pytest.approx(2.5)
    assert cost("my-local-model", 10, 10, prices) is None
    table = tmp_path / "prices.json"
    table.write_text('{"my-local-model": [1, 2]}')
    assert cost("my-local-model", 1_000_000, 1_000_000, load_prices(str(table))) == pytest.approx(3.0)
    table.write_text("{bad")
    with pytest.raises(InputError, match="price table"):
        load_prices(str(table))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('Here: {"a": {"b": "}"}} done', {"a": {"b": "}"}}),
        ('{"a": 1} and a bigger one {"b": [1, 2], "c": 3}', {"b": [1, 2], "c": 3}),
    ],
)
def test_extract_json(text, expected):
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("no braces", "no JSON object"),
        ('{"a": }', "does not parse"),
        ("[1, 2]", "no JSON object"),
        ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nests deeper than 32 levels"),  # hostile replies
    ],
)
def test_extract_json_failures_say_what_to_do(text, message):
    with pytest.raises(ReplyFormatError, match=message):
        extract_json(text)


def test_extract_code():
    assert extract_code("think\n```python\nx = 1\n```\nmore\n```python\ny = 2\n```") == "y = 2\n"
    assert extract_code("```\nimport math\n```") == "import math\n"
    assert extract_code("import math\nprint(1)") == "import math\nprint(1)\n"
    with pytest.raises(ReplyFormatError, match="no ```python block"):
        extract_code("I cannot do that")


def test_prompts_render_strictly():
    assert (
        "Your program for the problem below"
        in render("repair_code", problem="p", code="c", feedback="f").text
    )
    with pytest.raises(PromptError, match="missing"):
        render("repair_code", problem="p", code="c")
    with pytest.raises(PromptError, match="unused"):
        render("repair_code", problem="p", code="c", feedback="f", extra=1)
    with pytest.raises(PromptError, match="no prompt template"):
        render("nope")


def test_prompt_fragments_are_included_and_versioned(tmp_path, monkeypatch):
    from optagent.prompts import templates

    text = render("formulate", problem="p", asks="").text
    assert "{{" not in text
    assert render("format").text.strip() in text  # the format notes come from one fragment
    templates._load.cache_clear()
    real = templates.resources.files

    def files(package):
        class Fake:
            def joinpath(self, *parts):
                class File:
                    def read_text(self, encoding):
                        if parts[-1] == "a.md":
                            return "version: 1\n---\nA {{> b}}"
                        if parts[-1] == "b.md":
                            return "version: 1\n---\nB {{> a}}"
                        return real(package).joinpath(*parts).read_text(encoding=encoding)

                return File()

        return Fake()

    monkeypatch.setattr(templates.resources, "files", files)
    try:
        with pytest.raises(PromptError, match="includes itself"):
            render("a")
    finally:
        templates._load.cache_clear()
