"""``optagent bench datasets|run|report|audit``: honest, resumable benchmark runs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from optagent.cli.output import console, err_console, print_json
from optagent.errors import InputError

app = typer.Typer(help="Benchmark datasets, runs, reports and label audits.", no_args_is_help=True)
DATA = typer.Option(
    None, "--data-dir", help="Folder with the original files [default: $OPTAGENT_BENCHMARKS]."
)


@app.command("datasets")
def datasets(data_dir: Path | None = DATA, as_json: bool = typer.Option(False, "--json")):
    """Every dataset found: problem count, version hash and the scoring rules it supports."""
    from optagent.benchmarks import registry

    root = registry.data_dir(data_dir)
    rows = []
    for spec in registry.SPECS:
        path = root / spec.path
        row = {
            "name": spec.name,
            "benchmark": spec.benchmark,
            "path": str(path),
            "found": path.exists(),
            "rules": ["strict", *spec.rules],
            "hub": spec.hub,
        }
        if path.exists():
            problems = registry.load(spec.name, root)
            row.update(
                problems=len(problems),
                version=registry.version_hash(problems),
                infeasible_labels=sum(p.expected.infeasible for p in problems),
            )
        rows.append(row)
    if as_json:
        print_json({"data_dir": str(root), "datasets": rows})
        return
    table = Table(title=f"Datasets under {root}")
    for column in ("dataset", "benchmark", "problems", "infeasible", "version", "rules"):
        table.add_column(column)
    for r in rows:
        if r["found"]:
            table.add_row(
                r["name"],
                r["benchmark"],
                str(r["problems"]),
                str(r["infeasible_labels"]),
                r["version"],
                ", ".join(r["rules"]),
            )
        else:
            table.add_row(r["name"], r["benchmark"], "[dim]not found[/]", "", "", ", ".join(r["rules"]))
    console.print(table)


@app.command("run")
def run(
    dataset: str = typer.Argument(..., help="Dataset name (see `bench datasets`)."),
    model: str | None = typer.Option(None, "--model", "-m", help="LLM spec, e.g. gpt-4o."),
    base_url: str | None = typer.Option(None, help="OpenAI-compatible server URL."),
    api_key: str | None = typer.Option(None, help="API key."),
    mode: str = typer.Option("full", help="full, ir, code or five-element."),
    solver: str = typer.Option("auto", help="auto, highs, scip or gurobi."),
    budget: int = typer.Option(4, help="Repair attempts per problem."),
    limit: int | None = typer.Option(None, help="Only the first N problems."),
    ids: str | None = typer.Option(None, help="Comma-separated problem ids."),
    workers: int = typer.Option(2, help="Problems solved concurrently."),
    out: Path | None = typer.Option(None, help="Run file (JSONL) [default: runs/DATASET-MODE.jsonl]."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit per solve."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not use the LLM response cache."),
    isolation: str | None = typer.Option(
        None,
        "--isolation",
        help="Sandbox for generated code: bwrap (default), or weaker by choice: unshare, rlimits.",
    ),
    data_dir: Path | None = DATA,
):
    """Solve a dataset with the agent; interrupted runs resume where they stopped when rerun."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from optagent.agent.api import default_executor
    from optagent.agent.config import RunConfig
    from optagent.benchmarks import registry
    from optagent.cli.solve import make_cli_llm
    from optagent.evaluation.runner import run_benchmark
    from optagent.sandbox.isolation import choose, describe

    config = RunConfig(mode=mode, solver=solver, budget=budget, time_limit=time_limit)
    problems = registry.load(dataset, registry.data_dir(data_dir))
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        missing = sorted(set(wanted) - {p.id for p in problems})
        if missing:
            raise InputError(
                f"unknown problem ids in {dataset}: {', '.join(missing[:10])}",
                hint="ids are as in the dataset (see the run records)",
            )
        problems = [p for p in problems if p.id in wanted]
    if limit is not None:
        problems = problems[: max(0, limit)]
    if workers < 1:
        raise InputError("--workers must be at least 1", hint="e.g. --workers 2")
    out = out or Path("runs") / f"{dataset}-{mode}.jsonl"
    err_console.print(describe(choose(isolation)), highlight=False)  # the sandbox level in force
    llm = make_cli_llm(model, base_url, api_key, 120.0, no_cache)
    new = {"correct": 0, "done": 0}  # records written by this invocation (a resumed run has older ones)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[accuracy]}"),
        console=err_console,
    ) as progress:
        task = progress.add_task(dataset, total=len(problems), accuracy="")

        def on_record(record: dict, finished: int, total: int) -> None:
            new["correct"] += bool(record["scores"].get("strict"))
            new["done"] += 1
            progress.update(task, completed=finished, accuracy=f"strict {new['correct']}/{new['done']} new")

        try:
            records = run_benchmark(
                problems,
                out,
                llm=llm,
                executor=default_executor(),
                config=config,
                workers=workers,
                on_record=on_record,
            )
        except KeyboardInterrupt:
            err_console.print(f"interrupted; finished records are in {out}: rerun the same command to resume")
            raise typer.Exit(130) from None
    strict = sum(bool(r["scores"].get("strict")) for r in records)
    console.print(f"{len(records)} records in {escape(str(out))}; strict accuracy {strict}/{len(records)}")


