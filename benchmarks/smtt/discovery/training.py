"""Training instances with PROVEN optima, generated from a seed and cached under the user's cache dir.

Instances come from T'kindt's generator (the recipe of the 100-500-job test sets) over every (R, T) class,
at several sizes; the decomposition search proves their optima (50 jobs take about 30 ms each here). The
test sets are never read. The cache file is keyed by the recipe, so the same spec gives the same instances
and optima on every machine; a damaged or foreign cache file is recomputed, never trusted blindly.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from optagent.agent.llm.cache import default_cache_path
from optagent.benchmarks.smtt.exact_bb import solve_bb
from optagent.benchmarks.smtt.instances import Instance, training_set
from optagent.errors import InputError

RECIPE = "clipped-v1"  # bump when the generator or the instance order changes


@dataclass(frozen=True)
class TrainingSpec:
    """``per_class`` instances of each size in every (R, T) class, generated from ``seed``."""

    sizes: tuple[int, ...] = (25, 50)
    per_class: int = 8
    seed: int = 2025
    time_limit: float = 60.0  # seconds of exact search per instance; unproven instances are left out

    def __post_init__(self) -> None:
        if not self.sizes or any(n < 2 or n > 200 for n in self.sizes):
            raise InputError(f"training sizes {self.sizes} must lie in 2..200", hint="e.g. --sizes 25,50")
        if self.per_class < 1:
            raise InputError(f"--per-class {self.per_class} must be at least 1", hint="e.g. --per-class 8")

    @property
    def key(self) -> str:
        text = json.dumps([RECIPE, list(self.sizes), self.per_class, self.seed, self.time_limit])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def describe(self) -> str:
        sizes = " and ".join(str(n) for n in self.sizes)
        instances = "instance" if self.per_class == 1 else "instances"
        return f"{self.per_class} generated {instances} per (R, T) class of {sizes} jobs (seed {self.seed})"


@dataclass(frozen=True)
class TrainingSet:
    spec: TrainingSpec
    instances: list[Instance]  # each with its proven optimum in ``opt``
    unproven: list[str] = field(default_factory=list)  # left out: not proven within the time limit
    path: Path | None = None


def generate(spec: TrainingSpec) -> list[Instance]:
    """The spec's instances in a fixed order (size-major, then class, then replicate), no optima yet."""
    out = []
    for n in spec.sizes:
        seed = random.Random(f"{spec.seed}:{n}").randrange(2**31)
        out += training_set(n, spec.per_class, seed)
    return out


def cache_file(spec: TrainingSpec, cache_dir: Path | None = None) -> Path:
    root = Path(cache_dir) if cache_dir else default_cache_path().parent
    return root / "smtt" / f"training-{spec.key}.json"


def _read(path: Path, spec: TrainingSpec, fresh: list[Instance]) -> TrainingSet | None:
    """The cached optima if the file is this spec's and its instances are the regenerated ones."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = {row["id"]: row for row in data["instances"]}
        optima = {}
        for instance in fresh:
            row = rows.get(instance.id)
            if row is None and instance.id in data["unproven"]:
                continue
            if row["p"] != instance.p or row["d"] != instance.d or not isinstance(row["opt"], int):
                return None
            optima[instance.id] = row["opt"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("spec") != json.loads(json.dumps(asdict(spec))) or data.get("recipe") != RECIPE:
        return None
    kept = [replace(i, opt=optima[i.id]) for i in fresh if i.id in optima]
    return TrainingSet(spec, kept, list(data["unproven"]), path)


def load_training(
    spec: TrainingSpec,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TrainingSet:
    """The spec's instances with proven optima: from the cache, or solved now and cached."""
    fresh = generate(spec)
    path = cache_file(spec, cache_dir)
    if path.exists():
        cached = _read(path, spec, fresh)
        if cached is not None:
            return cached
    kept, unproven, rows = [], [], []
    for done, instance in enumerate(fresh, 1):
        result = solve_bb(instance.p, instance.d, time_limit=spec.time_limit)
        if result.proven:
            kept.append(replace(instance, opt=result.value))
            rows.append({"id": instance.id, "p": instance.p, "d": instance.d, "opt": result.value})
        else:
            unproven.append(instance.id)
        if progress is not None:
            progress(done, len(fresh))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    payload = {"recipe": RECIPE, "spec": asdict(spec), "unproven": unproven, "instances": rows}
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    temporary.replace(path)  # atomic: an interrupted run leaves no half-written cache
    return TrainingSet(spec, kept, unproven, path)
