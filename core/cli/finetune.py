"""``optagent finetune data|train|merge``: solver-verified data, LoRA SFT, adapter merge."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.options import json_option, make_cli_llm, positive
from optagent.cli.output import console, print_json
from optagent.errors import InputError, UsageError

SHOWN = 20  # dropped sources listed in the terminal; --json lists them all

app = typer.Typer(help="Fine-tune local models on solver-verified data.", no_args_is_help=True)


def eval_problems(root: Path, names: list[str]) -> list[tuple[str, str]]:
    from optagent.benchmarks import registry

    problems = []
    for name in names:
        problems += [(f"{name}:{p.id}", p.text) for p in registry.load(name, root)]
    return problems


@app.command("data")
def data(
    out: Path = typer.Option(..., "--out", help="Output JSONL (chat format, loadable with `datasets`)."),
    references: Path | None = typer.Option(
        None, help="LogiOR reference formulations (e.g. examples/logior)."
    ),
    nlp4lp: bool = typer.Option(
        False, "--nlp4lp", help="Use NLP4LP's OptiMUS programs that reproduce labels."
    ),
    runs: list[Path] = typer.Option(
        [], "--runs", metavar="<path>", help="Benchmark run file: its agreed, correct answers (repeatable)."
    ),
    synth: int = typer.Option(0, min=0, help="Synthetic problems to ask the teacher for (ReSocratic style)."),
    teacher: str | None = typer.Option(None, help="LLM spec of the teacher for --synth."),
    eval_sets: str = typer.Option(
        "auto", help="Datasets to keep out: auto (all present but the sources), or a,b,c."
    ),
    threshold: float = typer.Option(
        0.5, min=0.0, max=1.0, help="Shingle containment at or above which an example is dropped."
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Benchmark folder."),
    as_json: bool = json_option("the summary, with every dropped example,"),
):
    """Build multi-instruction examples, drop those resembling evaluation problems, write JSONL."""
    from optagent.agent.api import default_executor
    from optagent.benchmarks import registry
    from optagent.finetune import build
    from optagent.finetune.contamination import ContaminationIndex

    root = registry.data_dir(data_dir)
    examples, sources, notes = [], set(), []
    if references:
        examples += build.from_references(root, references)
        sources.add("logior")
    if nlp4lp:
        examples += build.from_nlp4lp(root, default_executor())
        sources.add("nlp4lp")
    if runs:
        examples += build.from_runs(runs, root)
        sources |= {
            registry.spec(e.source.split(":")[1]).benchmark for e in examples if e.source.startswith("run:")
        }
    if synth:
        kept, rejected = build.synthesize(
            make_cli_llm(teacher, None, None, None, False), default_executor(), synth
        )
        examples += kept
        notes += rejected
    if not examples:
        raise InputError("no examples were built", hint="give --references, --nlp4lp, --runs or --synth")
    if eval_sets == "auto":
        names = [s.name for s in registry.available(root) if s.benchmark not in sources]
        if sources:
            notes.append(
                f"examples come from the dev splits of {sorted(sources)}: do not report the tuned "
                "model's scores on those benchmarks"
            )
    else:
        names = [n.strip() for n in eval_sets.split(",") if n.strip()]
    kept, dropped = ContaminationIndex(eval_problems(root, names)).filter(examples, threshold)
    build.write_jsonl(kept, out)
    report = {
        **build.summary(kept),
        "dropped": [d.__dict__ for d in dropped],
        "checked_against": names,
        "notes": notes,
        "out": str(out),
    }
    if as_json:
        print_json(report)
        return
    console.print(
        f"{len(kept)} examples written to {escape(str(out))} {report['by_task']}; "
        f"{len(dropped)} dropped as too close to evaluation problems"
    )
    print_dropped(dropped)
    for note in notes:
        console.print(f"[yellow]note:[/] {escape(note)}")


def print_dropped(dropped: list, shown: int = SHOWN) -> None:
    """One line per source problem (its formulation, program and repair examples are dropped together), the
    first ``shown`` of them, then how many more."""
    by_source: dict[str, tuple[str, float, int]] = {}  # source -> (closest problem, similarity, examples)
    for d in dropped:
        matched, similarity, count = by_source.get(d.source, (d.matched, d.similarity, 0))
        if d.similarity > similarity:
            matched, similarity = d.matched, d.similarity
        by_source[d.source] = (matched, similarity, count + 1)
    for source, (matched, similarity, count) in list(by_source.items())[:shown]:
        examples = f", {count} examples" if count > 1 else ""
        console.print(f"  dropped {escape(source)} ~ {escape(matched)} (similarity {similarity}{examples})")
    if len(by_source) > shown:
        console.print(f"  ... and {len(by_source) - shown} more dropped sources (--json lists them all)")


@app.command("train")
def train(
    base: str | None = typer.Option(
        None, help="Base model: a local folder or Hub id. Required, unless --config gives it."
    ),
    data: str | None = typer.Option(
        None, help="Training JSONL from `finetune data`. Required, unless --config gives it."
    ),
    config: Path | None = typer.Option(None, help="YAML with any TrainConfig setting; flags override it."),
    output: str | None = typer.Option(None, help="Folder for checkpoints and the adapter."),
    lora_r: int | None = typer.Option(None, min=1, help="LoRA rank."),
    max_steps: int | None = typer.Option(None, min=1, help="Stop after N optimiser steps."),
    epochs: float | None = typer.Option(
        None, callback=positive, help="Epochs (when --max-steps is not given)."
    ),
    learning_rate: float | None = typer.Option(None, callback=positive, help="Learning rate."),
    qlora: bool | None = typer.Option(None, help="4-bit QLoRA (needs bitsandbytes and CUDA)."),
    resume: bool = typer.Option(False, help="Continue from the last checkpoint in --output."),
    as_json: bool = json_option("the training metrics"),
):
    """LoRA SFT with trl + peft (assistant turns only); GPU when present, CPU for tiny models."""
    from optagent.finetune.train import TrainConfig
    from optagent.finetune.train import train as run_train

    flags = {
        "base": base,
        "data": data,
        "output": output,
        "lora_r": lora_r,
        "max_steps": max_steps,
        "epochs": epochs,
        "learning_rate": learning_rate,
        "qlora": qlora,
    }
    if config is not None:
        settings = TrainConfig.from_yaml(config, **flags)
    else:
        if not base or not data:
            raise UsageError(
                "--base and --data are required", hint="give both, or --config FILE.yaml that sets them"
            )
        settings = TrainConfig(**{k: v for k, v in flags.items() if v is not None})
    metrics = run_train(settings, resume=resume)
    if as_json:
        print_json(metrics)
        return
    console.print(
        f"trained {metrics['steps']} steps; train loss {metrics['train_loss']:.4f}"
        + (f", eval loss {metrics['eval_loss']:.4f}" if "eval_loss" in metrics else "")
        + f"; adapter in {escape(settings.output)} (use --model hf:BASE+{escape(settings.output)})"
    )


@app.command("merge")
def merge(
    base: str = typer.Option(..., help="Base model."),
    adapter: str = typer.Option(..., help="Adapter folder from training."),
    output: str = typer.Option(..., help="Folder for the merged model."),
):
    """Merge base + adapter into one model folder (for --model hf:FOLDER or a vLLM server)."""
    from optagent.finetune.train import merge as run_merge

    console.print(f"merged model written to {escape(str(run_merge(base, adapter, output)))}")
