"""SMTT instances: the shared JSONL sets (with exact optima) and a seeded generator for both recipes."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from optagent.errors import InputError

SETS = {
    "n20": "smtt_n20_uniform_800.jsonl",
    "n20-alt": "smtt_n20_uniform_800_alt.jsonl",
    "n20-normal": "smtt_n20_normal_800.jsonl",
    "n100": "smtt_n100_200.jsonl",
    "n200": "smtt_n200_200.jsonl",
    "n500": "smtt_n500_200.jsonl",
}
RDD = (0.2, 0.4, 0.6, 0.8, 1.0)
TF = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class Instance:
    id: str
    p: list[int]
    d: list[int]
    rdd: float = 0.0
    tf: float = 0.0
    opt: int | None = None  # exact optimum where known
    meta: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.p)

    @property
    def group(self) -> str:
        return f"R={self.rdd:g} T={self.tf:g}"


def smtt_dir(root: Path) -> Path:
    return root / "smtt"


def load_set(name: str, root: Path, *, keep_nonpositive: bool = False) -> list[Instance]:
    """A shared set by short name (n20, n20-alt, n20-normal, n100, n200, n500); ``opt`` is the stored (for
    n500 the re-aligned) optimum. Instances with p_j <= 0 (n20-normal) are dropped unless asked for."""
    if name not in SETS:
        raise InputError(f"unknown SMTT set {name!r}", hint=f"use one of: {', '.join(SETS)}")
    path = smtt_dir(root) / SETS[name]
    if not path.exists():
        raise InputError(f"SMTT set {name} is not at {path}", hint="set --data-dir or OPTAGENT_BENCHMARKS")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("has_nonpositive_p") and not keep_nonpositive:
            continue
        meta = {k: row.get(k) for k in ("source_index", "sdt_rep", "opt_as_published")}
        out.append(
            Instance(row["id"], list(row["p"]), list(row["d"]), row["rdd"], row["tf"], row["opt"], meta)
        )
    return out


def generate(n: int, rdd: float, tf: float, seed: int, *, recipe: str = "clipped") -> Instance:
    """Potts–Van Wassenhove classes. ``clipped`` (T'kindt's generator): p ~ U{1..100},
    d ~ U{floor(P(1-T-R/2)) .. floor(P(1-T+R/2))} clipped at 0. ``paper20`` (the seed paper's notebook):
    p = int(U(1, 100)), d = int(U(P(1-T-R/2), P(1-T+R/2))), not clipped (negative due dates occur)."""
    if n < 1 or not 0 < rdd <= 2 or not 0 <= tf <= 1:
        raise InputError(
            f"bad generator arguments n={n}, rdd={rdd}, tf={tf}", hint="n >= 1, 0 < R <= 2, 0 <= T <= 1"
        )
    rng = random.Random(seed)
    if recipe == "clipped":
        p = [rng.randint(1, 100) for _ in range(n)]
        total = sum(p)
        lo, hi = math.floor(total * (1 - tf - rdd / 2)), math.floor(total * (1 - tf + rdd / 2))
        d = [max(0, rng.randint(lo, hi)) for _ in range(n)]
    elif recipe == "paper20":
        p = [int(rng.uniform(1, 100)) for _ in range(n)]
        total = sum(p)
        d = [int(rng.uniform(total * (1 - tf - rdd / 2), total * (1 - tf + rdd / 2))) for _ in range(n)]
    else:
        raise InputError(f"unknown recipe {recipe!r}", hint="clipped or paper20")
    return Instance(f"gen-{recipe}-n{n}-R{rdd:g}-T{tf:g}-s{seed}", p, d, rdd, tf)


def training_set(n: int, count_per_class: int, seed: int, recipe: str = "clipped") -> list[Instance]:
    """Generated instances over every (R, T) class, for heuristic search (never the test sets)."""
    rng = random.Random(seed)
    return [
        generate(n, r, t, rng.randrange(2**31), recipe=recipe)
        for r in RDD
        for t in TF
        for _ in range(count_per_class)
    ]
