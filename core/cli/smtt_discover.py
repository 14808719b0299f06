"""``optagent smtt discover``: evolve SMTT heuristics with an LLM; progress, summary, best programs,
the Pareto front on a test set."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from optagent.cli.options import API_KEY, BASE_URL, LLM_TIMEOUT, MODEL, NO_CACHE, json_option, make_cli_llm
from optagent.cli.output import console, err_console, print_json, print_written
from optagent.errors import InputError


def discover(
    model: str | None = MODEL,
    base_url: str | None = BASE_URL,
    api_key: str | None = API_KEY,
    llm_timeout: float | None = LLM_TIMEOUT,
    no_cache: bool = NO_CACHE,
    calls: int = typer.Option(
        20, "--calls", "--budget", min=1, help="LLM calls in all (a rerun with the same --out continues)."
    ),
    time_budget: float = typer.Option(
        0.02,
        "--time-budget",
        min=0.0001,
        max=60.0,
        help="CPU seconds per instance, enforced by the evaluator in the sandbox.",
    ),
    time_weight: float = typer.Option(
        0.1, min=0.0, help="Fitness points charged for spending the whole time budget."
    ),
    sizes: str = typer.Option("25,50", help="Training sizes (jobs); optima are proven and cached."),
    per_class: int = typer.Option(8, min=1, help="Training instances per (R, T) class and size."),
    training_seed: int = typer.Option(2025, min=0, help="Seed of the generated training instances."),
    islands: int = typer.Option(4, min=1, help="Islands (populations that evolve apart)."),
    reset_every: int = typer.Option(
        20, min=1, help="LLM calls between resets of the worse half of the islands."
    ),
    max_prompt_chars: int = typer.Option(16000, min=2000, help="Prompts are shortened to fit this size."),
    executor: str = typer.Option("local", help="local (sandbox worker pool) or ray (a Ray cluster)."),
    address: str | None = typer.Option(None, help="Ray address with --executor ray (default: a local Ray)."),
    workers: int = typer.Option(
        2, min=1, help="Sandbox jobs at once (pool size, or Ray CPUs of a local Ray)."
    ),
    out: Path = typer.Option(Path("runs/smtt-discovery"), help="Folder for the log, best programs, reports."),
    test_set: str = typer.Option(
        "n100", "--test-set", help="Pareto front and test table on this set ('none': skip)."
    ),
    test_limit: int | None = typer.Option(None, min=1, help="Only the first N instances of the test set."),
    pareto_budgets: str | None = typer.Option(
        None, help="Comma-separated CPU budgets (s) for the Pareto front (default: --time-budget)."
    ),
    top: int = typer.Option(3, min=1, help="Best candidates written out and measured on the test set."),
    seed: int = typer.Option(0, min=0, help="Random seed of the search."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Folder holding smtt/ (default: $OPTAGENT_BENCHMARKS)."
    ),
    as_json: bool = json_option("the summary"),
):
    """Evolve SMTT heuristics (rule + improvement step) with an LLM; sandboxed, budgeted, resumable."""
    from optagent.benchmarks.smtt.discovery import Discovery, Evaluator, Settings, TrainingSpec, load_training
    from optagent.benchmarks.smtt.discovery.executors import make_executor
    from optagent.benchmarks.smtt.discovery.progress import SearchProgress
    from optagent.cli.smtt import _instances

    budgets = _budgets(pareto_budgets, time_budget)
    spec = TrainingSpec(_sizes(sizes), per_class, training_seed)
    settings = Settings(
        islands=islands, reset_every=reset_every, seed=seed, max_prompt_chars=max_prompt_chars
    )
    tests = None if test_set.lower() == "none" else _instances(test_set, data_dir, None, test_limit)
    set_label = f"{test_set} (first {len(tests)})" if tests is not None and test_limit else test_set
    llm = make_cli_llm(model, base_url, api_key, llm_timeout, no_cache)
    if hasattr(llm, "all_temperatures"):
        llm.all_temperatures = True  # every call has its own sample index: a rerun replays from the cache
    with _steps(as_json) as note:
        training = load_training(
            spec, progress=lambda done, total: note(f"proving training optima {done}/{total}")
        )
    pool = make_executor(executor, workers, address)
    try:
        evaluator = Evaluator(
            training.instances, pool, budget_s=time_budget, time_weight=time_weight, parallel=workers
        )
        search = Discovery(
            llm,
            evaluator,
            out / "candidates.jsonl",
            settings=settings,
            training=spec.describe(),
            training_key=spec.key,
        )
        try:
            if as_json:
                ranked = search.run(calls)
            else:
                with SearchProgress(search, calls, err_console) as progress:
                    ranked = search.run(calls, on_event=progress.event)
        except KeyboardInterrupt:
            where = escape(str(search.journal.path))
            err_console.print(
                f"interrupted; {len(search.candidates)} candidates are in {where}: "
                "run the same command again to continue"
            )
            raise typer.Exit(130) from None
        summary = _discovery_summary(search, ranked, training, out, top)
        if tests is not None:
            with _steps(as_json) as note:
                found = [c for c in ranked if c.status == "accepted"][:top]  # the seeds are the baselines
                summary["pareto"] = _pareto(found, tests, set_label, pool, budgets, workers, out, note)
    finally:
        pool.close()
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if as_json:
        print_json(summary)
        return
    training = summary["training"]
    table = Table(
        "candidate",
        "idea",
        "fitness",
        "gap % [95 % CI]",
        "CPU ms",
        "against the champion",
        title=f"The best {len(summary['best'])} of {summary['candidates']} candidates on the training set "
        f"({training['spec']}; {training['instances']} in all), CPU budget {summary['budget_s'] * 1000:g} ms "
        "per instance",
        title_justify="left",
    )
    for row in summary["best"]:
        table.add_row(
            f"{row['id']} ({row['operator']})",
            escape(row["idea"]),
            f"{row['fitness']:.4f}",
            f"{row['gap']:.3f} [{row['ci'][0]:.3f}, {row['ci'][1]:.3f}]",
            f"{row['cpu_ms']:.3g}",
            escape(row["against_champion"]),
        )
    console.print(table)
    rejected = ", ".join(f"{reason} {count}" for reason, count in summary["rejected"].items()) or "none"
    console.print(
        f"{summary['calls_used']} LLM calls, {summary['candidates']} candidates ({summary['accepted']} "
        f"accepted), rejected: {rejected}; largest prompt {summary['prompt_chars']['max']:,} characters",
        highlight=False,
    )
    if "pareto" in summary:
        console.print((out / "pareto.md").read_text(encoding="utf-8"), highlight=False, soft_wrap=True)
    print_written(
        search.journal.path,
        *summary["files"],
        out / "summary.json",
        "pareto" in summary and out / "pareto.md",
    )


def _sizes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--sizes {text!r} is not a list of job counts", hint="e.g. --sizes 25,50") from None


def _budgets(text: str | None, default: float) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()] if text else [default]
    except ValueError:
        raise InputError(
            f"--pareto-budgets {text!r} is not a list of seconds", hint="e.g. 0.005,0.02"
        ) from None
    if not values or not all(math.isfinite(v) and 0 < v <= 60 for v in [default, *values]):
        raise InputError(
            "time budgets must be positive numbers of seconds (at most 60)", hint="e.g. --time-budget 0.02"
        )
    return values


@contextmanager
def _steps(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A one-line status on stderr for the steps around the search (nothing with --json)."""
    if quiet:
        yield lambda text: None
        return
    with err_console.status("") as status:
        yield lambda text: status.update(escape(text))


