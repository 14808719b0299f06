"""Markdown and self-contained HTML reports of one or more runs: accuracy under every rule, what each verdict
was worth, the readings beside the strict score, the ambiguous problems, a triage of every miss, breakdowns,
repairs, cost and latency; each section says which data, model, prompts and rule its numbers rest on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optagent.benchmarks.registry import REGISTRY
from optagent.errors import InputError
from optagent.evaluation import stats
from optagent.evaluation.records import RunFile
from optagent.evaluation.report_details import answer_text, label_text, problem_details
from optagent.evaluation.scoring import RULES, Rule, rules_for
from optagent.evaluation.triage import CASES, SOLVE_SECONDS, TOLERANCE, Triage, triage_run
from optagent.reporting import markdown as md
from optagent.reporting.html_page import markdown_page
from optagent.reporting.plots import figure_png, percent_bars, pyplot

Run = tuple[str, list[dict[str, Any]]]
IDS_LISTED = 40  # subsets up to this size list every id; larger ones are named by count and id hash
STRICT = RULES["strict"]


def load_runs(paths: list[str | Path]) -> list[Run]:
    runs = []
    for path in paths:
        records = RunFile(path).records()
        if not records:
            raise InputError(f"{path} holds no records", hint="pass a file written by `optagent bench run`")
        runs.append((Path(path).stem, sorted(records, key=lambda r: _natural(str(r["problem_id"])))))
    return runs


def _natural(problem_id: str) -> list[Any]:
    """Sort key: ``prob_2`` before ``prob_10``, ``9`` before ``10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", problem_id)]


def triage_runs(
    runs: list[Run], seconds: float = SOLVE_SECONDS, on_record: Callable[[int, int], None] | None = None
) -> list[list[Triage]]:
    """The miss triage of every run (solves capped at ``seconds`` each); pass it to :func:`markdown` and
    :func:`html_report` so the solves run once."""
    return [triage_run(records, seconds, on_record) for _, records in runs]


def _rules(records: list[dict[str, Any]], extra: list[Rule]) -> list[Rule]:
    dataset = records[0]["dataset"]
    published = REGISTRY[dataset].rules if dataset in REGISTRY else ()
    return rules_for(tuple(r for r in published if r in RULES), extra)


def _ids_text(ids: list[str]) -> str:
    if len(ids) <= IDS_LISTED:
        return ", ".join(md.code(i) for i in ids)
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:12]
    return (
        f"{md.code(ids[0])} ... {md.code(ids[-1])} (sha256 of the sorted ids, one a line: {md.code(digest)})"
    )


def data_line(records: list[dict[str, Any]]) -> str:
    """Which data: the dataset, its version hash (and what it hashes), and the problems run."""
    first = records[0]
    ids = [str(r["problem_id"]) for r in records]
    head = f"- data: {md.code(first['dataset'])}, version {md.code(first.get('dataset_hash', '?'))}"
    if first.get("schema", 1) < 2:
        return f"{head} (hash of the problems run); {len(ids)} problems: {_ids_text(ids)}"
    subset = first.get("subset_ids")
    if subset is None:
        return f"{head} (the whole dataset); all {len(ids)} problems"
    chosen = f"a subset of {len(subset)} problems, {len(ids)} in the file"
    return f"{head} (the whole dataset); {chosen}: {_ids_text(ids)}"


def _settings_line(first: dict[str, Any]) -> str:
    config = first.get("config") or {}
    settings = ", ".join(
        f"{key} {md.code(config[key])}"
        for key in ("solver", "budget", "time_limit", "samples")
        if key in config
    )
    return (
        f"- model {md.code(first['model'])}; mode {md.code(first['mode'])}; "
        f"prompts {md.code(first['prompt_version'])}" + (f"; {settings}" if settings else "")
    )


def _short(accuracy: stats.Accuracy | None) -> str:
    if accuracy is None or not accuracy.total:
        return "n/a"
    return f"{accuracy.correct}/{accuracy.total} ({100 * accuracy.rate:.1f}%)"


def _accuracy_section(records: list[dict[str, Any]], rules: list[Rule]) -> list[str]:
    rows = [
        [
            md.text(r.name),
            md.text(r.description),
            md.text(stats.accuracy(records, r).text()),
            md.text(_short(stats.reading_accuracy(records, r))),
        ]
        for r in rules
    ]
    return [
        "### Accuracy",
        "",
        *md.table(["rule", "definition", "accuracy of the answer", "answer or some reading matches"], rows),
        "",
        "The last column counts a problem when the answer or the optimum of any reading the agent built "
        "matches the label under the rule; it stands beside the accuracy and never replaces it "
        "(n/a: the run has no readings, or the rule scores more than an objective).",
        "",
    ]


