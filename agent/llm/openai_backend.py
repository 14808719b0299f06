"""OpenAI-compatible chat backend on the ``openai`` client: OpenAI, DeepSeek, vLLM, Ollama, llama.cpp,
any base URL.

Retries with exponential backoff on 429, 5xx, connection errors and timeouts are the client's own
(it honours ``Retry-After``); ``timeout`` is always set (the client's default is 600 s).
"""

from __future__ import annotations

import time
from typing import Any

from optagent.agent.llm.pricing import cost, load_prices
from optagent.agent.llm.types import (
    LLMAuthError,
    LLMContextOverflow,
    LLMError,
    LLMModelNotFound,
    LLMRequest,
    LLMResponse,
    LLMTimeout,
    LLMUnavailable,
    Usage,
)

_CONTEXT_WORDS = (
    "context length",
    "context_length",
    "maximum context",
    "too many tokens",
    "prompt is too long",
)


class OpenAIBackend:
    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        prices: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        from openai import OpenAI

        self.model = model
        self.base_url = base_url
        self.model_id = f"{model}@{base_url}" if base_url else model
        self.prices = prices if prices is not None else load_prices()
        self.client = OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def _arguments(self, request: LLMRequest) -> dict[str, Any]:
        args: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            args["seed"] = request.seed
        if request.stop:
            args["stop"] = list(request.stop)
        if request.json_mode:
            args["response_format"] = {"type": "json_object"}
        return args

    def complete(self, request: LLMRequest) -> LLMResponse:
        import openai

        where = self.base_url or "api.openai.com"
        start = time.perf_counter()
        try:
            reply = self.client.chat.completions.create(**self._arguments(request))
        except openai.AuthenticationError as exc:
            raise LLMAuthError(
                f"{where} refused the API key: {exc.message}",
                hint="set OPENAI_API_KEY (or --api-key / the provider's key variable)",
            ) from None
        except openai.NotFoundError as exc:
            raise LLMModelNotFound(
                f"{where} does not know the model {self.model!r}: {exc.message}",
                hint="check --model against the server's model list",
            ) from None
        except openai.BadRequestError as exc:
            text = str(exc.message).lower()
            if any(word in text for word in _CONTEXT_WORDS):
                raise LLMContextOverflow(
                    f"the prompt does not fit the context window of {self.model!r}: {exc.message}",
                    hint="use a model with a longer context or a shorter problem text",
                ) from None
            raise LLMError(f"{where} rejected the request: {exc.message}") from None
        except openai.APITimeoutError:
            raise LLMTimeout(
                f"{where} did not answer within the timeout (after retries)",
                hint="raise --llm-timeout or check the server",
            ) from None
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise LLMUnavailable(
                f"{where} kept answering {exc.status_code} after retries: {exc.message}",
                hint="wait and rerun (finished steps are cached), or lower --workers",
            ) from None
        except openai.APIConnectionError as exc:
            raise LLMUnavailable(
                f"cannot reach {where}: {exc}", hint="check --base-url and that the server runs"
            ) from None
        except openai.APIStatusError as exc:
            raise LLMError(f"{where} answered {exc.status_code}: {exc.message}") from None
        except (openai.APIError, ValueError) as exc:  # e.g. a body that is not JSON or not an OpenAI response
            raise LLMError(
                f"{where} sent a reply that cannot be read: {exc}",
                hint="check that the server is OpenAI-compatible",
            ) from None
        latency = time.perf_counter() - start
        if not getattr(reply, "choices", None):
            raise LLMError(
                f"{where} sent a reply without choices", hint="check that the server is OpenAI-compatible"
            )
        choice = reply.choices[0]
        usage = Usage(
            getattr(reply.usage, "prompt_tokens", 0) or 0, getattr(reply.usage, "completion_tokens", 0) or 0
        )
        return LLMResponse(
            text=choice.message.content or "",
            model=reply.model or self.model,
            usage=usage,
            cost_usd=cost(self.model, usage.prompt_tokens, usage.completion_tokens, self.prices),
            latency_s=latency,
            finish_reason=choice.finish_reason or "",
        )
