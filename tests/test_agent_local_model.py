"""The local transformers backend on a tiny model built in the test (CPU, no hub access)."""

from __future__ import annotations

import pytest

pytest.importorskip("transformers", reason="the [local] extra (transformers, torch) is not installed")

from optagent.agent.llm import LLMRequest, Message
from optagent.agent.llm.config import make_llm
from optagent.agent.llm.transformers_backend import TransformersBackend
from optagent.agent.llm.types import LLMContextOverflow
from optagent.errors import InputError
from optagent.finetune.tiny_model import build_tiny_model


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny")).folder


@pytest.mark.slow
def test_generates_with_the_chat_template_on_cpu(tiny):
    llm = TransformersBackend(str(tiny))
    request = LLMRequest(
        (Message("system", "You model problems."), Message("user", "Maximize profit.")), max_tokens=8
    )
    reply = llm.complete(request)
    assert llm.device == "cpu" and reply.model == f"hf:{tiny}"
    assert reply.usage.prompt_tokens > 5 and 0 < reply.usage.completion_tokens <= 8
    assert isinstance(reply.text, str) and reply.cost_usd == 0.0
    assert llm.complete(request).text == reply.text  # greedy decoding is deterministic


def test_reachable_through_the_model_spec(tiny):
    llm = make_llm(model=f"hf:{tiny}", cache=False)
    assert llm.model_id == f"hf:{tiny}"


def test_context_overflow_is_reported(tmp_path):
    folder = build_tiny_model(tmp_path / "short", context=16).folder
    llm = TransformersBackend(str(folder))
    with pytest.raises(LLMContextOverflow, match="tokens"):
        llm.complete(LLMRequest((Message("user", "Maximize profit subject to capacity constraints " * 5),)))


def test_missing_model_and_adapter_are_clear_errors(tmp_path, tiny):
    with pytest.raises(InputError, match="is neither a folder nor a Hugging Face model id"):
        TransformersBackend(str(tmp_path / "absent"))
    with pytest.raises(InputError, match="adapter folder"):
        TransformersBackend(str(tiny), adapter=str(tmp_path / "no-adapter"))