def _verdict_section(records: list[dict[str, Any]], rules: list[Rule]) -> list[str]:
    table = {r.name: stats.verdict_precision(records, r) for r in rules}
    verdicts = list(table[STRICT.name])
    counts = {v: sum(1 for r in records if (r.get("verdict") or "(unlabelled)") == v) for v in verdicts}
    rows = [
        [md.code(v, cell=True), str(counts[v]), *(md.text(_short(table[r.name].get(v))) for r in rules)]
        for v in verdicts
    ]
    return [
        "### Verdict precision",
        "",
        "How many answers of each verdict match the label, under each rule:",
        "",
        *md.table(["verdict", "problems", *(md.text(r.name) for r in rules)], rows),
        "",
        *(
            [
                "`verified` comes from runs written before the verdicts were renamed: two paths agreed, "
                "without the independence `agreed` requires now.",
                "",
            ]
            if "verified" in verdicts
            else []
        ),
    ]


def _ambiguous_section(records: list[dict[str, Any]]) -> list[str]:
    rows = []
    for record in records:
        readings = record.get("readings") or []
        optima = [r["objective"] for r in readings if r.get("objective") is not None]
        differ = any(abs(a - optima[0]) / (abs(optima[0]) + 1) >= TOLERANCE for a in optima)
        if record.get("verdict") != "ambiguous" and not differ:
            continue
        matching = set(stats.matching_readings(record, STRICT))
        for k, reading in enumerate(readings):
            rows.append(
                [
                    md.code(record["problem_id"], cell=True) if k == 0 else "",
                    md.text(label_text(record)) if k == 0 else "",
                    f"{k + 1}. " + md.text(reading.get("text", "")[:200]),
                    md.text(stats.number(reading.get("objective"))),
                    md.text(
                        reading.get("status", "") + (" (proven)" if reading.get("proven_optimal") else "")
                    ),
                    "yes" if k in matching else "no",
                ]
            )
    if not rows:
        return []
    return [
        "### Ambiguous problems",
        "",
        "Problems whose readings have different optima (reading 1 is the formulation as written); "
        '"gives the label" under the strict rule:',
        "",
        *md.table(["problem", "label", "reading", "optimum", "status", "gives the label"], rows),
        "",
    ]


def _triage_section(records: list[dict[str, Any]], found: list[Triage], seconds: float) -> list[str]:
    lines = ["### Miss triage", ""]
    if not found:
        return [*lines, "Every answer matches its label under the strict rule.", ""]
    by_id = {str(r["problem_id"]): r for r in records}
    legend = [
        f"- ({case}) {title}, {n}: {meaning}"
        for case, (title, meaning) in CASES.items()
        if (n := sum(t.case == case for t in found))
    ]
    ran_out = sum(t.ran_out for t in found)
    rows = [
        [
            md.code(t.problem_id, cell=True),
            md.text(label_text(by_id[t.problem_id])),
            md.text(answer_text(by_id[t.problem_id])),
            md.code(by_id[t.problem_id].get("verdict", "?"), cell=True),
            md.text(f"({t.case}) {CASES[t.case][0]}"),
            md.text(t.finding),
        ]
        for t in found
    ]
    return [
        *lines,
        f"Answers that miss the label (strict rule): {len(found)}, each checked without an LLM: "
        "the readings' optima from the run, and whether the label is feasible, by solving the formulation "
        f"(and each reading) with its objective held within {TOLERANCE:g}·(|label| + 1) of the label "
        f"(solver auto, at most {seconds:g} s per solve"
        + (f"; {ran_out} solve(s) stopped by that limit" if ran_out else "")
        + "). Cases, how many, and what each suggests:",
        "",
        *legend,
        "",
        *md.table(["problem", "label", "answer", "verdict", "case", "finding"], rows),
        "",
    ]