def _against(search, candidate) -> str:
    """How a candidate stands against the champion on the training set (paired bootstrap)."""
    from optagent.benchmarks.smtt.discovery.fitness import compare

    champion = search.champion
    if champion is None or candidate is champion:
        return "champion"
    c = compare(
        search.evaluator.bootstrap, candidate.values, candidate.score, champion.values, champion.score
    )
    verdict = "worse" if c.worse else "better" if c.better else "within the noise"
    return f"{verdict} ({c.difference:+.4f} [{c.ci[0]:+.4f}, {c.ci[1]:+.4f}])"


def _discovery_summary(search, ranked: list, training, out: Path, top: int) -> dict:
    from optagent.benchmarks.smtt.discovery.files import write_best

    files = write_best(out, ranked, search.evaluator.budget_s, training.spec.describe(), top)
    prompts = sorted(c.prompt_chars for c in search.candidates if c.prompt_chars)
    champion = search.champion
    return {
        "log": str(search.journal.path),
        "model": search.header["model"],
        "prompts": search.header["prompts"],
        "training": {
            "spec": training.spec.describe(),
            "instances": len(training.instances),
            "unproven_left_out": training.unproven,
            "optima_cache": str(training.path),
        },
        "budget_s": search.evaluator.budget_s,
        "time_weight": search.evaluator.time_weight,
        "calls_used": search.calls_used,
        "candidates": len(search.candidates),
        "accepted": sum(c.status == "accepted" for c in search.candidates),
        "rejected": dict(search.rejections().most_common()),
        "tokens": sum(c.tokens for c in search.candidates),
        "cost_usd": sum(c.cost_usd or 0.0 for c in search.candidates),
        "prompt_chars": {
            "max": prompts[-1] if prompts else 0,
            "median": prompts[len(prompts) // 2] if prompts else 0,
        },
        "champion": champion.id if champion else None,
        "best": [
            {
                "id": c.id,
                "idea": c.idea,
                "operator": c.operator,
                "parents": list(c.parents),
                "fitness": c.score.fitness,
                "gap": c.score.gap,
                "ci": list(c.score.ci),
                "cpu_ms": c.score.cpu_ms,
                "optimal": c.score.optimal,
                "against_champion": _against(search, c),
            }
            for c in ranked[:top]
        ],
        "files": [str(p) for p in files],
    }


def _pareto(best: list, tests: list, set_name: str, pool, budgets, workers: int, out: Path, note) -> dict:
    from optagent.benchmarks.smtt.discovery import pareto

    programs = [pareto.Program(f"candidate {c.id}", "discovered", c.code) for c in best]
    programs += pareto.baselines()
    total = len(programs) * len(budgets)
    done = [0]

    def on_point(point) -> None:
        done[0] += 1
        note(f"Pareto front on {set_name}: {done[0]}/{total} ({point.label} at {point.budget_s:g} s)")

    points = pareto.measure(
        programs, tests, pool, budgets, set_name=set_name, parallel=workers, on_point=on_point
    )
    note(f"Pareto front on {set_name}: the compiled built-in rules")
    points += pareto.built_in(pareto.BUILT_IN, tests, set_name)
    (out / "pareto.md").write_text(pareto.markdown(points, set_name), encoding="utf-8")
    return {"set": set_name, "budgets_s": budgets, "points": [dataclasses.asdict(p) for p in points]}
