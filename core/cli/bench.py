"""``optagent bench datasets|run|report|audit``: honest, resumable benchmark runs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from optagent.cli.options import (
    API_KEY,
    BASE_URL,
    LLM_TIMEOUT,
    MODEL,
    NO_CACHE,
    json_option,
    make_cli_llm,
    positive,
    time_limit_option,
)
from optagent.cli.output import PIPE_WIDTH, console, err_console, print_json, write_output
from optagent.errors import InputError

app = typer.Typer(help="Benchmark datasets, runs, reports, exports and label audits.", no_args_is_help=True)
DATA = typer.Option(
    None,
    "--data-dir",
    help="Folder with the original files (default: $OPTAGENT_BENCHMARKS, else ../shared/benchmarks).",
)


@app.command("datasets")
def datasets(data_dir: Path | None = DATA, as_json: bool = json_option("the list")):
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
    title = f"Datasets under {escape(str(root))}"
    table = datasets_table(rows, title, rules=True)
    natural = console.measure(table, options=console.options.update(width=PIPE_WIDTH)).maximum
    if natural > console.width:  # a narrow terminal: the rules give way
        table = datasets_table(rows, title, rules=False)
    console.print(table)


def datasets_table(rows: list[dict], title: str, *, rules: bool) -> Table:
    """Names users type and version hashes are never cut or wrapped; without ``rules`` the table fits an
    80-column terminal, and the caption says where the rules are."""
    strict = "every dataset is also scored by the strict rule |pred - gt| / (|gt| + 1) < 1e-6"
    caption = strict if rules else f"Published rules: --json or a wider terminal; {strict}."
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, caption=caption, caption_justify="left"
    )
    whole = {"no_wrap": True, "overflow": "ignore"}
    table.add_column("dataset", min_width=max(len(r["name"]) for r in rows), **whole)
    table.add_column("benchmark", overflow="fold")
    table.add_column("problems", justify="right")
    table.add_column("infeasible", justify="right")
    table.add_column("version", min_width=12, **whole)
    if rules:
        table.add_column("published rules", overflow="fold")
    for r in rows:
        cells = [r["name"], r["benchmark"]]
        if r["found"]:
            cells += [str(r["problems"]), str(r["infeasible_labels"]), r["version"]]
        else:
            cells += ["[dim]absent[/]", "", ""]
        if rules:
            cells.append(", ".join(rule for rule in r["rules"] if rule != "strict") or "-")
        table.add_row(*cells)
    return table


@app.command("run")
def run(
    dataset: str = typer.Argument(
        ..., help="Dataset name (see `bench datasets`), or a JSONL file of your own problems."
    ),
    model: str | None = MODEL,
    base_url: str | None = BASE_URL,
    api_key: str | None = API_KEY,
    llm_timeout: float | None = LLM_TIMEOUT,
    mode: str = typer.Option("full", help="full, ir, code or five-element."),
    solver: str = typer.Option("auto", help="auto, highs, scip or gurobi."),
    budget: int = typer.Option(4, min=0, help="Repair attempts per problem."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N problems."),
    ids: str | None = typer.Option(None, help="Comma-separated problem ids."),
    workers: int = typer.Option(2, min=1, help="Problems solved concurrently."),
    out: Path | None = typer.Option(None, help="Run file (JSONL); default runs/DATASET-MODE.jsonl."),
    time_limit: float = time_limit_option("Solver time limit per solve, in seconds."),
    no_cache: bool = NO_CACHE,
    isolation: str | None = typer.Option(
        None,
        "--isolation",
        help="Sandbox for generated code: bwrap (default), or weaker by choice: unshare, rlimits.",
    ),
    data_dir: Path | None = DATA,
):
    """Solve a dataset with the agent; interrupted runs resume where they stopped when rerun."""
    from optagent.agent.config import RunConfig
    from optagent.benchmarks import registry
    from optagent.evaluation.records import RunFile
    from optagent.sandbox.isolation import choose, describe

    config = RunConfig(mode=mode, solver=solver, budget=budget, time_limit=time_limit)
    whole = registry.load(dataset, registry.data_dir(data_dir))
    problems = _select(whole, dataset, ids, limit)
    name = Path(dataset).stem if registry.is_user_file(dataset) else dataset
    out = out or Path("runs") / f"{name}-{mode}.jsonl"
    err_console.print(describe(choose(isolation)), highlight=False)  # the sandbox level in force
    llm = make_cli_llm(model, base_url, api_key, llm_timeout, no_cache)
    with RunFile(out).exclusive():  # refused while another run writes it; full or read-only disk said now
        records = _run_with_progress(problems, whole, out, llm, config, workers, dataset)
    strict = sum(bool(r["scores"].get("strict")) for r in records)
    console.print(f"{len(records)} records in {escape(str(out))}; strict accuracy {strict}/{len(records)}")
    errors = [r for r in records if r.get("error")]
    if errors:
        err_console.print(
            f"[yellow]{len(errors)} problem(s) ended with an error[/] (the records' `error` field), e.g. "
            f"{escape(str(errors[0]['problem_id']))}: {escape(errors[0]['error'])}",
            highlight=False,
        )


def _select(problems: list, dataset: str, ids: str | None, limit: int | None) -> list:
    if ids:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        missing = sorted(set(wanted) - {p.id for p in problems})
        if missing:
            raise InputError(
                f"unknown problem ids in {dataset}: {', '.join(missing[:10])}",
                hint="ids are as in the dataset (see the run records)",
            )
        problems = [p for p in problems if p.id in wanted]
    return problems[:limit] if limit is not None else problems


def _run_with_progress(problems, whole, out, llm, config, workers: int, dataset: str) -> list[dict]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from optagent.agent.api import default_executor
    from optagent.agent.llm.types import LLMError
    from optagent.evaluation.runner import run_benchmark

    new = {"correct": 0, "done": 0}  # records written by this invocation (a resumed run has older ones)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[accuracy]}"),
        console=err_console,
    ) as progress:
        task = progress.add_task(escape(dataset), total=len(problems), accuracy="")

        def on_record(record: dict, finished: int, total: int) -> None:
            new["correct"] += bool(record["scores"].get("strict"))
            new["done"] += 1
            progress.update(task, completed=finished, accuracy=f"strict {new['correct']}/{new['done']} new")

        try:
            return run_benchmark(
                problems,
                out,
                llm=llm,
                executor=default_executor(),
                config=config,
                workers=workers,
                on_record=on_record,
                whole=whole,
            )
        except KeyboardInterrupt:
            err_console.print(f"interrupted; finished records are in {out}: rerun the same command to resume")
            raise typer.Exit(130) from None
        except LLMError as exc:  # one every problem would meet (see runner.STOPS_THE_RUN)
            stopped = f"the run stopped; finished records are in {out}: rerun the same command to resume"
            exc.hint = f"{exc.hint}; {stopped}" if exc.hint else stopped
            raise


@app.command("report")
def report(
    runs: list[Path] = typer.Argument(..., help="Run files; the first is the baseline for comparisons."),
    md: Path | None = typer.Option(None, "--md", help="Write the Markdown report here."),
    html: Path | None = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    tolerance: float | None = typer.Option(
        None, callback=positive, help="Also score at this tolerance (no LLM needed)."
    ),
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
    for path in runs:
        if not path.is_file():
            raise InputError(f"{path}: no such file", hint="pass run files written by `optagent bench run`")
    loaded = load_runs(list(runs))
    extra = [custom_rule(tolerance, kind)] if tolerance is not None else []
    with err_console.status("triaging the misses") as status:
        found = triage_runs(
            loaded, triage_time, lambda k, n: status.update(f"triaging the misses: {k}/{n} (no LLM)")
        )
    text = markdown(loaded, extra, triage=found, triage_seconds=triage_time)
    if md:
        write_output(md, text)
    if html:
        write_output(html, html_report(loaded, extra, triage=found, triage_seconds=triage_time))
    if not md and not html:
        if console.is_terminal:
            console.print(ReportMarkdown(text))
        else:
            typer.echo(text, nl=False)  # a pipe or a file gets the Markdown itself


@app.command("export")
def export(
    run_file: Path = typer.Argument(..., metavar="RUN", help="Run file (JSONL) written by `bench run`."),
    folder: Path = typer.Option(..., "--dir", help="Folder for the files (created when missing)."),
    as_json: bool = json_option("what was written"),
):
    """Each problem's formulation (JSON + LaTeX) and program (a .py that runs on its own), with index.csv."""
    from optagent.evaluation.export import export_run

    exported = export_run(run_file, folder)
    if as_json:
        print_json({"dir": str(folder), "problems": [e.__dict__ for e in exported]})
        return
    files = sum(len(e.files) for e in exported)
    console.print(f"{len(exported)} problems, {files} files and index.csv in {escape(str(folder))}")
    for e in exported:
        if not e.files:
            console.print(f"  {escape(e.problem_id)}: no formulation and no program in its record")


@app.command("audit")
def audit(
    dataset: str = typer.Argument(..., help="Dataset to audit."),
    references: Path = typer.Option(Path("examples/logior"), help="IR reference models (LogiOR)."),
    data_dir: Path | None = DATA,
    as_json: bool = json_option("the summary and rows"),
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
