"""Evolutionary search for SMTT heuristics with an LLM (FunSearch/EoH style), every candidate sandboxed.

A population of heuristics (code + score) starts from the classic rules. Each LLM call shows parents with
their scores and asks for a mutation (improve one) or a crossover (combine two). A candidate runs in the
sandbox on GENERATED training instances (never the test sets) and is rejected with the reason when it does
not compile, raises, is too slow or returns something other than a permutation. The log (JSONL, one line per
candidate) makes the search resumable: a rerun reloads it and only spends the calls left in the budget.
"""

from __future__ import annotations

import json
import random
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from optagent.agent.llm.types import LLM, LLMRequest, Message
from optagent.agent.parse import ReplyFormatError, extract_code
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.heuristics import mdd
from optagent.benchmarks.smtt.instances import Instance, training_set
from optagent.benchmarks.smtt.local_search import iterated_local_search
from optagent.benchmarks.smtt.objective import total_tardiness
from optagent.prompts import render
from optagent.sandbox import Job, Limits
from optagent.sandbox.executor import Executor

SEEDS = {
    "edd": "def heuristic(p, d):\n    return sorted(range(len(p)), key=lambda j: (d[j], p[j]))\n",
    "spt": "def heuristic(p, d):\n    return sorted(range(len(p)), key=lambda j: (p[j], d[j]))\n",
    "mdd": (
        "def heuristic(p, d):\n"
        "    left, order, t = set(range(len(p))), [], 0\n"
        "    while left:\n"
        "        j = min(left, key=lambda i: (max(t + p[i], d[i]), d[i]))\n"
        "        order.append(j)\n"
        "        left.remove(j)\n"
        "        t += p[j]\n"
        "    return order\n"
    ),
}
MUTATE = "Improve the best heuristic above: change its priority rule or add a cheap improvement step."
CROSSOVER = "Combine the ideas of the two heuristics above into one that is better than both."


@dataclass
class Candidate:
    id: int
    code: str
    score: float | None  # mean gap (%) on the training instances; None when rejected
    status: str  # "seed", "accepted" or "rejected"
    reason: str = ""
    parents: tuple[int, ...] = ()
    operator: str = ""
    llm_call: bool = False
    tokens: int = 0
    cost_usd: float | None = 0.0


@dataclass(frozen=True)
class TrainingSet:
    instances: list[Instance]
    reference: list[int]  # optimum (subset DP) or best known (ILS) per instance


def make_training_set(seed: int = 7, small: int = 14, per_class: int = 2, large: int = 40) -> TrainingSet:
    """Generated instances: ``small``-job ones with exact optima (DP), ``large``-job ones against an ILS."""
    exact = training_set(small, per_class, seed)
    bigger = training_set(large, 1, seed + 1)
    reference = [solve_dp(i.p, i.d)[0] for i in exact]
    reference += [
        total_tardiness(i.p, i.d, iterated_local_search(i.p, i.d, mdd(i.p, i.d), iterations=20))
        for i in bigger
    ]
    return TrainingSet(exact + bigger, reference)


def gap_score(values: list[int], reference: list[int]) -> float:
    """Mean relative gap in %, with +1 in the denominator so zero-optimum instances count too."""
    return statistics.fmean(100.0 * (v - r) / (r + 1) for v, r in zip(values, reference))


