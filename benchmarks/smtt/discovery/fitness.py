"""Fitness of a candidate and whether one candidate is better than another beyond the noise.

The gap is the ratio-of-sums gap 100 (Σ value / Σ optimum - 1) per training size, averaged over the sizes
with equal weight (so the larger instances, whose tardiness is larger, do not drown the smaller ones).
Fitness = gap + time_weight * (mean CPU seconds per instance / budget): ``time_weight`` percentage points for
a candidate that spends its whole budget. Confidence comes from a bootstrap over instances (stratified by
size) whose resamples are fixed per instance set, so two candidates are compared on the same resamples
(a paired bootstrap): a difference whose interval contains 0 is noise, not progress.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from optagent.benchmarks.smtt.instances import Instance

SAMPLES = 1000
LEVEL = 0.95


@dataclass(frozen=True)
class Score:
    fitness: float  # gap + penalty; lower is better
    gap: float  # %, mean over sizes of the ratio-of-sums gap
    ci: tuple[float, float]  # bootstrap interval of ``gap`` at LEVEL
    penalty: float  # time_weight * mean CPU / budget (percentage points)
    by_size: dict[str, float]  # size -> ratio-of-sums gap %
    by_class: dict[str, tuple[int, int]]  # "R=0.2 T=0.4" -> (Σ value, Σ optimum) over every size
    optimal: int  # instances solved to their optimum
    instances: int
    cpu_ms: float  # mean CPU milliseconds per instance (the driver's thread clock)
    cpu_ms_by_size: dict[str, float]
    max_cpu_ms: float
    wall_ms: float  # mean wall milliseconds per instance in the sandbox (includes the machine's load)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Score:
        data = dict(data)
        data["ci"] = tuple(data["ci"])
        data["by_class"] = {k: (int(v[0]), int(v[1])) for k, v in data["by_class"].items()}
        return cls(**data)


def ratio_gap(values: int, optima: int) -> float:
    return 100.0 * (values - optima) / max(optima, 1)


class Bootstrap:
    """Fixed resamples of an instance list, stratified by size; shared by every candidate scored on it."""

    def __init__(self, instances: Sequence[Instance], samples: int = SAMPLES, seed: int = 0) -> None:
        sizes = np.array([i.n for i in instances])
        self.optima = np.array([i.opt for i in instances], dtype=np.int64)
        rng = np.random.default_rng(seed)
        self.draws = []
        for n in sorted(set(sizes.tolist())):
            members = np.flatnonzero(sizes == n)
            self.draws.append(members[rng.integers(0, members.size, size=(samples, members.size))])
        self.optimum_sums = [self.optima[draw].sum(axis=1) for draw in self.draws]

    def gaps(self, values: Sequence[int]) -> np.ndarray:
        """The gap of every resample."""
        v = np.asarray(values, dtype=np.int64)
        per_size = [
            100.0 * (v[draw].sum(axis=1) - total) / np.maximum(total, 1)
            for draw, total in zip(self.draws, self.optimum_sums)
        ]
        return np.mean(per_size, axis=0)

    def interval(self, samples: np.ndarray) -> tuple[float, float]:
        tail = 100 * (1 - LEVEL) / 2
        lo, hi = np.percentile(samples, [tail, 100 - tail])
        return round(float(lo), 4), round(float(hi), 4)


def score(
    instances: Sequence[Instance],
    values: Sequence[int],
    cpu: Sequence[float],
    wall: Sequence[float],
    *,
    budget_s: float,
    time_weight: float,
    bootstrap: Bootstrap,
) -> Score:
    by_size: dict[int, list[int]] = defaultdict(list)
    by_class: dict[str, list[int]] = {}
    for k, instance in enumerate(instances):
        by_size[instance.n].append(k)
        cell = by_class.setdefault(instance.group, [0, 0])
        cell[0] += values[k]
        cell[1] += instance.opt or 0
    size_gaps = {
        str(n): round(ratio_gap(sum(values[k] for k in ks), sum(instances[k].opt or 0 for k in ks)), 4)
        for n, ks in sorted(by_size.items())
    }
    gap = statistics.fmean(size_gaps.values())
    mean_cpu = statistics.fmean(cpu)
    penalty = time_weight * mean_cpu / budget_s
    return Score(
        fitness=round(gap + penalty, 4),
        gap=round(gap, 4),
        ci=bootstrap.interval(bootstrap.gaps(values)),
        penalty=round(penalty, 4),
        by_size=size_gaps,
        by_class={k: (v[0], v[1]) for k, v in by_class.items()},
        optimal=sum(v == i.opt for v, i in zip(values, instances)),
        instances=len(instances),
        cpu_ms=round(1000 * mean_cpu, 4),
        cpu_ms_by_size={
            str(n): round(1000 * statistics.fmean(cpu[k] for k in ks), 4) for n, ks in sorted(by_size.items())
        },
        max_cpu_ms=round(1000 * max(cpu), 4),
        wall_ms=round(1000 * statistics.fmean(wall), 4),
    )


@dataclass(frozen=True)
class Comparison:
    difference: float  # fitness of a minus fitness of b (negative: a is better)
    ci: tuple[float, float]

    @property
    def better(self) -> bool:
        """a is better than b beyond the noise: the whole interval lies below 0."""
        return self.ci[1] < 0

    @property
    def worse(self) -> bool:
        return self.ci[0] > 0


def compare(
    bootstrap: Bootstrap, a: Sequence[int], a_score: Score, b: Sequence[int], b_score: Score
) -> Comparison:
    """Paired bootstrap of the fitness difference a - b on the same instances."""
    samples = bootstrap.gaps(a) - bootstrap.gaps(b) + (a_score.penalty - b_score.penalty)
    return Comparison(round(a_score.fitness - b_score.fitness, 4), bootstrap.interval(samples))
