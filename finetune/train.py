"""LoRA (or QLoRA) supervised fine-tuning with trl + peft on transformers; loss on assistant turns only.

GPU when present (bf16, gradient checkpointing); a CPU run is allowed for tiny models (tests). Checkpoints
every ``save_steps``; ``resume=True`` continues from the last one. The adapter is saved in ``output``;
``merge`` writes base + adapter as one model that the agent's local backend (or vLLM) loads directly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from optagent.agent.llm.hf_hub import resolve_model
from optagent.errors import InputError


@dataclass
class TrainConfig:
    base: str
    data: str
    output: str = "runs/finetune"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    learning_rate: float = 2e-4
    epochs: float = 2.0
    max_steps: int = -1
    batch_size: int = 2
    grad_accum: int = 4
    max_length: int = 4096
    packing: bool = False
    eval_fraction: float = 0.1
    save_steps: int = 50
    logging_steps: int = 5
    seed: int = 0
    qlora: bool = False
    gradient_checkpointing: bool = True
    report_to: list[str] = field(default_factory=lambda: ["auto"])  # tensorboard when installed; or wandb

    def __post_init__(self) -> None:
        if self.lora_r < 1 or self.batch_size < 1 or self.grad_accum < 1 or not 0 <= self.eval_fraction < 1:
            raise InputError("lora_r, batch_size, grad_accum >= 1 and 0 <= eval_fraction < 1 are required")
        if not Path(self.data).exists():
            raise InputError(
                f"training data {self.data} does not exist", hint="build it with `optagent finetune data`"
            )

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read the config {path}: {exc}") from None
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"unknown settings in {path}: {', '.join(unknown)}", hint=f"known: {sorted(known)}"
            )
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)


def _dataset(path: str, eval_fraction: float, seed: int):
    from datasets import load_dataset

    dataset = load_dataset("json", data_files=path, split="train").select_columns(["messages"])
    if eval_fraction and len(dataset) >= 10:
        split = dataset.train_test_split(test_size=eval_fraction, seed=seed)
        return split["train"], split["test"]
    return dataset, None


StepReport = Callable[[int, int, float | None], None]  # (steps done, steps in all, last logged loss)


def train(config: TrainConfig, *, resume: bool = False, on_step: StepReport | None = None) -> dict[str, Any]:
    """Run the SFT; returns the final metrics (train loss, eval loss, steps) and writes them to output.
    ``on_step`` replaces the trainer's own progress bar and printed log lines."""
    base = resolve_model(config.base, "base model")  # before the heavy imports: an offline id fails at once
    import torch
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    cuda = torch.cuda.is_available()
    os.makedirs(config.output, exist_ok=True)
    tokenizer = _load(AutoTokenizer.from_pretrained, base, config.base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if "generation" not in (tokenizer.chat_template or ""):
        raise InputError(
            f"the chat template of {config.base} has no {{% generation %}} markers, so the loss cannot be "
            "restricted to assistant turns",
            hint="use a tokenizer whose template marks assistant turns (most recent chat models do)",
        )
    model_kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if cuda else torch.float32}
    if config.qlora:
        try:
            from transformers import BitsAndBytesConfig

            model_kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
            )
        except ImportError:
            raise InputError(
                "QLoRA needs bitsandbytes on a CUDA machine", hint="pip install bitsandbytes"
            ) from None
    model = _load(AutoModelForCausalLM.from_pretrained, base, config.base, **model_kwargs)
    train_set, eval_set = _dataset(config.data, config.eval_fraction, config.seed)
    args = SFTConfig(
        output_dir=config.output,
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        max_length=config.max_length,
        packing=config.packing,
        assistant_only_loss=True,
        bf16=cuda,
        use_cpu=not cuda,
        **{_checkpointing_flag(): config.gradient_checkpointing and cuda},
        save_steps=config.save_steps,
        logging_steps=config.logging_steps,
        eval_strategy="steps" if eval_set is not None else "no",
        eval_steps=config.save_steps,
        report_to=_loggers(config.report_to),
        seed=config.seed,
    )
    peft_config = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=config.target_modules,
        task_type="CAUSAL_LM",
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    counter = _step_counter(on_step)
    trainer.add_callback(counter)
    if on_step is not None:
        from transformers.trainer_callback import PrinterCallback, ProgressCallback

        trainer.remove_callback(ProgressCallback)
        trainer.remove_callback(PrinterCallback)
    checkpoints = sorted(Path(config.output).glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    checkpoint = checkpoints[-1] if resume and checkpoints else None
    output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    trainer.save_model(config.output)
    tokenizer.save_pretrained(config.output)
    metrics = {
        "train_loss": output.training_loss,
        "steps": trainer.state.global_step,
        "steps_run": counter.steps,
        "resumed_from": str(checkpoint) if checkpoint else None,
        "losses": [e["loss"] for e in trainer.state.log_history if "loss" in e],
    }
    if eval_set is not None:
        metrics["eval_loss"] = trainer.evaluate()["eval_loss"]
    (Path(config.output) / "optagent-train.json").write_text(
        json.dumps({"config": asdict(config), "metrics": metrics}, indent=1), encoding="utf-8"
    )
    return metrics


def _load(loader: Any, source: str, name: str, **kwargs: Any) -> Any:
    """A tokenizer or model from a folder; files that are missing or unreadable are the user's to fix."""
    try:
        return loader(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot load the base model {name!r}: {exc}",
            hint="give a model folder with config.json, weights and tokenizer files, or a Hub id",
        ) from None


def _loggers(requested: list[str]) -> list[str]:
    if requested != ["auto"]:
        return requested
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return []
    return ["tensorboard"]


def _checkpointing_flag() -> str:
    """transformers 5 renamed ``gradient_checkpointing`` (and warns on the old name); 4.x has only that."""
    from transformers import TrainingArguments

    known = TrainingArguments.__dataclass_fields__
    return "activation_checkpointing" if "activation_checkpointing" in known else "gradient_checkpointing"


def _step_counter(on_step: StepReport | None) -> Any:
    """A callback counting the optimiser steps run in this call (a resumed run starts at its checkpoint),
    reporting each to ``on_step`` with the last loss logged."""
    from transformers import TrainerCallback

    class StepCounter(TrainerCallback):
        steps = 0
        loss: float | None = None

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            if logs and "loss" in logs:
                self.loss = float(logs["loss"])
                if on_step is not None:
                    on_step(state.global_step, state.max_steps, self.loss)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.steps += 1
            if on_step is not None:
                on_step(state.global_step, state.max_steps, self.loss)

    return StepCounter()


def merge(base: str, adapter: str, output: str) -> Path:
    """Base model + LoRA adapter -> one model folder (loadable by transformers, vLLM, --model hf:OUTPUT)."""
    if not Path(adapter).exists():
        raise InputError(f"adapter folder {adapter} does not exist", hint="pass the --output of training")
    base = resolve_model(base, "base model")
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter)
    merged = model.merge_and_unload()
    merged.save_pretrained(output)
    AutoTokenizer.from_pretrained(adapter).save_pretrained(output)
    return Path(output)
