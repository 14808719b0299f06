"""Plots for self-contained reports: matplotlib without a display, figures as base64 PNG."""

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
