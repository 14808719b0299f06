"""Run a candidate in the sandbox on an instance set under the per-instance time budget, and score it.

A small probe set runs first: its permutations (and the constructive rule's orders) are the candidate's
behaviour signature, so a candidate that behaves like a known one is rejected before the full run. When the
candidate solves every probe instance optimally, the probe cannot tell strong candidates apart: the
signature then covers every training instance and is checked after the full run. The
rest runs in parallel chunks, one sandbox job each, on whatever executor is given (the local worker pool or
Ray). Every order is re-scored here; the time budget is enforced twice: inside the sandbox by the driver
(a timer on the thread's CPU time per instance) and outside by each job's wall-clock limit
(:func:`job_timeout`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from optagent.benchmarks.smtt.discovery.fitness import Bootstrap, Score, score
from optagent.benchmarks.smtt.discovery.template import GRACE, MARKER, assemble
from optagent.benchmarks.smtt.instances import Instance
from optagent.benchmarks.smtt.objective import total_tardiness
from optagent.errors import InputError
from optagent.sandbox import ExecStatus, ExecutionResult, Executor, Job, Limits

WALL_FACTOR = 10.0  # a job may take this many times its CPU budget in wall time (a loaded machine) + 10 s
REASON_CHARS = 400


def cpu_limit(budget_s: float) -> float:
    """The CPU seconds an instance may report before the candidate counts as over its budget (the
    driver's timer fires at budget * (1 + GRACE) + 2 ms; the rest is the timer's granularity)."""
    return budget_s * (1 + 3 * GRACE) + 0.01


def job_timeout(count: int, budget_s: float) -> float:
    return count * (budget_s * (1 + GRACE) + 0.005) * WALL_FACTOR + 10.0


@dataclass(frozen=True)
class Evaluation:
    ok: bool
    category: str = ""  # why it was rejected: compile, error, contract, over-budget, timeout, memory, ...
    reason: str = ""
    score: Score | None = None
    values: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    signature: str = ""


@dataclass(frozen=True)
class _Run:
    """One sandbox job's outcome on some instances: orders, CPU and wall seconds, constructive digests."""

    orders: list[list[int]]
    cpu: list[float]
    wall: list[float]
    construct: list[str]


def _failure(result: ExecutionResult, code_lines: int) -> tuple[str, str]:
    """(category, reason) of a failed sandbox run, in words an LLM can act on; lines named are the
    candidate's own (the driver's lines, after ``code_lines``, are not the candidate's to fix)."""
    if result.status is ExecStatus.CONTRACT_VIOLATION:
        return "contract", result.message
    if result.status is not ExecStatus.ERROR:
        return result.status.value, result.message
    error = result.error
    if error is None:
        category = "compile" if "does not compile" in result.message else "error"
        return category, result.message
    where = ""
    own = [line for line in error.lines if line.lineno <= code_lines]
    if own:
        where = f" at line {own[-1].lineno}: `{own[-1].text[:120]}`"
    if error.type == "TimeoutError" and "time budget" in error.message:
        return "over-budget", error.message
    category = "compile" if error.type in ("SyntaxError", "IndentationError", "TabError") else "error"
    return category, f"{error.type}: {error.message}{where}"


