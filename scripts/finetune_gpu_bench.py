"""LoRA training throughput on a CUDA GPU with a randomly initialised model of realistic shape (no download).

Usage: python scripts/finetune_gpu_bench.py [--shape qwen2.5-0.5b|qwen2.5-1.5b] [--steps 30] [--seq 2048]
       [--batch 4] [--lora-r 16]
Prints tokens/s, peak GPU memory and step time (median after warm-up). Needs CUDA torch, transformers, peft.
"""

from __future__ import annotations

import argparse
import statistics
import time

SHAPES = {  # the published Qwen2.5 configurations
    "qwen2.5-0.5b": dict(
        hidden_size=896,
        intermediate_size=4864,
        num_hidden_layers=24,
        num_attention_heads=14,
        num_key_value_heads=2,
    ),
    "qwen2.5-1.5b": dict(
        hidden_size=1536,
        intermediate_size=8960,
        num_hidden_layers=28,
        num_attention_heads=12,
        num_key_value_heads=2,
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="qwen2.5-0.5b")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seq", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--lora-r", type=int, default=16)
    args = parser.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Qwen2Config, Qwen2ForCausalLM

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this benchmark measures GPU training only")
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=151936, max_position_embeddings=32768, tie_word_embeddings=True, **SHAPES[args.shape]
    )
    model = Qwen2ForCausalLM(config).to(dtype=torch.bfloat16, device="cuda")
    model.gradient_checkpointing_enable()
    model.enable_input_require_grads()
    lora = LoraConfig(
        r=args.lora_r,
        lora_alpha=2 * args.lora_r,
        lora_dropout=0.05,
        task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    )
    model = get_peft_model(model, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
    torch.cuda.reset_peak_memory_stats()
    times = []
    for step in range(args.warmup + args.steps):
        ids = torch.randint(0, config.vocab_size, (args.batch, args.seq), device="cuda")
        torch.cuda.synchronize()
        start = time.perf_counter()
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    step_time = statistics.median(times)
    print(
        f"device: {torch.cuda.get_device_name()}; shape {args.shape} ({total / 1e6:.0f} M parameters, "
        f"{trainable / 1e6:.1f} M trainable, LoRA r={args.lora_r}); "
        f"batch {args.batch} x {args.seq} tokens, bf16, "
        "gradient checkpointing"
    )
    print(
        f"step time (median of {args.steps}): {step_time:.3f} s; "
        f"throughput {args.batch * args.seq / step_time:,.0f} tokens/s; "
        f"peak memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB; final loss {loss.item():.3f}"
    )


if __name__ == "__main__":
    main()