def _breakdowns(records: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for key, title in (("problem_type", "problem type"), ("size", "size")):
        groups = stats.by_group(records, key, STRICT)
        if len(groups) > 1 or "(unlabelled)" not in groups:
            rows = [[md.text(g), md.text(a.text())] for g, a in groups.items()]
            lines += [f"Strict accuracy by {title}:", "", *md.table([title, "accuracy"], rows), ""]
    repairs = stats.repair_stats(records)
    if repairs:
        rows = [
            [md.code(k, cell=True), str(v.get("seen", 0)), str(v.get("fixed", 0))] for k, v in repairs.items()
        ]
        lines += [
            "Repairs (runs in which the failure occurred; how many still ended with an answer):",
            "",
            *md.table(["failure", "runs", "answered"], rows),
            "",
        ]
    return lines


def _cost_lines(records: list[dict[str, Any]]) -> list[str]:
    cost = stats.cost_summary(records, STRICT)
    per_solved = cost["cost_per_solved_usd"]
    return [
        f"- LLM calls: {cost['llm_calls']} ({cost['cached_calls']} from the cache); "
        f"tokens: {cost['tokens_total']}"
        + (
            f", {cost['tokens_per_solved']:.0f} per solved problem (strict)"
            if cost["tokens_per_solved"]
            else ""
        ),
        "- cost: "
        + (
            "unknown (a model without a price)"
            if cost["cost_total_usd"] is None
            else f"${cost['cost_total_usd']:.4f}"
            + (f", ${per_solved:.4f} per solved problem (strict)" if per_solved is not None else "")
        ),
        f"- latency: median {cost['latency_median_s']:.2f} s, p90 {cost['latency_p90_s']:.2f} s",
        "",
    ]


def markdown(
    runs: list[Run],
    extra: list[Rule] | None = None,
    *,
    triage: list[list[Triage]] | None = None,
    triage_seconds: float = SOLVE_SECONDS,
) -> str:
    """The report as Markdown; ``triage`` from :func:`triage_runs` (computed here when not given)."""
    triage = triage if triage is not None else triage_runs(runs, triage_seconds)
    lines = ["# optagent benchmark report", ""]
    for (name, records), found in zip(runs, triage):
        first = records[0]
        rules = _rules(records, extra or [])
        answered = sum(1 for r in records if r.get("verdict") in stats.ANSWERED)
        lines += [
            f"## {md.text(name)}",
            "",
            "Every number in this section rests on:",
            "",
            data_line(records),
            _settings_line(first),
            "- rules: as named in each table (definitions under Accuracy)",
            "",
            f"Execution rate (an answer was produced): {100 * stats.execution_rate(records):.1f}% "
            f"({answered}/{len(records)}).",
            "",
            *_accuracy_section(records, rules),
            *_verdict_section(records, rules),
            *_ambiguous_section(records),
            *_triage_section(records, found, triage_seconds),
            "### Breakdowns, repairs and cost",
            "",
            *_breakdowns(records),
            *_cost_lines(records),
        ]
    if len(runs) > 1:
        base_name, base = runs[0]
        for name, records in runs[1:]:
            diff = stats.compare(base, records, STRICT)
            lines += [
                f"## {md.text(base_name)} → {md.text(name)} (strict)",
                "",
                f"- problems in both runs: {len(diff['common'])}; only in {md.text(base_name)}: "
                f"{len(diff['only_a'])}; only in {md.text(name)}: {len(diff['only_b'])}",
                f"- fixed ({len(diff['fixed'])}): {', '.join(md.text(i) for i in diff['fixed']) or '-'}",
                f"- broken ({len(diff['broken'])}): {', '.join(md.text(i) for i in diff['broken']) or '-'}",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def accuracy_figure(runs: list[Run]) -> Any | None:
    """Strict accuracy by problem type (0-100 %, every bar labelled) and latency, one series per run; None
    without matplotlib."""
    plt = pyplot()
    if plt is None:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    groups = sorted({r.get("problem_type") or "(unlabelled)" for _, records in runs for r in records})
    series: dict[str, list[float | None]] = {}
    for name, records in runs:
        by_type = stats.by_group(records, "problem_type", STRICT)
        series[name] = [100 * by_type[g].rate if g in by_type else None for g in groups]
        ax2.hist([r.get("latency_s", 0) for r in records], bins=20, alpha=0.6, label=name)
    percent_bars(ax1, groups, series, ylabel="strict accuracy (%)")
    ax1.set_title("by problem type (strict)")
    ax2.set_xlabel("seconds per problem")
    ax2.set_title("latency")
    ax1.legend(fontsize=8)
    return fig


def html_report(
    runs: list[Run],
    extra: list[Rule] | None = None,
    *,
    triage: list[list[Triage]] | None = None,
    triage_seconds: float = SOLVE_SECONDS,
) -> str:
    """The Markdown report as a self-contained HTML page (plot embedded as PNG), then each problem's steps,
    the feedback sent to the LLM, its formulation and its program."""
    triage = triage if triage is not None else triage_runs(runs, triage_seconds)
    fig = accuracy_figure(runs)
    caption = (
        f"Strict rule ({STRICT.description}); each run's data, model and prompts are in its section: "
        + "; ".join(f"{name}: {records[0]['dataset']}, {records[0]['model']}" for name, records in runs)
    )
    return markdown_page(
        "optagent report",
        markdown(runs, extra, triage=triage, triage_seconds=triage_seconds),
        figure_png(fig) if fig is not None else None,
        "strict accuracy by problem type and latency",
        caption=caption,
        appendix="".join(
            problem_details(name, records, found) for (name, records), found in zip(runs, triage)
        ),
    )