class Evaluator:
    """Scores programs (construct/improve) on ``instances`` (with optima) under ``budget_s`` CPU seconds
    per instance."""

    def __init__(
        self,
        instances: Sequence[Instance],
        executor: Executor,
        *,
        budget_s: float,
        time_weight: float = 0.1,
        parallel: int = 2,
        probe: int = 16,
        memory_mb: int = 1024,
        bootstrap_seed: int = 0,
    ) -> None:
        self.instances = list(instances)
        self.executor = executor
        self.budget_s = budget_s
        self.time_weight = time_weight
        self.parallel = max(1, parallel)
        self.memory_mb = memory_mb
        self.bootstrap = Bootstrap(self.instances, seed=bootstrap_seed)
        largest = max((i.n for i in self.instances), default=0)  # the most telling instances
        pool = [k for k, i in enumerate(self.instances) if i.n == largest]
        self.probe = pool[:: max(1, len(pool) // max(1, probe))][:probe]
        rest = [k for k in range(len(self.instances)) if k not in set(self.probe)]
        self.chunks = [c for c in (rest[j :: self.parallel] for j in range(self.parallel)) if c]

    def _job(self, code: str, indices: list[int]) -> Job:
        return Job(
            assemble(code, self.budget_s, len(indices)),
            contract="heuristic",
            instances=[{"p": self.instances[k].p, "d": self.instances[k].d} for k in indices],
            limits=Limits(timeout_s=job_timeout(len(indices), self.budget_s), memory_mb=self.memory_mb),
            label="smtt-candidate",
        )

    def _run(self, code: str, indices: list[int]) -> _Run | tuple[str, str]:
        result = self.executor.run(self._job(code, indices))
        if not result.ok or result.heuristic is None:
            category, reason = _failure(result, len(code.splitlines()))
            return category, reason[:REASON_CHARS]
        lines = [line for line in result.stdout.splitlines() if line.startswith(MARKER)]
        try:
            report = json.loads(lines[-1][len(MARKER) :])
            cpu = [float(x) for x in report["cpu"]]
            construct = [str(x) for x in report["construct"]]
        except (IndexError, ValueError, KeyError, TypeError):
            return "driver", (
                "the evaluator's per-instance report is missing from stdout: do not write to file "
                "descriptor 1 directly or close it"
            )
        orders = result.heuristic.permutations
        if not len(cpu) == len(construct) == len(orders) == len(indices):
            return "driver", "the evaluator's per-instance report does not match the instances"
        worst = max(range(len(cpu)), key=cpu.__getitem__)
        if cpu[worst] > cpu_limit(self.budget_s):
            n = self.instances[indices[worst]].n
            return "over-budget", (
                f"an instance of {n} jobs took {cpu[worst]:.3f} s CPU, over the budget of "
                f"{self.budget_s:g} s (the evaluator's timer was caught or disabled, or one call into native "
                "code, such as a numpy operation on large arrays, ran past it: the timer interrupts Python "
                "code only)"
            )
        return _Run(orders, cpu, list(result.heuristic.seconds), construct)

    def _solves_all(self, indices: list[int], orders: list[list[int]]) -> bool:
        """True when every order is optimal for its instance (each with a proven optimum)."""
        for k, order in zip(indices, orders):
            instance = self.instances[k]
            if instance.opt is None or total_tardiness(instance.p, instance.d, order) != instance.opt:
                return False
        return bool(indices)

    def evaluate(self, code: str, known: Callable[[str], int | None] | None = None) -> Evaluation:
        """Score ``code``. With ``known`` (signature -> id of a candidate that has it) the probe runs first
        and a candidate that behaves like a known one is rejected as a duplicate before the other chunks
        run; without it every chunk runs at once."""

        def run(chunk: list[int]) -> _Run | tuple[str, str]:
            return self._run(code, chunk)

        if known is None:
            with ThreadPoolExecutor(max_workers=self.parallel) as threads:
                probe, *runs = threads.map(run, [self.probe, *self.chunks])
        else:
            probe = run(self.probe)
        if isinstance(probe, tuple):
            return Evaluation(False, *probe)
        telling = not self._solves_all(self.probe, probe.orders)
        signature = _signature(probe.orders, probe.construct)
        duplicate = known(signature) if known is not None and telling else None
        if duplicate is not None:
            return Evaluation(
                False,
                "duplicate",
                f"behaves exactly like candidate {duplicate} (the same orders on {len(self.probe)} probe "
                "instances): a new candidate needs a genuinely different rule or search",
                signature=signature,
            )
        if known is not None:
            with ThreadPoolExecutor(max_workers=self.parallel) as threads:
                runs = list(threads.map(run, self.chunks))
        for failed in runs:
            if isinstance(failed, tuple):
                return Evaluation(False, *failed, signature=signature)
        n = len(self.instances)
        orders: list[list[int]] = [[] for _ in range(n)]
        built: list[str] = [""] * n
        cpu, wall = [0.0] * n, [0.0] * n
        for indices, run in zip([self.probe, *self.chunks], [probe, *runs]):
            for k, order, c, w, b in zip(  # type: ignore[union-attr]
                indices, run.orders, run.cpu, run.wall, run.construct
            ):
                orders[k], cpu[k], wall[k], built[k] = order, c, w, b
        if not telling:  # every probe solved optimally: only the whole training set tells candidates apart
            signature = _signature(orders, built)
            duplicate = known(signature) if known is not None else None
            if duplicate is not None:
                return Evaluation(
                    False,
                    "duplicate",
                    f"behaves exactly like candidate {duplicate} (the same orders on all {n} training "
                    "instances): a new candidate needs a genuinely different rule or search",
                    signature=signature,
                )
        values = [total_tardiness(i.p, i.d, o) for i, o in zip(self.instances, orders)]
        below = [i.id for i, v in zip(self.instances, values) if i.opt is not None and v < i.opt]
        if below:
            raise InputError(
                f"a candidate beat the stored optimum of {', '.join(below[:3])}: those optima are wrong",
                hint="delete the cached training optima (under ~/.cache/optagent/smtt/) and run again",
            )
        result = score(
            self.instances,
            values,
            cpu,
            wall,
            budget_s=self.budget_s,
            time_weight=self.time_weight,
            bootstrap=self.bootstrap,
        )
        return Evaluation(True, score=result, values=values, cpu=cpu, signature=signature)


def _signature(orders: list[list[int]], construct: list[str]) -> str:
    """A candidate's behaviour: its final and its constructive orders, hashed."""
    return hashlib.sha256(json.dumps([orders, construct]).encode()).hexdigest()[:16]
