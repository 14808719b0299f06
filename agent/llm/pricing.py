"""Token prices (USD per million tokens), overridable; cost is None for a model not in the table."""

from __future__ import annotations

import json
import os
from pathlib import Path

from optagent.errors import InputError

# (input, output) USD per 1M tokens, list prices as published by the providers in 2025.
# Override or extend with a JSON file {"model": [input, output]} named by OPTAGENT_PRICES.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "deepseek-chat": (0.27, 1.10),
    "deepseek-reasoner": (0.55, 2.19),
}


def load_prices(path: str | None = None) -> dict[str, tuple[float, float]]:
    prices = dict(DEFAULT_PRICES)
    path = path or os.environ.get("OPTAGENT_PRICES")
    if path:
        try:
            extra = json.loads(Path(path).read_text())
            prices.update({str(k): (float(v[0]), float(v[1])) for k, v in extra.items()})
        except (OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
            raise InputError(
                f"cannot read the price table {path}: {exc}",
                hint='write {"model-name": [input_usd_per_1M, output_usd_per_1M], ...}',
            ) from None
    return prices


def cost(
    model: str, prompt_tokens: int, completion_tokens: int, prices: dict[str, tuple[float, float]]
) -> float | None:
    """Cost in USD; the longest entry that prefixes the model name wins (gpt-4o-2024-08-06 -> gpt-4o)."""
    matches = [name for name in prices if model == name or model.startswith(name + "-")]
    if not matches:
        return None
    price_in, price_out = prices[max(matches, key=len)]
    return (prompt_tokens * price_in + completion_tokens * price_out) / 1e6
