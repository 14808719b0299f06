"""A tiny randomly initialised Llama with a BPE tokenizer trained on the spot, saved like a Hub model.

Nothing is downloaded: it lets ``finetune train``, ``finetune merge`` and ``--model hf:FOLDER[+ADAPTER]`` run
offline, in seconds on a CPU (the tests and the README's offline demo use it). Its weights are random, so it
shows the plumbing, not skill. The tokenizer is trained on the agent's own prompt templates, so the training
examples, which are rendered with them, stay short.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}<|assistant|>\n{% generation %}{{ message['content'] }}<|end|>\n"
    "{% endgeneration %}"
    "{% else %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
MARKER = "optagent-tiny-model.json"  # a folder holding it may be rebuilt (the build is deterministic)
SPECIAL = ["<|pad|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>"]
CORPUS = [
    "Maximize profit subject to capacity constraints and demand.",
    '{"name": "production_mix", "problem_type": "LP", "sets": [], "variables": []}',
    "import pyomo.environ as pyo\ndef solve():\n    return {'status': 'optimal', 'objective': 1.0}",
    "sum(cost[i] * x[i] for i in I) <= budget",
] * 20


@dataclass(frozen=True)
class TinyModel:
    folder: Path
    parameters: int
    vocab_size: int
    context: int


def prompt_texts() -> list[str]:
    """The agent's prompt templates (the text that makes up most of every training example)."""
    folder = resources.files("optagent.prompts").joinpath("templates")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name)
    return [f.read_text(encoding="utf-8") for f in files]


def build_tiny_model(folder: Path, *, vocab_size: int = 1000, context: int = 2048) -> TinyModel:
    """Write a random two-layer ``LlamaForCausalLM`` (hidden size 32, seed 0) and its tokenizer, with a chat
    template that marks assistant turns (so training can put the loss on them alone), into ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    torch.manual_seed(0)
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS + prompt_texts(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|end|>", bos_token=None, unk_token=None
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=context,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    (folder / MARKER).write_text('{"built_by": "optagent finetune tiny-model"}\n', encoding="utf-8")
    return TinyModel(folder, model.num_parameters(), len(tokenizer), context)
