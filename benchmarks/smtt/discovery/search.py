"""The discovery loop: seeds, then one LLM call per step (island, operator, parents, prompt), each proposal
judged in the sandbox and logged; resumable without lost or repeated work.

Every step draws its randomness from (seed, call index), so a resumed search makes the same choices as an
uninterrupted one. The champion changes only when a candidate beats it beyond the noise (paired bootstrap);
a better point estimate inside the noise is not progress.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from optagent.agent.llm.types import LLM, LLMRequest, Message
from optagent.benchmarks.smtt.discovery import operators, prompts
from optagent.benchmarks.smtt.discovery.evaluator import Evaluator
from optagent.benchmarks.smtt.discovery.fitness import compare
from optagent.benchmarks.smtt.discovery.islands import Islands, best_per_behaviour
from optagent.benchmarks.smtt.discovery.journal import Candidate, Journal
from optagent.benchmarks.smtt.discovery.template import (
    SEEDS,
    ReplyFormatError,
    code_key,
    parse_reply,
    static_problem,
)
from optagent.errors import InputError
from optagent.prompts import PROMPT_SET_VERSION


@dataclass(frozen=True)
class Settings:
    islands: int = 4
    population: int = 6  # parents are drawn from an island's best, one per behaviour
    reset_every: int = 20  # LLM calls between island resets
    seed: int = 0
    temperature: float = 0.8
    max_prompt_chars: int = 16000
    max_code_chars: int = 5000
    failures_shown: int = 4

    def __post_init__(self) -> None:
        for name in ("islands", "population", "reset_every", "max_prompt_chars", "max_code_chars"):
            if getattr(self, name) < 1:
                raise InputError(
                    f"{name} must be at least 1, not {getattr(self, name)}", hint="use 1 or more"
                )


# Settings that change what the search does: a log can only be continued with the same ones.
LEADERS = 5  # the best candidates listed in every prompt
BINDING = ("training", "budget_s", "time_weight", "islands", "population", "reset_every", "seed")


class Discovery:
    def __init__(
        self,
        llm: LLM,
        evaluator: Evaluator,
        log: Path,
        *,
        settings: Settings | None = None,
        training: str = "",
        training_key: str = "",
    ) -> None:
        self.llm = llm
        self.evaluator = evaluator
        self.settings = settings or Settings()
        self.training = training
        self.journal = Journal(log)
        self.islands = Islands(self.settings.islands, self.settings.population)
        self.candidates: list[Candidate] = []
        self.by_id: dict[int, Candidate] = {}
        self.champion: Candidate | None = None
        self.since_progress = 0  # LLM calls since the champion last changed
        self.reset_calls: set[int] = set()
        self.on_event: Callable[[str, Candidate | None], None] | None = None
        self.header = {
            "training": training_key,
            "budget_s": evaluator.budget_s,
            "time_weight": evaluator.time_weight,
            **{k: v for k, v in asdict(self.settings).items() if k in BINDING},
            "model": getattr(llm, "model_id", ""),
            "prompts": PROMPT_SET_VERSION,
            "instances": len(evaluator.instances),
        }
        self._load()

    # -- state
    def _load(self) -> None:
        contents = self.journal.read()
        if contents.header is not None:
            changed = [k for k in BINDING if contents.header.get(k) != self.header.get(k)]
            if changed:
                was = ", ".join(f"{k}={contents.header.get(k)!r}" for k in changed)
                raise InputError(
                    f"the search log {self.journal.path} was written with other settings ({was})",
                    hint="continue it with the same settings, or give a new --out folder",
                )
        else:
            self.journal.header(self.header)
        resets = {event["call"]: event for event in contents.resets}
        for candidate in contents.candidates:
            for call in sorted(c for c in resets if c not in self.reset_calls and c <= (candidate.call or 0)):
                self.islands.reset(resets[call])
                self.reset_calls.add(call)
            self._admit(candidate)
        for call in sorted(set(resets) - self.reset_calls):
            self.islands.reset(resets[call])
            self.reset_calls.add(call)

    def _admit(self, candidate: Candidate) -> None:
        """Take a logged candidate into the state (in id order)."""
        self.candidates.append(candidate)
        self.by_id[candidate.id] = candidate
        if candidate.status != "pending":
            self._account(candidate)

    def _account(self, candidate: Candidate) -> None:
        """A verdict's effect: a call spent, a member for its island, maybe a new champion."""
        if candidate.call is not None:
            self.since_progress += 1
        if candidate.scored:
            self.islands.add(candidate)
            self._crown(candidate)

    def _crown(self, candidate: Candidate) -> None:
        champion = self.champion
        if champion is None:
            self.champion = candidate
            return
        verdict = compare(
            self.evaluator.bootstrap,
            candidate.values or [],
            candidate.score,  # type: ignore[arg-type]
            champion.values or [],
            champion.score,  # type: ignore[arg-type]
        )
        if verdict.better:
            self.champion = candidate
            self.since_progress = 0

    @property
    def calls_used(self) -> int:
        return sum(c.call is not None for c in self.candidates)

    def rejections(self) -> Counter[str]:
        return Counter(c.category for c in self.candidates if c.status == "rejected")

    def ranked(self) -> list[Candidate]:
        """Every scored candidate, best fitness first, one per behaviour."""
        return best_per_behaviour(self.candidates)

    # -- judging
    def _known(self, signature: str) -> int | None:
        return next((c.id for c in self.candidates if c.signature == signature and c.scored), None)

    def _judge(self, candidate: Candidate) -> None:
        """Evaluate a pending candidate, log the result, take it into its island."""
        problem = static_problem(candidate.code, self.settings.max_code_chars)
        twin = next(
            (
                c
                for c in self.candidates
                if c.code_key == candidate.code_key and c.id != candidate.id and c.status != "pending"
            ),
            None,
        )
        if problem is not None:
            candidate.status, (candidate.category, candidate.reason) = "rejected", problem
        elif twin is not None:
            candidate.status, candidate.category = "rejected", "duplicate"
            candidate.reason = f"the same program as candidate {twin.id} (up to comments and formatting)"
            if twin.status == "rejected":
                candidate.reason += f", which was rejected: {twin.category}: {twin.reason}"
        else:
            known = self._known if candidate.call is not None else None  # every seed is a baseline
            result = self.evaluator.evaluate(candidate.code, known=known)
            candidate.signature = result.signature
            if result.ok:
                candidate.status = "seed" if candidate.call is None else "accepted"
                candidate.score, candidate.values, candidate.cpu = result.score, result.values, result.cpu
            else:
                candidate.status, candidate.category, candidate.reason = (
                    "rejected",
                    result.category,
                    result.reason,
                )
        self._settle(candidate)

    def _settle(self, candidate: Candidate) -> None:
        self.journal.settle(candidate)
        self._account(candidate)
        self._notify("judged", candidate)

    def _notify(self, message: str, candidate: Candidate | None = None) -> None:
        if self.on_event is not None:
            self.on_event(message, candidate)

    def _new(self, **fields: Any) -> Candidate:
        candidate = Candidate(id=len(self.candidates), **fields)
        candidate.code_key = code_key(candidate.code) if candidate.code else ""
        self.journal.propose(candidate)
        self.candidates.append(candidate)
        self.by_id[candidate.id] = candidate
        return candidate

    # -- one LLM call
    def _parents(self, rng: random.Random, island: int) -> tuple[operators.Operator, list[Candidate]]:
        pool = self.islands.ranked(island, self.by_id)
        operator = operators.choose(rng, len(pool))
        picked: list[Candidate] = []
        weights = [1.0 / (rank + 1) for rank in range(len(pool))]
        while len(picked) < min(operator.parents, len(pool)):
            choice = rng.choices(range(len(pool)), weights=weights)[0]
            weights[choice] = 0.0
            picked.append(pool[choice])
        return operator, sorted(picked, key=lambda c: c.score.fitness)  # type: ignore[union-attr]

    def _maybe_reset(self, call: int) -> None:
        if call == 0 or call % self.settings.reset_every or call in self.reset_calls:
            return
        rng = random.Random(f"{self.settings.seed}:reset:{call}")
        event = {"call": call, **self.islands.plan_reset(self.by_id, rng)}
        self.journal.reset(event)
        self.islands.reset(event)
        self.reset_calls.add(call)

    def prompt(self, call: int) -> tuple[operators.Operator, list[Candidate], int, str]:
        """The operator, parents, island and prompt text of LLM call number ``call`` (deterministic)."""
        self._maybe_reset(call)
        rng = random.Random(f"{self.settings.seed}:{call}")
        island = call % self.settings.islands
        operator, parents = self._parents(rng, island)
        failures = [c for c in self.candidates if c.status == "rejected"][-self.settings.failures_shown :]
        text = prompts.build(
            operator,
            parents,
            failures,
            budget_s=self.evaluator.budget_s,
            time_weight=self.evaluator.time_weight,
            training=self.training,
            max_chars=self.settings.max_prompt_chars,
            max_code_chars=self.settings.max_code_chars,
            leaders=self.ranked()[:LEADERS],
        )
        return operator, parents, island, text

    def step(self, call: int) -> Candidate:
        operator, parents, island, text = self.prompt(call)
        self._notify(f"asking the LLM for call {call} ({operator.name}, island {island})")
        request = LLMRequest(
            (Message("user", text),),
            temperature=self.settings.temperature,
            seed=self.settings.seed * 100_003 + call,
            sample=call,
            tag="smtt_discover",
        )
        response = self.llm.complete(request)
        common = dict(
            operator=operator.name,
            parents=tuple(c.id for c in parents),
            island=island,
            call=call,
            tokens=response.usage.total,
            cost_usd=response.cost_usd,
            prompt_chars=len(text),
        )
        try:
            idea, code = parse_reply(response.text)
        except ReplyFormatError as exc:
            candidate = self._new(idea="(no program)", code="", **common)
            candidate.status, candidate.category, candidate.reason = "rejected", "no-code", str(exc)
            self._settle(candidate)
            return candidate
        candidate = self._new(idea=idea, code=code, **common)
        self._notify(f"evaluating candidate {candidate.id} ({operator.name} of {list(candidate.parents)})")
        self._judge(candidate)
        return candidate

    # -- the run
    def run(
        self, calls: int, on_event: Callable[[str, Candidate | None], None] | None = None
    ) -> list[Candidate]:
        """Seed, finish pending proposals, then spend the LLM calls left of ``calls`` (the log's count).
        ``on_event(message, candidate)`` hears of each step; message "judged" comes with every verdict."""
        self.on_event = on_event
        names = {c.operator for c in self.candidates if c.call is None}
        for seed in SEEDS:
            if seed.name not in names:
                self._notify(f"evaluating seed {seed.name}")
                self._judge(self._new(idea=seed.idea, code=seed.code, operator=seed.name))
        if not any(c.scored for c in self.candidates):
            reasons = "; ".join(f"{c.operator}: {c.category}: {c.reason}" for c in self.candidates)
            raise InputError(
                f"no seed heuristic could be scored, so there are no parents to show ({reasons[:600]})",
                hint="give each instance more time (--time-budget), or run `optagent sandbox doctor`",
            )
        for candidate in [c for c in self.candidates if c.status == "pending"]:
            self._notify(f"evaluating candidate {candidate.id}, proposed before the interruption")
            self._judge(candidate)
        while self.calls_used < calls:
            self.step(self.calls_used)
        return self.ranked()
