"""Fine-tuning on solver-verified data: example building, contamination check, LoRA SFT, merge."""
