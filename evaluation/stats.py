"""Summary statistics of run records: accuracy with Wilson intervals, breakdowns, repairs, cost, latency."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from optagent.benchmarks.problem import Expected
from optagent.evaluation.scoring import Prediction, Rule, score

# Verdicts with an answer; "verified" is how run files written before the verdicts were renamed say "agreed".
ANSWERED_OK = ("agreed", "solved", "ambiguous", "verified")
ANSWERED = (*ANSWERED_OK, "disputed")


@dataclass(frozen=True)
class Accuracy:
    rule: str
    correct: int
    total: int  # records the rule applies to

    @property
    def rate(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """95 % Wilson score interval."""
        if not self.total:
            return (0.0, 0.0)
        z, n, p = 1.96, self.total, self.rate
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return (max(0.0, centre - half), min(1.0, centre + half))

    def text(self) -> str:
        if not self.total:
            return "n/a"
        lo, hi = self.interval
        return f"{100 * self.rate:.1f}% ({self.correct}/{self.total}; 95% CI {100 * lo:.1f}-{100 * hi:.1f})"


def number(value: Any) -> str:
    """A value for a report: numbers to 10 significant digits, None as "-"."""
    return "-" if value is None else f"{value:.10g}" if isinstance(value, int | float) else str(value)


def expected_of(record: dict[str, Any]) -> Expected:
    """The label as stored in a record."""
    e = record["expected"]
    return Expected(
        objective=e.get("objective"),
        infeasible=bool(e.get("infeasible")),
        quantities=e.get("quantities") or {},
        raw=e.get("raw", ""),
    )


def rescore(record: dict[str, Any], rules: list[Rule]) -> dict[str, bool | None]:
    """Scores from the stored prediction and label only: no LLM, no solver."""
    p = record["predicted"]
    predicted = Prediction(p.get("objective"), p.get("status", "none"), p.get("quantities") or {})
    return score(expected_of(record), predicted, rules)


def reading_prediction(reading: dict[str, Any]) -> Prediction:
    """A reading's optimum as a prediction (objective only; a reading without a solution keeps its status)."""
    if reading.get("objective") is not None:
        return Prediction(reading["objective"], "optimal" if reading.get("proven_optimal") else "feasible")
    return Prediction(None, reading.get("status") or "none")


def matching_readings(record: dict[str, Any], rule: Rule) -> list[int]:
    """Positions (in ``record["readings"]``) of the readings whose optimum matches the label (``rule``)."""
    expected = expected_of(record)
    return [
        k
        for k, reading in enumerate(record.get("readings") or [])
        if rule.check(expected, reading_prediction(reading))
    ]


def reading_accuracy(records: list[dict[str, Any]], rule: Rule) -> Accuracy | None:
    """How often the answer or some reading the agent built matches the label; shown beside the accuracy,
    never in its place. None when no reading could be scored under the rule (a run without readings, or a
    rule such as all-keys that scores more than an objective)."""
    applies = False
    correct = total = 0
    for record in records:
        main = rescore(record, [rule])[rule.name]
        if main is None:
            continue
        total += 1
        correct += bool(main) or bool(matching_readings(record, rule))
        expected = expected_of(record)
        applies = applies or any(
            rule.check(expected, reading_prediction(r)) is not None for r in record.get("readings") or []
        )
    return Accuracy(rule.name, correct, total) if applies else None


def accuracy(records: list[dict[str, Any]], rule: Rule) -> Accuracy:
    verdicts = [rescore(r, [rule])[rule.name] for r in records]
    applied = [v for v in verdicts if v is not None]
    return Accuracy(rule.name, sum(applied), len(applied))


def by_group(records: list[dict[str, Any]], key: str, rule: Rule) -> dict[str, Accuracy]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[record.get(key) or "(unlabelled)"].append(record)
    return {name: accuracy(rows, rule) for name, rows in sorted(groups.items())}


VERDICT_ORDER = ("agreed", "solved", "ambiguous", "disputed", "failed", "error", "verified")


def verdict_precision(records: list[dict[str, Any]], rule: Rule) -> dict[str, Accuracy]:
    """Per verdict: how many of its answers match the label under ``rule`` (in the order of the vocabulary;
    ``verified`` comes from run files written before the verdicts were renamed)."""
    groups = by_group(records, "verdict", rule)
    rank = {v: k for k, v in enumerate(VERDICT_ORDER)}
    return dict(sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def execution_rate(records: list[dict[str, Any]]) -> float:
    answered = sum(1 for r in records if r.get("verdict") in ANSWERED)
    return answered / len(records) if records else 0.0


def repair_stats(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per failure kind (the outcome that triggered a repair): how often it happened, how often the run
    still ended with an answer."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        attempts = record.get("attempts") or []
        kinds = {
            a.split(":", 1)[1]
            for a in attempts
            if a.startswith("diagnose:repair") or a == "diagnose:reconcile"
        }
        kinds |= {
            f"{a.split(':')[0]}:{a.split(':')[1]}"
            for a in attempts
            if a.split(":")[1] in ("invalid", "error", "infeasible", "unbounded", "timeout", "memory")
        }
        for kind in kinds:
            out[kind]["seen"] += 1
            out[kind]["fixed"] += record.get("verdict") in ANSWERED_OK
    return {k: dict(v) for k, v in sorted(out.items())}


def cost_summary(records: list[dict[str, Any]], rule: Rule) -> dict[str, Any]:
    solved = [r for r in records if rescore(r, [rule])[rule.name]]
    tokens = [
        r.get("tokens", {}).get("prompt", 0) + r.get("tokens", {}).get("completion", 0) for r in records
    ]
    costs = [r.get("cost_usd") for r in records]
    latency = sorted(r.get("latency_s", 0.0) for r in records)
    known_cost = None if any(c is None for c in costs) else sum(costs)
    return {
        "tokens_total": sum(tokens),
        "tokens_per_solved": sum(tokens) / len(solved) if solved else None,
        "cost_total_usd": known_cost,
        "cost_per_solved_usd": known_cost / len(solved) if solved and known_cost is not None else None,
        "latency_median_s": statistics.median(latency) if latency else None,
        "latency_p90_s": latency[int(0.9 * (len(latency) - 1))] if latency else None,
        "llm_calls": sum(r.get("llm_calls", 0) for r in records),
        "cached_calls": sum(r.get("cached_calls", 0) for r in records),
    }


def compare(a: list[dict[str, Any]], b: list[dict[str, Any]], rule: Rule) -> dict[str, list[str]]:
    """Per problem: fixed (wrong in a, right in b), broken (right in a, wrong in b)."""
    sa = {r["problem_id"]: rescore(r, [rule])[rule.name] for r in a}
    sb = {r["problem_id"]: rescore(r, [rule])[rule.name] for r in b}
    common = sorted(set(sa) & set(sb))
    return {
        "fixed": [i for i in common if not sa[i] and sb[i]],
        "broken": [i for i in common if sa[i] and not sb[i]],
        "common": common,
        "only_a": sorted(set(sa) - set(sb)),
        "only_b": sorted(set(sb) - set(sa)),
    }
