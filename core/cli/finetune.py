"""``optagent finetune data|train|merge``: solver-verified data, LoRA SFT, adapter merge."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from optagent.cli.options import json_option, make_cli_llm, positive
from optagent.cli.output import console, print_json, progress_bar, quiet_libraries
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
    from optagent.benchmarks import registry
    from optagent.finetune import build
    from optagent.finetune.contamination import ContaminationIndex

    root = registry.data_dir(data_dir)
    examples, sources, notes = [], set(), []
    if references:
        examples += build.from_references(root, references)
        sources.add("logior")
    if nlp4lp:
        from optagent.agent.api import default_executor

        examples += build.from_nlp4lp(root, default_executor())
        sources.add("nlp4lp")
    if runs:
        examples += build.from_runs(runs, root)
        sources |= {
            registry.spec(e.source.split(":")[1]).benchmark for e in examples if e.source.startswith("run:")
        }
    if synth:
        from optagent.agent.api import default_executor

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
                f"examples come from {', '.join(sorted(sources))}: do not report the tuned model's scores "
                "on them"
            )
    else:
        names = [n.strip() for n in eval_sets.split(",") if n.strip()]
    problems = eval_problems(root, names)
    if not problems:
        where = f"no dataset was found under {root}" if eval_sets == "auto" else "--eval-sets holds none"
        notes.append(
            f"not checked for contamination: {where} (give --data-dir, or --eval-sets with the sets or "
            "JSONL files you will evaluate on)"
        )
    kept, dropped = ContaminationIndex(problems).filter(examples, threshold)
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
    tasks = ", ".join(f"{count} {task.replace('_to_', ' -> ')}" for task, count in report["by_task"].items())
    console.print(
        f"{len(kept)} examples written to {escape(str(out))}" + (f" ({escape(tasks)})" if tasks else ""),
        highlight=False,
    )
    if problems:
        console.print(
            f"checked against {len(problems):,} problems of {len(names)} evaluation "
            f"set{'s' if len(names) > 1 else ''}: {len(dropped)} dropped as too close to evaluation problems",
            highlight=False,
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
    quiet_libraries()
    if config is not None:
        settings = TrainConfig.from_yaml(config, **flags)
    else:
        if not base or not data:
            raise UsageError(
                "--base and --data are required", hint="give both, or --config FILE.yaml that sets them"
            )
        settings = TrainConfig(**{k: v for k, v in flags.items() if v is not None})
    if as_json:
        print_json(run_train(settings, resume=resume, on_step=lambda *_: None))  # stdout: the JSON alone
        return
    steps = settings.max_steps if settings.max_steps > 0 else None  # known once the data is loaded
    with progress_bar(f"LoRA training on {settings.data}", steps) as update:

        def on_step(done: int, total: int, loss: float | None) -> None:
            update(done, "" if loss is None else f"loss {loss:.4f}", total=total)

        metrics = run_train(settings, resume=resume, on_step=on_step)
    console.print(
        f"trained {metrics['steps']} steps; train loss {metrics['train_loss']:.4f}"
        + (f", eval loss {metrics['eval_loss']:.4f}" if "eval_loss" in metrics else "")
        + f"; adapter in {escape(settings.output)} (use --model hf:{escape(settings.base)}+"
        f"{escape(settings.output)})",
        highlight=False,
    )


@app.command("tiny-model")
def tiny_model(
    folder: Path = typer.Argument(..., help="Folder to write the model and its tokenizer to."),
):
    """A tiny random Llama and a tokenizer trained here: try data, train and --model hf: offline."""
    from optagent.finetune.tiny_model import MARKER, build_tiny_model

    quiet_libraries()
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise InputError(f"{folder} is not empty and holds no tiny model", hint="give a new folder")
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file", hint="give a new folder")
    built = build_tiny_model(folder)
    console.print(
        f"tiny model written to {escape(str(folder))}: a random 2-layer Llama, {built.parameters:,} "
        f"parameters, context {built.context:,} tokens, a tokenizer of {built.vocab_size:,} tokens trained "
        "on the agent's prompts (random weights: it shows the plumbing, not skill)",
        highlight=False,
    )


@app.command("merge")
def merge(
    base: str = typer.Option(..., help="Base model."),
    adapter: str = typer.Option(..., help="Adapter folder from training."),
    output: str = typer.Option(..., help="Folder for the merged model."),
):
    """Merge base + adapter into one model folder (for --model hf:FOLDER or a vLLM server)."""
    from optagent.finetune.train import merge as run_merge

    quiet_libraries()
    console.print(f"merged model written to {escape(str(run_merge(base, adapter, output)))}")
