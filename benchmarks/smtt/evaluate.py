"""Scoring heuristics against exact optima: mean gap over instances with a positive optimum, ratio of sums,
optimal hits, zero-optimum instances solved, runtime; overall and per (R, T) class."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from optagent.benchmarks.smtt.instances import Instance
from optagent.benchmarks.smtt.local_search import insertion_kernel, iterated_local_search
from optagent.benchmarks.smtt.objective import as_ints, is_permutation, total_tardiness
from optagent.benchmarks.smtt.rules_fast import KERNELS
from optagent.errors import InputError

Sequencer = Callable[[Sequence[int], Sequence[int]], Sequence[int]]
Result = tuple[Instance, int, float]  # instance, total tardiness, seconds (CPU in ``run``; sandbox: wall)


def heuristic_names() -> list[str]:
    """Every name ``named`` accepts."""
    return [*KERNELS, *(f"{h}+ls" for h in KERNELS), "ils"]


def named(name: str, *, ils_iterations: int = 100, seed: int = 0) -> Sequencer:
    """A built-in heuristic (see ``KERNELS``) on int64 arrays, as ``evaluate`` passes them; NAME+ls adds
    insertion local search; ils runs an iterated local search from MDD (``ils_iterations`` rounds, seeded)."""
    if name == "ils":
        return lambda p, d: iterated_local_search(
            p, d, KERNELS["mdd"](p, d), iterations=ils_iterations, seed=seed
        )
    base, _, suffix = name.partition("+")
    if base not in KERNELS or suffix not in ("", "ls"):
        raise InputError(
            f"unknown heuristic {name!r}", hint=f"use one of: {', '.join(heuristic_names())} or a FILE.py"
        )
    rule = KERNELS[base]
    return (lambda p, d: insertion_kernel(p, d, rule(p, d))) if suffix else rule


@dataclass(frozen=True)
class Row:
    group: str
    instances: int
    mean_gap_pct: float | None  # over instances with a positive optimum
    ratio_of_sums: float | None
    optimal_hits: int
    zero_optimum: int
    zero_optimum_solved: int
    mean_seconds: float


def _row(group: str, items: list[Result]) -> Row:
    gaps = [100.0 * (v - i.opt) / i.opt for i, v, _ in items if i.opt]
    total_opt = sum(i.opt for i, _, _ in items)
    zero = [(i, v) for i, v, _ in items if i.opt == 0]
    return Row(
        group=group,
        instances=len(items),
        mean_gap_pct=round(statistics.fmean(gaps), 4) if gaps else None,
        ratio_of_sums=round(sum(v for _, v, _ in items) / total_opt, 6) if total_opt else None,
        optimal_hits=sum(v == i.opt for i, v, _ in items),
        zero_optimum=len(zero),
        zero_optimum_solved=sum(v == 0 for _, v in zero),
        mean_seconds=float(f"{statistics.fmean(s for _, _, s in items):.4g}"),
    )


def summarise(name: str, set_name: str, results: list[Result]) -> dict[str, Any]:
    missing = [i.id for i, _, _ in results if i.opt is None]
    if missing:
        raise InputError(
            f"{len(missing)} instances have no known optimum", hint="run `optagent smtt exact` first"
        )
    worse = [i.id for i, v, _ in results if v < i.opt]
    groups: dict[str, list] = defaultdict(list)
    for item in results:
        groups[item[0].group].append(item)
    overall = _row("all", results)
    return {
        "heuristic": name,
        "set": set_name,
        "n": results[0][0].n if results else 0,
        "overall": asdict(overall),
        "classes": [asdict(_row(g, items)) for g, items in sorted(groups.items())],
        "below_optimum": worse,  # a value below a stored optimum means a wrong optimum (or a bug)
    }


def run(
    name: str,
    sequencer: Sequencer,
    instances: list[Instance],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """(instance, total tardiness, CPU seconds) of ``sequencer`` on each instance. The time is the calling
    thread's CPU time (as the seed paper's Table 7; robust on a shared machine), after an untimed warm-up call
    that compiles what needs compiling; ``progress(done, total)`` is called after each instance."""
    sequencer(as_ints([1, 1]), as_ints([1, 2]))
    results = []
    for k, instance in enumerate(instances):
        p, d = as_ints(instance.p), as_ints(instance.d)
        start = time.thread_time()
        order = sequencer(p, d)
        seconds = time.thread_time() - start
        if not is_permutation(order, instance.n):
            raise InputError(f"heuristic {name} returned a non-permutation on {instance.id}")
        results.append((instance, total_tardiness(p, d, order), seconds))
        if progress:
            progress(k + 1, len(instances))
    return results


def evaluate(
    name: str,
    sequencer: Sequencer,
    instances: list[Instance],
    set_name: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """``run`` and ``summarise``."""
    return summarise(name, set_name, run(name, sequencer, instances, progress=progress))


def evaluate_orders(
    name: str, orders: list[list[int]], seconds: list[float], instances: list[Instance], set_name: str
) -> dict[str, Any]:
    """Score permutations produced elsewhere (e.g. a sandboxed program); the tardiness is recomputed here."""
    results = [(i, total_tardiness(i.p, i.d, o), s) for i, o, s in zip(instances, orders, seconds)]
    return summarise(name, set_name, results)
