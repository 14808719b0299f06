"""``optagent smtt eval|exact|discover``: single-machine total tardiness heuristics, optima and search."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from optagent.cli.options import json_option, make_cli_llm, positive
from optagent.cli.output import console, err_console, print_json, print_written
from optagent.errors import InputError

app = typer.Typer(
    help="Single-machine total tardiness: heuristics, exact optima, LLM heuristic search.",
    no_args_is_help=True,
)
DATA = typer.Option(None, "--data-dir", help="Folder holding smtt/ (default: $OPTAGENT_BENCHMARKS).")


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr; yields ``update(done, status="")``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.progress import TimeRemainingColumn as Remaining

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        Remaining(),
        TextColumn("{task.fields[status]}"),
        console=err_console,
    ) as progress:
        task = progress.add_task(escape(label), total=total, status="")
        yield lambda done, status="": progress.update(task, completed=done, status=escape(status))


def _instances(set_name: str, data_dir: Path | None, ids: str | None, limit: int | None):
    from optagent.benchmarks.registry import data_dir as resolve
    from optagent.benchmarks.smtt.instances import load_set

    instances = load_set(set_name, resolve(data_dir))
    if ids:
        wanted = {i.strip() for i in ids.split(",") if i.strip()}
        unknown = sorted(wanted - {i.id for i in instances})
        if unknown:
            raise InputError(
                f"unknown instance ids: {', '.join(unknown[:5])}", hint="ids look like smtt_n100_200_007"
            )
        instances = [i for i in instances if i.id in wanted]
    return instances[:limit] if limit else instances


@app.command("eval")
def evaluate(
    heuristic: str = typer.Option(
        ...,
        "--heuristic",
        help="edd, spt, mdd, atc, covert, eddc, mddc, aug-mdd, aug-mddc, psk, panneerselvam, NAME+ls, ils, "
        "or FILE.py",
    ),
    set_name: str = typer.Option(..., "--set", help="n20, n20-alt, n20-normal, n100, n200 or n500."),
    ids: str | None = typer.Option(None, help="Comma-separated instance ids."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N instances."),
    ils_iterations: int = typer.Option(100, min=0, help="Rounds of the ils heuristic."),
    seed: int = typer.Option(0, min=0, help="Random seed of the ils heuristic."),
    md: Path | None = typer.Option(None, "--md", help="Write a Markdown report."),
    html: Path | None = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    data_dir: Path | None = DATA,
    as_json: bool = json_option(),
):
    """Score a heuristic against the stored optima: mean gap, ratio of sums, optimal hits, per class."""
    from optagent.benchmarks.smtt import evaluate as ev
    from optagent.benchmarks.smtt import report

    instances = _instances(set_name, data_dir, ids, limit)
    if heuristic.endswith(".py"):
        result = _evaluate_file(Path(heuristic), instances, set_name)
    else:
        sequencer = ev.named(heuristic, ils_iterations=ils_iterations, seed=seed)
        with _progress(f"{heuristic} on {set_name}", len(instances)) as update:
            result = ev.evaluate(
                heuristic, sequencer, instances, set_name, progress=lambda done, _total: update(done)
            )
    if md:
        md.write_text(report.markdown([result]), encoding="utf-8")
    if html:
        html.write_text(report.html_page([result]), encoding="utf-8")
    print_written(md, html)
    if as_json:
        print_json(result)
        return
    console.print(report.markdown([result]), highlight=False, soft_wrap=True)


def _evaluate_file(path: Path, instances: list, set_name: str) -> dict:
    """A heuristic written elsewhere (by a person or an LLM): run sandboxed, its orders re-scored here."""
    from optagent.benchmarks.smtt import evaluate as ev
    from optagent.sandbox import ColdExecutor, Job, Limits

    try:
        code = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc}", hint="pass a Python file defining heuristic(p, d)"
        ) from None
    job = Job(
        code,
        contract="heuristic",
        instances=[{"p": i.p, "d": i.d} for i in instances],
        limits=Limits(timeout_s=max(30.0, 0.5 * len(instances))),
    )
    with ColdExecutor(limits=job.limits) as executor:
        result = executor.run(job)
    if not result.ok or result.heuristic is None:
        detail = f"{result.error.type}: {result.error.message}" if result.error else ""
        raise InputError(
            f"{path} failed in the sandbox: {result.status.value}: {result.message} {detail}".strip(),
            hint="heuristic(p, d) must return a permutation of 0..n-1",
        )
    return ev.evaluate_orders(
        path.name, result.heuristic.permutations, result.heuristic.seconds, instances, set_name
    )


@app.command("exact")
def exact(
    set_name: str = typer.Option(..., "--set", help="n20, n20-alt, n20-normal, n100, n200 or n500."),
    ids: str | None = typer.Option(None, help="Comma-separated instance ids."),
    limit: int | None = typer.Option(None, min=1, help="Only the first N instances."),
    time_limit: float = typer.Option(
        60.0, "--time-limit", callback=positive, help="Seconds per instance (bb, mip)."
    ),
    method: str = typer.Option("bb", help="dp (n <= 25), bb (decomposition search) or mip (HiGHS)."),
    data_dir: Path | None = DATA,
    as_json: bool = json_option(),
):
    """Solve instances exactly; per instance: optimum found, proven or not, time, and the stored optimum."""
    import time

    from optagent.benchmarks.smtt.exact_bb import solve_bb
    from optagent.benchmarks.smtt.exact_dp import solve_dp
    from optagent.benchmarks.smtt.exact_mip import solve_mip

    if method not in ("dp", "bb", "mip"):
        raise InputError(f"unknown method {method!r}", hint="dp, bb or mip")
    instances = _instances(set_name, data_dir, ids, limit)
    rows = []
    with _progress(f"{method} on {set_name}", len(instances)) as update:
        for instance in instances:
            if method == "dp":
                start = time.perf_counter()
                value, _ = solve_dp(instance.p, instance.d)
                row = {"value": value, "proven": True, "seconds": round(time.perf_counter() - start, 4)}
            else:
                solver = solve_bb if method == "bb" else solve_mip
                r = solver(instance.p, instance.d, time_limit=time_limit)
                row = {"value": r.value, "proven": r.proven, "seconds": round(r.seconds, 4)}
            rows.append(
                {
                    "id": instance.id,
                    "class": instance.group,
                    **row,
                    "stored_optimum": instance.opt,
                    "agrees": row["value"] == instance.opt if instance.opt is not None else None,
                }
            )
            if not as_json:
                err_console.print(
                    f"{instance.id}: {row['value']} ({'proven' if row['proven'] else 'not proven'}, "
                    f"{row['seconds']:.2f} s)",
                    highlight=False,
                )
            update(len(rows), f"{sum(r['proven'] for r in rows)} proven")
    summary = {
        "method": method,
        "set": set_name,
        "instances": len(rows),
        "proven": sum(r["proven"] for r in rows),
        "agree_with_stored": sum(bool(r["agrees"]) for r in rows),
        "rows": rows,
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{summary['proven']}/{len(rows)} proven optimal; {summary['agree_with_stored']} agree with the "
        "stored optimum"
    )


@app.command("discover")
def discover(
    model: str | None = typer.Option(None, "--model", "-m", help="LLM spec, e.g. gpt-4o."),
    base_url: str | None = typer.Option(None, help="OpenAI-compatible server URL."),
    api_key: str | None = typer.Option(None, help="API key."),
    budget: int = typer.Option(20, min=1, help="LLM calls in all (a rerun continues the same search)."),
    out: Path = typer.Option(Path("runs/smtt-discovery"), help="Folder for the log and the best heuristics."),
    test_set: str | None = typer.Option("n100", "--test-set", help="Report the best heuristic on this set."),
    seed: int = typer.Option(0, min=0, help="Random seed of the search."),
    data_dir: Path | None = DATA,
    as_json: bool = json_option(),
):
    """Evolve heuristics with an LLM; candidates run sandboxed on generated instances; resumable."""
    from optagent.agent.api import default_executor
    from optagent.benchmarks.smtt.discovery import Discovery

    llm = make_cli_llm(model, base_url, api_key, None, False)
    if hasattr(llm, "all_temperatures"):
        llm.all_temperatures = True  # every call has its own sample index: a rerun replays from the cache
    search = Discovery(llm, default_executor(), out / "candidates.jsonl", seed=seed)

    def show(c) -> None:
        if not as_json:
            text = f"score {c.score:.3f}" if c.score is not None else f"rejected: {c.reason}"
            err_console.print(f"candidate {c.id} ({c.operator}): {escape(text)}", highlight=False)

    best = search.run(budget, on_candidate=show)
    paths = search.write_best(out)
    summary = {
        "calls_used": search.calls_used,
        "candidates": len(search.candidates),
        "rejected": sum(c.status == "rejected" for c in search.candidates),
        "tokens": sum(c.tokens for c in search.candidates),
        "best": [{"id": c.id, "score": c.score, "status": c.status} for c in best[:3]],
        "files": [str(p) for p in paths],
    }
    if test_set and paths:
        summary["test"] = _evaluate_file(paths[0], _instances(test_set, data_dir, None, None), test_set)[
            "overall"
        ]
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if as_json:
        print_json(summary)
        return
    table = Table("candidate", "training gap %", "status")
    for c in best[:5]:
        table.add_row(str(c.id), f"{c.score:.3f}", c.status)
    console.print(table)
    console.print(
        f"{summary['calls_used']} LLM calls, {summary['rejected']} candidates rejected; best: {paths[0]}"
    )
    if "test" in summary:
        console.print(f"on {test_set}: {summary['test']}")
