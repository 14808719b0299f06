"""Local backend on ``transformers``: a local folder or hub id (optionally with a PEFT adapter), its chat
template, GPU when present, CPU otherwise. The same backend serves fine-tuned models."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from optagent.agent.llm.hf_hub import resolve_model
from optagent.agent.llm.types import LLMContextOverflow, LLMError, LLMRequest, LLMResponse, Usage
from optagent.errors import InputError


class TransformersBackend:
    def __init__(self, model: str, *, adapter: str | None = None, device: str | None = None) -> None:
        source = resolve_model(model)  # a folder, the local cache, or a clear error at once (offline)
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError:
            raise InputError(
                "the local model backend needs transformers and torch",
                hint='pip install "optagent[local]"',
            ) from None
        self.model_id = f"hf:{model}" + (f"+{adapter}" if adapter else "")
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source)
            dtype = torch.bfloat16 if self.device.startswith("cuda") else torch.float32
            self.model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype).to(self.device)
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot load the model {model!r}: {exc}",
                hint="give a local folder with config.json and tokenizer files, or a reachable hub id",
            ) from None
        if adapter is not None:
            if not Path(adapter).exists():
                raise InputError(
                    f"adapter folder {adapter} does not exist", hint="pass the folder training wrote"
                )
            from peft import PeftModel

            self.model = PeftModel.from_pretrained(self.model, adapter).to(self.device)
        self.model.eval()
        if self.tokenizer.chat_template is None:
            raise InputError(
                f"the tokenizer of {model!r} has no chat template", hint="use an instruct/chat model"
            )
        self.context = int(getattr(self.model.config, "max_position_embeddings", 0) or 0)

    def complete(self, request: LLMRequest) -> LLMResponse:
        import torch

        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
        if not isinstance(ids, torch.Tensor):  # newer tokenizers return a BatchEncoding
            ids = ids["input_ids"]
        ids = ids.to(self.device)
        prompt_tokens = int(ids.shape[-1])
        if self.context and prompt_tokens >= self.context:
            raise LLMContextOverflow(
                f"the prompt has {prompt_tokens} tokens; {self.model_id} takes {self.context}",
                hint="use a model with a longer context",
            )
        budget = (
            request.max_tokens if not self.context else min(request.max_tokens, self.context - prompt_tokens)
        )
        kwargs: dict[str, Any] = {"max_new_tokens": budget, "pad_token_id": self.tokenizer.pad_token_id}
        if kwargs["pad_token_id"] is None:
            kwargs["pad_token_id"] = self.tokenizer.eos_token_id
        if request.temperature > 0:
            kwargs.update(do_sample=True, temperature=request.temperature)
            if request.seed is not None:
                torch.manual_seed(request.seed + request.sample)
        else:
            kwargs["do_sample"] = False
        start = time.perf_counter()
        try:
            with torch.no_grad():
                out = self.model.generate(ids, attention_mask=torch.ones_like(ids), **kwargs)
        except RuntimeError as exc:
            raise LLMError(f"generation failed on {self.device}: {exc}") from None
        new = out[0, prompt_tokens:]
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        for stop in request.stop:
            text = text.split(stop)[0]
        return LLMResponse(
            text=text,
            model=self.model_id,
            usage=Usage(prompt_tokens, int(new.shape[-1])),
            cost_usd=0.0,
            latency_s=time.perf_counter() - start,
            finish_reason="length" if int(new.shape[-1]) >= budget else "stop",
        )
