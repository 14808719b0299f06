"""Shared test helpers: paths, the optional shared benchmark folder, a small valid formulation."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_BENCHMARKS = Path(os.environ.get("OPTAGENT_BENCHMARKS", ROOT.parent / "shared" / "benchmarks"))

BASE: dict[str, Any] = {
    "name": "base",
    "problem_type": "LP",
    "sets": [{"name": "I", "elements": ["a", "b"]}, {"name": "T", "range": {"start": 1, "end": 3}}],
    "parameters": [
        {"name": "cost", "index": ["i in I"], "value": [2, 3]},
        {"name": "demand", "index": ["t in T"], "value": {"1": 4, "2": 5, "3": 6}},
    ],
    "variables": [
        {"name": "x", "index": ["i in I", "t in T"], "lower": 0},
        {"name": "stock", "index": ["t in T"], "lower": 0},
    ],
    "objective": {"sense": "minimize", "expr": "sum(cost[i] * x[i, t] for i in I for t in T)"},
    "constraints": [
        {"name": "meet", "forall": ["t in T"], "expr": "sum(x[i, t] for i in I) >= demand[t]"},
        {
            "name": "balance",
            "forall": ["t in T"],
            "where": "t > 1",
            "expr": "stock[t] == stock[t - 1] + x['a', t]",
        },
    ],
}


@pytest.fixture
def base() -> dict[str, Any]:
    """A fresh deep copy of a small valid formulation (as JSON data) for tests to mutate."""
    return copy.deepcopy(BASE)


def shared_dir(*parts: str) -> Path:
    path = SHARED_BENCHMARKS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared benchmark data not found at {path} (set OPTAGENT_BENCHMARKS)")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Where bubblewrap cannot run, the tests choose the best sandbox level here explicitly, as a user
    would (generated code never runs weaker silently); CI insists on bwrap (see test_sandbox_cli)."""
    from optagent.sandbox.isolation import ENV, IsolationUnavailable, detect, resolve_level

    if not os.environ.get(ENV):
        try:
            resolve_level(None)
        except IsolationUnavailable:
            os.environ[ENV] = detect().level