@app.command("report")
def report(
    runs: list[Path] = typer.Argument(..., help="Run files; the first is the baseline for comparisons."),
    md: Path | None = typer.Option(None, "--md", help="Write the Markdown report here."),
    html: Path | None = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    tolerance: float | None = typer.Option(None, help="Also score at this tolerance (no LLM needed)."),
    kind: str = typer.Option("relative", help="relative (|p-g|/(|g|+1)) or absolute, for --tolerance."),
    triage_time: float = typer.Option(
        2.0, "--triage-time", min=0.1, help="Seconds per solve when the misses are triaged."
    ),
):
    """Accuracy under every rule, verdict precision, readings, miss triage, breakdowns, cost, diffs.

    Printed rendered in a terminal and as Markdown into a pipe or file."""
    from optagent.evaluation.report import html_report, load_runs, markdown, triage_runs
    from optagent.evaluation.scoring import custom_rule
    from optagent.reporting.terminal import ReportMarkdown

    if kind not in ("relative", "absolute"):
        raise InputError(f"unknown tolerance kind {kind!r}", hint="relative or absolute")
    loaded = load_runs(list(runs))
    extra = [custom_rule(tolerance, kind)] if tolerance is not None else []
    with err_console.status("triaging the misses") as status:
        found = triage_runs(
            loaded, triage_time, lambda k, n: status.update(f"triaging the misses: {k}/{n} (no LLM)")
        )
    text = markdown(loaded, extra, triage=found, triage_seconds=triage_time)
    if md:
        md.write_text(text, encoding="utf-8")
    if html:
        html.write_text(
            html_report(loaded, extra, triage=found, triage_seconds=triage_time), encoding="utf-8"
        )
    if not md and not html:
        if console.is_terminal:
            console.print(ReportMarkdown(text))
        else:
            typer.echo(text, nl=False)  # a pipe or a file gets the Markdown itself
    else:
        console.print("written: " + ", ".join(str(p) for p in (md, html) if p))


@app.command("audit")
def audit(
    dataset: str = typer.Argument(..., help="Dataset to audit."),
    references: Path = typer.Option(Path("examples/logior"), help="IR reference models (LogiOR)."),
    data_dir: Path | None = DATA,
    as_json: bool = typer.Option(False, "--json"),
):
    """Labels that disagree with reference models, and with other copies of the same benchmark."""
    from optagent.benchmarks import registry
    from optagent.evaluation import audit as audits

    root = registry.data_dir(data_dir)
    registry.load(dataset, root)  # a clear error when the dataset is absent
    summary, rows = [], []
    if dataset == "logior":
        if not references.exists():
            raise InputError(f"reference folder {references} does not exist", hint="pass --references DIR")
        checked, found = audits.logior_references(root, references)
        summary.append(f"reference models: {checked} checked, {len(found)} disagree")
        rows += found
    elif dataset == "nlp4lp-orthought":
        checked, found = audits.nlp4lp_references(root)
        summary.append(f"reference programs: {checked} run, {len(found)} do not match")
        rows += found
    for other, matched, found in audits.cross_version(dataset, root):
        summary.append(f"vs {other}: {matched} problems matched, {len(found)} labels differ")
        rows += found
    if as_json:
        print_json({"summary": summary, "rows": [r.__dict__ for r in rows]})
        return
    for line in summary:
        console.print(line)
    table = Table(title=f"Label audit of {dataset}")
    for column in ("kind", "datasets", "problem", "label", "other", "note"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.kind, r.dataset, r.problem, r.label, r.other, escape(r.note))
    console.print(table)
