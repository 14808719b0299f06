"""``optagent smtt eval|exact|discover``: single-machine total tardiness heuristics, optima and search."""

from __future__ import annotations

from pathlib import Path

import typer

from optagent.cli.options import json_option, positive
from optagent.cli.output import console, err_console, print_json, print_written, progress_bar
from optagent.errors import InputError

app = typer.Typer(
    help="Single-machine total tardiness: heuristics, exact optima, LLM heuristic search.",
    no_args_is_help=True,
)
DATA = typer.Option(None, "--data-dir", help="Folder holding smtt/ (default: $OPTAGENT_BENCHMARKS).")


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
        with progress_bar(f"{heuristic} on {set_name}", len(instances)) as update:
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
    with progress_bar(f"{method} on {set_name}", len(instances)) as update:
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


from optagent.cli.smtt_discover import discover  # noqa: E402  (the command lives in its own module)

app.command("discover")(discover)
