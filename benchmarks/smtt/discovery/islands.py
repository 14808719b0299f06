"""FunSearch-style islands: separate populations that evolve apart and are periodically culled.

Every candidate lives on one island (seeds on all of them); an LLM call draws its parents from one island
only. Every ``reset_every`` calls the worse half of the islands (by their best fitness) is emptied and each
restarts from the best candidate of a randomly chosen surviving island. Resets are written to the log, so a
resumed search rebuilds exactly the same islands.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping

from optagent.benchmarks.smtt.discovery.journal import Candidate


class Islands:
    def __init__(self, count: int, population: int) -> None:
        self.members: list[list[int]] = [[] for _ in range(count)]
        self.population = population

    def add(self, candidate: Candidate) -> None:
        targets = range(len(self.members)) if candidate.island < 0 else [candidate.island]
        for island in targets:
            self.members[island].append(candidate.id)

    def ranked(self, island: int, by_id: Mapping[int, Candidate]) -> list[Candidate]:
        """The island's scored candidates, best first, one per behaviour, at most ``population``."""
        return best_per_behaviour(by_id[i] for i in self.members[island])[: self.population]

    def plan_reset(self, by_id: Mapping[int, Candidate], rng: random.Random) -> dict[str, list[int]]:
        """Which islands restart, and from which candidate each (a log event; apply with ``reset``)."""
        best = []
        for island in range(len(self.members)):
            ranked = self.ranked(island, by_id)
            best.append((ranked[0].score.fitness, ranked[0].id) if ranked else (math.inf, -1))  # type: ignore[union-attr]
        order = sorted(range(len(best)), key=lambda k: (best[k], k))
        keep = order[: len(order) - len(order) // 2]
        losers = order[len(keep) :]
        donors = [best[rng.choice(keep)][1] for _ in losers]
        return {"islands": losers, "from": donors}

    def reset(self, event: Mapping[str, list[int]]) -> None:
        for island, donor in zip(event["islands"], event["from"]):
            self.members[island] = [donor] if donor >= 0 else []


def best_per_behaviour(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The scored ``candidates``, best fitness first (ties: lower id), the first of each behaviour only."""
    seen: set[str] = set()
    out = []
    for candidate in sorted((c for c in candidates if c.scored), key=lambda c: (c.score.fitness, c.id)):  # type: ignore[union-attr]
        if candidate.signature not in seen:
            seen.add(candidate.signature)
            out.append(candidate)
    return out
