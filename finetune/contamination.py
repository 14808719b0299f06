"""No test contamination: training examples whose problem text resembles an evaluation problem are dropped.

Similarity is the containment of word 8-gram shingles: the share of the training problem's shingles that
also occur in one evaluation problem. Exact copies score 1.0, light rewording stays high, unrelated text ~0.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from optagent.finetune.examples import Example

_WORD = re.compile(r"[a-z0-9]+")
SHINGLE = 8


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass(frozen=True)
class Dropped:
    example_id: str
    source: str
    matched: str  # the evaluation problem it resembles (dataset:id)
    similarity: float


class ContaminationIndex:
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        """``problems``: (label such as 'logior:prob_001', text) of every evaluation problem."""
        self.index: dict[tuple[str, ...], set[int]] = defaultdict(set)
        self.labels = []
        for k, (label, text) in enumerate(problems):
            self.labels.append(label)
            for shingle in shingles(text):
                self.index[shingle].add(k)

    def closest(self, text: str) -> tuple[str, float]:
        mine = shingles(text)
        if not mine:
            return "", 0.0
        hits: dict[int, int] = defaultdict(int)
        for shingle in mine:
            for k in self.index.get(shingle, ()):
                hits[k] += 1
        if not hits:
            return "", 0.0
        k, count = max(hits.items(), key=lambda item: item[1])
        return self.labels[k], count / len(mine)

    def filter(self, examples: list[Example], threshold: float = 0.5) -> tuple[list[Example], list[Dropped]]:
        kept, dropped = [], []
        for example in examples:
            label, similarity = self.closest(example.problem)
            if similarity >= threshold:
                dropped.append(Dropped(example.id, example.source, label, round(similarity, 3)))
            else:
                kept.append(example)
        return kept, dropped