class Discovery:
    def __init__(
        self,
        llm: LLM,
        executor: Executor,
        log: Path,
        *,
        training: TrainingSet | None = None,
        seed: int = 0,
        timeout_s: float = 20.0,
        population: int = 8,
    ) -> None:
        self.llm = llm
        self.executor = executor
        self.log = Path(log)
        self.training = training or make_training_set()
        self.rng = random.Random(seed)
        self.timeout_s = timeout_s
        self.population_size = population
        self.candidates: list[Candidate] = []
        self._load()

    # -- persistence
    def _load(self) -> None:
        if not self.log.exists():
            return
        for line in self.log.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue  # a line cut off by an interruption: that candidate is redone
            data["parents"] = tuple(data.get("parents", ()))
            self.candidates.append(Candidate(**data))

    def _record(self, candidate: Candidate) -> None:
        self.candidates.append(candidate)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(candidate)) + "\n")
            handle.flush()

    @property
    def calls_used(self) -> int:
        return sum(c.llm_call for c in self.candidates)

    # -- evaluation in the sandbox
    def evaluate(self, code: str) -> tuple[float | None, str]:
        instances = [{"p": i.p, "d": i.d} for i in self.training.instances]
        limits = Limits(timeout_s=self.timeout_s, memory_mb=1024)
        result = self.executor.run(Job(code, contract="heuristic", instances=instances, limits=limits))
        if not result.ok or result.heuristic is None:
            detail = f"{result.error.type}: {result.error.message}" if result.error else result.message
            return None, f"{result.status.value}: {detail}"[:300]
        values = [
            total_tardiness(i.p, i.d, order)
            for i, order in zip(self.training.instances, result.heuristic.permutations)
        ]
        return round(gap_score(values, self.training.reference), 4), ""

    def population(self) -> list[Candidate]:
        scored = [c for c in self.candidates if c.score is not None]
        return sorted(scored, key=lambda c: (c.score, c.id))[: self.population_size]

    def seed(self) -> None:
        if any(c.status == "seed" for c in self.candidates):
            return
        for name, code in SEEDS.items():
            score, reason = self.evaluate(code)
            self._record(Candidate(len(self.candidates), code, score, "seed", reason or name, operator=name))

    # -- one generation step
    def _prompt(self, parents: list[Candidate], instruction: str) -> str:
        shown = "\n".join(f"# score {c.score:.3f} (candidate {c.id})\n{c.code}" for c in parents)
        return render("smtt_discover", parents=shown, instruction=instruction).text

    def step(self) -> Candidate:
        pool = self.population()
        crossover = len(pool) >= 2 and self.rng.random() < 0.4
        if crossover:
            parents = self.rng.sample(pool[: max(2, len(pool) // 2 + 1)], 2)
            operator, instruction = "crossover", CROSSOVER
        else:
            parents = [min(self.rng.sample(pool, min(3, len(pool))), key=lambda c: c.score)]
            operator, instruction = "mutation", MUTATE
        request = LLMRequest(
            (Message("user", self._prompt(parents, instruction)),),
            temperature=0.8,
            seed=self.calls_used,
            sample=self.calls_used,
            tag="smtt_discover",
        )
        response = self.llm.complete(request)
        base = dict(
            parents=tuple(c.id for c in parents),
            operator=operator,
            llm_call=True,
            tokens=response.usage.total,
            cost_usd=response.cost_usd,
        )
        try:
            code = extract_code(response.text)
        except ReplyFormatError as exc:
            candidate = Candidate(
                len(self.candidates), response.text[:2000], None, "rejected", str(exc), **base
            )
        else:
            score, reason = self.evaluate(code)
            status = "accepted" if score is not None else "rejected"
            candidate = Candidate(len(self.candidates), code, score, status, reason, **base)
        self._record(candidate)
        return candidate

    def run(self, budget: int, on_candidate: Any = None) -> list[Candidate]:
        """Spend the calls left in ``budget`` (calls already in the log count)."""
        self.seed()
        while self.calls_used < budget:
            candidate = self.step()
            if on_candidate is not None:
                on_candidate(candidate)
        return self.population()

    def write_best(self, folder: Path, top: int = 3) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for rank, candidate in enumerate(self.population()[:top], 1):
            path = folder / f"best_{rank}_candidate_{candidate.id}.py"
            path.write_text(
                f"# training score (mean gap %): {candidate.score}\n{candidate.code}", encoding="utf-8"
            )
            paths.append(path)
        return paths
