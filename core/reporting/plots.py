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


def percent_bars(ax: Any, groups: list[str], series: dict[str, list[float]], *, ylabel: str) -> None:
    """Grouped bars of percentages on a fixed 0-100 % axis; every bar carries its value, so a 0 % bar is seen
    (a thin outlined bar and the label "0"), not an empty plot."""
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [x + k * width for x in range(len(groups))]
        bars = ax.bar(xs, values, width, label=name, edgecolor="black", linewidth=0.6)
        ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], fontsize=7, padding=1)
    ax.set_ylim(0, 100)
    ax.set_xticks(
        [x + 0.4 - width / 2 for x in range(len(groups))], groups, rotation=30, ha="right", fontsize=8
    )
    ax.set_ylabel(ylabel)
