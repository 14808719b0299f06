"""Markdown (and self-contained HTML) tables of SMTT evaluations, with a gap-by-class plot."""

from __future__ import annotations

from typing import Any

from optagent.reporting.html_page import markdown_page
from optagent.reporting.plots import figure_png, pyplot


def markdown(evaluations: list[dict[str, Any]]) -> str:
    lines = [
        "| heuristic | set | mean gap % | ratio of sums | optimal hits | zero-opt solved | mean s |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in evaluations:
        o = e["overall"]
        gap = "n/a" if o["mean_gap_pct"] is None else f"{o['mean_gap_pct']:.2f}"
        ratio = "n/a" if o["ratio_of_sums"] is None else f"{o['ratio_of_sums']:.4f}"
        lines.append(
            f"| {e['heuristic']} | {e['set']} | {gap} | {ratio} | {o['optimal_hits']}/{o['instances']} | "
            f"{o['zero_optimum_solved']}/{o['zero_optimum']} | {o['mean_seconds']:.3g} |"
        )
    for e in evaluations:
        lines += [
            "",
            f"{e['heuristic']} on {e['set']}, per class:",
            "",
            "| class | n | mean gap % | optimal hits |",
            "|---|---|---|---|",
        ]
        for r in e["classes"]:
            gap = "n/a" if r["mean_gap_pct"] is None else f"{r['mean_gap_pct']:.2f}"
            lines.append(f"| {r['group']} | {r['instances']} | {gap} | {r['optimal_hits']} |")
    return "\n".join(lines) + "\n"


def plot_png(evaluations: list[dict[str, Any]]) -> str | None:
    """Mean gap by (R, T) class, and mean runtime against n (one line per heuristic)."""
    plt = pyplot()
    if plt is None:
        return None
    fig, (gaps, runtime) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / max(1, len(evaluations))
    for k, e in enumerate(evaluations):
        rows = e["classes"]
        gaps.bar(
            [x + k * width for x in range(len(rows))],
            [r["mean_gap_pct"] or 0 for r in rows],
            width,
            label=f"{e['heuristic']} ({e['set']})",
        )
        gaps.set_xticks(range(len(rows)), [r["group"] for r in rows], rotation=45, ha="right", fontsize=7)
    for name in dict.fromkeys(e["heuristic"] for e in evaluations):
        points = sorted((e["n"], e["overall"]["mean_seconds"]) for e in evaluations if e["heuristic"] == name)
        runtime.plot([n for n, _ in points], [s for _, s in points], marker="o", label=name)
    gaps.set_ylabel("mean gap to optimum (%)")
    gaps.legend(fontsize=7)
    runtime.set_xlabel("jobs (n)")
    runtime.set_ylabel("mean seconds per instance")
    runtime.legend(fontsize=7)
    return figure_png(fig)


def html_page(evaluations: list[dict[str, Any]]) -> str:
    text = "# SMTT evaluation\n\n" + markdown(evaluations)
    return markdown_page("SMTT evaluation", text, plot_png(evaluations), "gap by class and runtime")
