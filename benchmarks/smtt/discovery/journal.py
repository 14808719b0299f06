"""The search's append-only log (JSONL): what was proposed, how it was judged, when islands were reset.

A proposal is written as soon as the LLM has answered, and its result once it is evaluated, each line
flushed and fsynced. A search resumed after an interruption therefore neither calls the LLM again for a
reply it already has nor re-evaluates a judged candidate: a proposal without a result is evaluated first.
A last line cut off by the interruption is dropped (and removed from the file) before anything is appended.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from optagent.benchmarks.smtt.discovery.fitness import Score
from optagent.errors import InputError

PROPOSAL_FIELDS = (
    "id",
    "idea",
    "code",
    "operator",
    "parents",
    "island",
    "call",
    "tokens",
    "cost_usd",
    "prompt_chars",
    "code_key",
)
RESULT_FIELDS = ("status", "category", "reason", "values", "cpu", "signature")


@dataclass
class Candidate:
    """A program with its one-sentence idea, where it came from, and how it was judged."""

    id: int
    idea: str
    code: str
    operator: str  # a seed's name, or new / combine / modify / tune
    parents: tuple[int, ...] = ()
    island: int = -1  # -1: a seed, on every island
    call: int | None = None  # index of the LLM call that proposed it (None for seeds)
    tokens: int = 0
    cost_usd: float | None = 0.0
    prompt_chars: int = 0
    code_key: str = ""
    status: str = "pending"  # pending, seed, accepted, rejected
    category: str = ""  # why it was rejected
    reason: str = ""
    score: Score | None = None
    values: list[int] | None = None
    cpu: list[float] | None = None
    signature: str = ""

    @property
    def scored(self) -> bool:
        return self.score is not None and self.status in ("seed", "accepted")


@dataclass
class Contents:
    header: dict[str, Any] | None = None
    candidates: list[Candidate] = field(default_factory=list)
    resets: list[dict[str, Any]] = field(default_factory=list)


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> Contents:
        out = Contents()
        if not self.path.exists():
            return out
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read the search log {self.path}: {exc}", hint="choose another --out"
            ) from None
        if raw and not raw.endswith(b"\n"):  # cut off mid-line by an interruption
            raw = raw[: raw.rfind(b"\n") + 1]
            with self.path.open("r+b") as handle:
                handle.truncate(len(raw))
        by_id: dict[int, Candidate] = {}
        for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
            try:
                record = json.loads(line)
                kind = record.pop("kind")
                if kind == "header":
                    out.header = record
                elif kind == "proposal":
                    record["parents"] = tuple(record.get("parents", ()))
                    candidate = Candidate(**record)
                    by_id[candidate.id] = candidate
                    out.candidates.append(candidate)
                elif kind == "result":
                    candidate = by_id[record["id"]]
                    for name in RESULT_FIELDS:
                        setattr(candidate, name, record.get(name))
                    candidate.score = Score.from_dict(record["score"]) if record.get("score") else None
                elif kind == "reset":
                    out.resets.append(record)
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(
                    f"line {number} of the search log {self.path} is not a record of this search ({exc})",
                    hint="point --out at a new folder, or repair or remove that line",
                ) from None
        return out

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def header(self, header: dict[str, Any]) -> None:
        self._append({"kind": "header", **header})

    def propose(self, candidate: Candidate) -> None:
        data = asdict(candidate)
        self._append({"kind": "proposal", **{k: data[k] for k in PROPOSAL_FIELDS}})

    def settle(self, candidate: Candidate) -> None:
        data = {k: getattr(candidate, k) for k in RESULT_FIELDS}
        score = candidate.score.to_dict() if candidate.score else None
        self._append({"kind": "result", "id": candidate.id, **data, "score": score})

    def reset(self, event: dict[str, Any]) -> None:
        self._append({"kind": "reset", **event})
