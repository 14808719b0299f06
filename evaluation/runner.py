"""Run the agent over a dataset: concurrent problems, sandboxed programs, live accuracy, resumable."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from optagent.agent import solve
from optagent.agent.answer import Answer
from optagent.agent.config import RunConfig
from optagent.agent.llm.types import (
    LLM,
    LLMAuthError,
    LLMModelNotFound,
    LLMNotConfigured,
    LLMUnavailable,
)
from optagent.benchmarks.problem import Problem
from optagent.benchmarks.registry import spec, version_hash
from optagent.errors import OptagentError
from optagent.evaluation.records import RunFile
from optagent.evaluation.scoring import Prediction, rules_for, score
from optagent.prompts import PROMPT_SET_VERSION
from optagent.sandbox.executor import Executor

TIMING_FIELDS = ("latency_s", "finished_at")
FEEDBACK_CHARS = 2000  # each step's feedback kept in the record, head and tail
# LLM errors that would fail every problem alike (a refused key, an unknown model, no server) stop the run,
# with no record for the problem, so a rerun after the fix resumes. Other LLM errors fail one problem.
STOPS_THE_RUN = (LLMNotConfigured, LLMAuthError, LLMModelNotFound, LLMUnavailable)


def prediction_of(answer: Answer | None) -> Prediction:
    if answer is None or answer.verdict == "failed":
        return Prediction(None, "none")
    return Prediction(answer.objective, answer.status, dict(answer.quantities))


def asked_quantities(problem: Problem) -> list[str]:
    """The quantities a dataset scored under all-keys asks for, by their descriptions (never their values):
    the agent is told them, as ReSocratic's own scorer tells its model."""
    return list(problem.expected.quantities) if "optibench-all-keys" in spec(problem.dataset).rules else []


def _bounded(text: str, limit: int = FEEDBACK_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters cut ...]\n{text[-half:]}"


def step_records(answer: Answer) -> list[dict[str, Any]]:
    """Each step: node, outcome, summary, and the exact feedback sent back to the LLM (bounded)."""
    return [
        {"node": s.node, "outcome": s.outcome, "summary": s.summary, "feedback": _bounded(s.feedback)}
        for s in answer.steps
    ]


def make_record(
    problem: Problem, identity: dict[str, Any], answer: Answer | None, error: str, seconds: float
):
    predicted = prediction_of(answer)
    scores = score(problem.expected, predicted, rules_for(spec(problem.dataset).rules))
    record: dict[str, Any] = {
        **identity,
        "problem_id": problem.id,
        "content_hash": problem.content_hash,
        "problem_type": problem.problem_type,
        "size": problem.size,
        "expected": {
            "objective": problem.expected.objective,
            "infeasible": problem.expected.infeasible,
            "quantities": problem.expected.quantities,
            "raw": problem.expected.raw,
        },
        "predicted": {
            "objective": predicted.objective,
            "status": predicted.status,
            "quantities": predicted.quantities,
        },
        "scores": scores,
        "verdict": answer.verdict if answer else "error",
        "error": error,
        "latency_s": round(seconds, 3),
        "finished_at": time.time(),
    }
    if answer is not None:
        record.update(
            attempts=answer.route,
            repairs=sum(1 for s in answer.steps if s.outcome.startswith("repair") or s.node == "reconcile"),
            llm_calls=answer.llm_calls,
            cached_calls=answer.cached_calls,
            tokens={"prompt": answer.prompt_tokens, "completion": answer.completion_tokens},
            cost_usd=answer.cost_usd,
            failure=answer.failure,
            formulation=answer.formulation,
            code=answer.code,
            notes=answer.notes + answer.assumptions,
            steps=step_records(answer),
            checks=answer.checks,
            readings=[r.to_dict() for r in answer.readings],
            quantities=answer.quantities,
            sense=answer.sense,
            answer_from=answer.answer_from,
            bound=answer.bound,
            gap=answer.gap,
        )
    return record


def run_benchmark(
    problems: list[Problem],
    out: str | Path,
    *,
    llm: LLM,
    executor: Executor,
    config: RunConfig,
    workers: int = 2,
    on_record: Callable[[dict[str, Any], int, int], None] | None = None,
    whole: list[Problem] | None = None,
) -> list[dict[str, Any]]:
    """Solve every problem not yet in ``out``; returns all records of the run (old and new).

    ``whole``: the whole dataset when ``problems`` is a part of it; records then carry the whole dataset's
    version hash and the ids of the part (``subset_ids``)."""
    if not problems:
        return []
    dataset = problems[0].dataset
    identity = {
        "dataset": dataset,
        "dataset_hash": version_hash(whole or problems),
        "subset_ids": [p.id for p in problems] if whole and len(problems) < len(whole) else None,
        "model": llm.model_id,
        "prompt_version": PROMPT_SET_VERSION,
        "mode": config.mode,
        "config": config.to_dict(),
    }
    run = RunFile(out)
    run.check_identity(identity, subset_hash=version_hash(problems))
    done = {r["problem_id"] for r in run.records()}
    todo = [p for p in problems if p.id not in done]
    options = {k: v for k, v in config.to_dict().items() if k not in ("mode", "solver", "budget", "samples")}

    def one(problem: Problem) -> dict[str, Any]:
        start = time.perf_counter()
        answer, error = None, ""
        try:
            answer = solve(
                problem.text,
                llm=llm,
                executor=executor,
                mode=config.mode,
                solver=config.solver,
                budget=config.budget,
                samples=config.samples,
                asks=asked_quantities(problem),
                **options,
            )
        except STOPS_THE_RUN:
            raise
        except OptagentError as exc:  # LLMError included: this problem failed, the run goes on
            error = f"{exc.code}: {exc}"
        return make_record(problem, identity, answer, error, time.perf_counter() - start)

    finished = len(done)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: set[Future] = set()
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < workers:
                    pending.add(pool.submit(one, queue.pop(0)))
                complete, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in complete:
                    record = future.result()
                    run.append(record)
                    finished += 1
                    if on_record is not None:
                        on_record(record, finished, len(problems))
        except BaseException:
            # Stop: cancel what has not started, keep every record that still finishes.
            for future in pending:
                if not future.cancel():
                    with contextlib.suppress(BaseException):
                        run.append(future.result())
            raise
    return run.records()
