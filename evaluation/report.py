"""Markdown and self-contained HTML reports of one or more runs, with plots embedded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optagent.benchmarks.registry import REGISTRY
from optagent.errors import InputError
from optagent.evaluation import stats
from optagent.evaluation.html_page import markdown_page
from optagent.evaluation.plots import figure_png, pyplot
from optagent.evaluation.records import RunFile
from optagent.evaluation.scoring import RULES, Rule, rules_for


def load_runs(paths: list[str | Path]) -> list[tuple[str, list[dict[str, Any]]]]:
    runs = []
    for path in paths:
        records = RunFile(path).records()
        if not records:
            raise InputError(f"{path} holds no records", hint="pass a file written by `optagent bench run`")
        runs.append((Path(path).stem, sorted(records, key=lambda r: r["problem_id"])))
    return runs


def _rules(records: list[dict[str, Any]], extra: list[Rule]) -> list[Rule]:
    dataset = records[0]["dataset"]
    published = REGISTRY[dataset].rules if dataset in REGISTRY else ()
    return rules_for(tuple(r for r in published if r in RULES), extra)


def _plot(runs: list[tuple[str, list[dict[str, Any]]]]) -> str | None:
    """PNG (base64) of strict accuracy by problem type per run; None without matplotlib."""
    plt = pyplot()
    if plt is None:
        return None
    strict = RULES["strict"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    width = 0.8 / len(runs)
    for k, (name, records) in enumerate(runs):
        groups = stats.by_group(records, "problem_type", strict)
        xs = range(len(groups))
        ax1.bar([x + k * width for x in xs], [100 * a.rate for a in groups.values()], width, label=name)
        ax1.set_xticks([x + 0.4 - width / 2 for x in xs], list(groups), rotation=30, ha="right", fontsize=8)
        ax2.hist([r.get("latency_s", 0) for r in records], bins=20, alpha=0.6, label=name)
    ax1.set_ylabel("strict accuracy (%)")
    ax1.set_title("by problem type")
    ax2.set_xlabel("seconds per problem")
    ax2.set_title("latency")
    ax1.legend(fontsize=8)
    return figure_png(fig)


def markdown(runs: list[tuple[str, list[dict[str, Any]]]], extra: list[Rule] | None = None) -> str:
    lines = ["# optagent benchmark report", ""]
    for name, records in runs:
        first = records[0]
        rules = _rules(records, extra or [])
        lines += [
            f"## {name}",
            "",
            f"- data: `{first['dataset']}` (version {first['dataset_hash']}), {len(records)} problems",
            f"- model: `{first['model']}`; mode `{first['mode']}`; prompts `{first['prompt_version']}`",
            f"- execution rate (an answer was produced): {100 * stats.execution_rate(records):.1f}%",
            "",
            "| rule | definition | accuracy |",
            "|---|---|---|",
        ]
        lines += [f"| {r.name} | {r.description} | {stats.accuracy(records, r).text()} |" for r in rules]
        for key, title in (("problem_type", "problem type"), ("size", "size")):
            groups = stats.by_group(records, key, RULES["strict"])
            if len(groups) > 1 or "(unlabelled)" not in groups:
                lines += ["", f"Strict accuracy by {title}:", "", f"| {title} | accuracy |", "|---|---|"]
                lines += [f"| {g} | {a.text()} |" for g, a in groups.items()]
        repairs = stats.repair_stats(records)
        if repairs:
            lines += [
                "",
                "Repairs (runs in which the failure occurred; how many still ended with an answer):",
                "",
                "| failure | runs | answered |",
                "|---|---|---|",
            ]
            lines += [f"| {k} | {v.get('seen', 0)} | {v.get('fixed', 0)} |" for k, v in repairs.items()]
        cost = stats.cost_summary(records, RULES["strict"])
        per_solved = cost["cost_per_solved_usd"]
        lines += [
            "",
            f"- LLM calls: {cost['llm_calls']} ({cost['cached_calls']} from the cache); "
            f"tokens: {cost['tokens_total']}"
            + (f", {cost['tokens_per_solved']:.0f} per solved problem" if cost["tokens_per_solved"] else ""),
            "- cost: "
            + (
                "unknown (a model without a price)"
                if cost["cost_total_usd"] is None
                else f"${cost['cost_total_usd']:.4f}"
                + (f", ${per_solved:.4f} per solved problem" if per_solved is not None else "")
            ),
            f"- latency: median {cost['latency_median_s']:.2f} s, p90 {cost['latency_p90_s']:.2f} s",
            "",
        ]
    if len(runs) > 1:
        base_name, base = runs[0]
        for name, records in runs[1:]:
            diff = stats.compare(base, records, RULES["strict"])
            lines += [
                f"## {base_name} → {name} (strict)",
                "",
                f"- fixed ({len(diff['fixed'])}): {', '.join(diff['fixed']) or '-'}",
                f"- broken ({len(diff['broken'])}): {', '.join(diff['broken']) or '-'}",
                "",
            ]
    wrong = [
        (name, r)
        for name, records in runs
        for r in records
        if not stats.rescore(r, [RULES["strict"]])["strict"]
    ]
    if wrong:
        lines += [
            "## Problems not solved (strict)",
            "",
            "| run | problem | expected | predicted | verdict |",
            "|---|---|---|---|---|",
        ]
        for name, r in wrong[:200]:
            expected = "infeasible" if r["expected"]["infeasible"] else r["expected"]["objective"]
            lines.append(
                f"| {name} | {r['problem_id']} | {expected} | {r['predicted']['objective']} "
                f"({r['predicted']['status']}) | {r['verdict']} |"
            )
    return "\n".join(lines) + "\n"


def html_report(runs: list[tuple[str, list[dict[str, Any]]]], extra: list[Rule] | None = None) -> str:
    """The Markdown report as a self-contained HTML page (tables rendered, plot embedded as PNG)."""
    return markdown_page(
        "optagent report", markdown(runs, extra), _plot(runs), "accuracy by type and latency"
    )
