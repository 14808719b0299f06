"""Plots for self-contained reports: matplotlib without a display, figures as base64 PNG, percentage bars."""

from __future__ import annotations

import base64
import io
from typing import Any


def pyplot() -> Any | None:
    """matplotlib.pyplot on the Agg backend, or None when matplotlib is not installed (reports stay text)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt


def figure_png(fig: Any) -> str:
    """The figure as base64 PNG (for an <img src="data:..."> tag); the figure is closed."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def percent_bars(ax: Any, groups: list[str], series: dict[str, list[float | None]], *, ylabel: str) -> None:
    """Grouped bars of percentages on a fixed 0-100 % axis; every bar carries its value, so a 0 % bar is seen
    (an outlined bar and the label "0"), not an empty plot. None: the series has no such group (no bar)."""
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [x + k * width for x in range(len(groups))]
        heights = [v or 0.0 for v in values]
        edges = [0.0 if v is None else 0.6 for v in values]
        bars = ax.bar(xs, heights, width, label=name, edgecolor="black", linewidth=edges)
        labels = ["" if v is None else f"{v:.0f}" for v in values]
        ax.bar_label(bars, labels=labels, fontsize=7, padding=1)
    ax.set_ylim(0, 100)
    ax.set_xticks(
        [x + 0.4 - width / 2 for x in range(len(groups))], groups, rotation=30, ha="right", fontsize=8
    )
    ax.set_ylabel(ylabel)
