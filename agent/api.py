"""Python API: ``solve(text) -> Answer`` and ``stream(text)`` yielding steps, then the Answer."""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from optagent.agent import diagnosis, quantities
from optagent.agent.answer import Answer, Reading
from optagent.agent.config import RunConfig
from optagent.agent.deps import Deps
from optagent.agent.graph import build_graph
from optagent.agent.llm import LLM, make_llm
from optagent.agent.steps import Step
from optagent.errors import InputError
from optagent.formulations import Formulation
from optagent.formulations.render import render_text
from optagent.limits import check_problem_text
from optagent.prompts import PROMPT_SET_VERSION
from optagent.sandbox import WorkerPool
from optagent.sandbox.executor import Executor

_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def default_executor() -> Executor:
    """One warm sandbox pool per process, started on first use and closed at exit."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(2)
            atexit.register(_POOL.close)
        return _POOL


_VERDICT_TEXT = {
    "agreed": "Agreed: the formulation and a program written independently from the text reach the same "
    "optimum, and the program's solution satisfies every constraint of the formulation.",
    "ambiguous": "Ambiguous: readings of the text give different optima; the most literal reading is shown.",
    "disputed": "Disputed: the formulation and the program disagree; the formulation's answer is shown.",
}
_WHERE = {"formulation": "the formulation (compiled deterministically)", "program": "the generated program"}


def _explain(answer: Answer) -> str:
    if answer.verdict == "failed":
        return f"No answer: {answer.failure}"
    text = _VERDICT_TEXT.get(answer.verdict) or (
        f"Solved by {_WHERE.get(answer.answer_from, answer.answer_from)}; "
        "not confirmed by an independent path."
    )
    if answer.objective is not None:
        text += f" Objective: {answer.objective:.10g} ({answer.status})."
    if answer.verdict == "ambiguous":
        others = [f"{value:.10g} if {members[0].text}" for value, members in answer.distinct_optima()[1:]]
        if others:
            text += " Other readings: " + "; ".join(others) + "."
    nonzero = []
    for name, entry in answer.values.items():
        items = entry.items() if isinstance(entry, dict) else [("", entry)]
        nonzero += [
            f"{name}[{k}] = {v:.6g}" if k else f"{name} = {v:.6g}" for k, v in items if v and abs(v) > 1e-9
        ]
    if nonzero:
        text += " Decisions: " + ", ".join(nonzero[:12]) + (" ..." if len(nonzero) > 12 else "") + "."
    if answer.assumptions:
        text += " Assumed: " + "; ".join(a.removeprefix("assumption: ") for a in answer.assumptions) + "."
    return text


def _readings(state: dict[str, Any]) -> list[Reading]:
    """The formulation as the literal reading (with its own solve's result, whichever path answered), then
    every other reading built."""
    if not state.get("formulation"):
        return []
    ir = state.get("ir_result") or {}
    main = Reading(
        "as formulated (the most literal reading)",
        True,
        {},
        ir.get("solution_status", "none"),
        ir.get("objective"),
        ir.get("termination") == "optimal" and ir.get("objective") is not None,
    )
    return [main] + [Reading(**r) for r in state.get("readings") or []]


def _quantities(state: dict[str, Any], values: dict[str, Any]) -> tuple[dict[str, float], list[str]]:
    answers = (state.get("extras") or {}).get("answers") or {}
    if not answers or not values or not state.get("formulation"):
        return {}, []
    found, problems = quantities.evaluate(Formulation.from_data(state["formulation"]), answers, values)
    check = f"answers: {len(found)} of {len(answers)} asked quantities evaluated on the solution"
    return found, [check] + [f"answers: {p}" for p in problems]


def _assemble(state: dict[str, Any], deps: Deps, seconds: float) -> Answer:
    cfg = deps.config
    steps: list[Step] = state.get("steps", [])
    source = state.get("answer_from", "")
    ir = state.get("ir_result") or {}
    code = state.get("code_result") or {}
    solution = code.get("solution") or {}
    verdict = state.get("verdict") or "failed"
    picked = solution if source == "program" else ir
    if verdict == "failed":
        status, objective = "none", None
    elif source == "program":
        status, objective = solution.get("status", "unknown"), solution.get("objective")
    else:
        status, objective = ir.get("solution_status", "unknown"), ir.get("objective")
    if status == "time_limit":
        status = "feasible"  # a best solution, not proven optimal
    values = ir.get("values", {}) if source == "formulation" else {}
    program_values = solution.get("variables", {})
    formulation = state.get("formulation")
    if source == "program" and formulation:
        mapped = diagnosis.map_program_values(Formulation.from_data(formulation), program_values)
        values = mapped.values if mapped.mapped else {}
    found, answer_checks = _quantities(state, values)
    calls = [s.llm for s in steps if s.llm is not None]
    costs = [c.cost_usd for c in calls if not c.cached]
    notes = [n for n in state.get("notes", []) if not n.startswith("assumption: ")]
    answer = Answer(
        verdict=verdict,
        status=status,
        objective=objective,
        values=values,
        program_values=program_values,
        answer_from=source,
        sense=(formulation or {}).get("objective", {}).get("sense", ""),
        bound=picked.get("bound") if verdict != "failed" else None,
        gap=picked.get("gap") if verdict != "failed" else None,
        checks=list(state.get("checks") or []) + answer_checks,
        readings=_readings(state),
        quantities=found,
        formulation=formulation,
        model_text=render_text(Formulation.from_data(formulation)) if formulation else "",
        code=state.get("code"),
        failure=state.get("failure", ""),
        assumptions=[n for n in state.get("notes", []) if n.startswith("assumption: ")],
        notes=notes,
        steps=steps,
        model=deps.llm.model_id,
        mode=cfg.mode,
        prompt_version=PROMPT_SET_VERSION,
        config=cfg.to_dict(),
        llm_calls=len(calls),
        cached_calls=sum(c.cached for c in calls),
        prompt_tokens=sum(c.prompt_tokens for c in calls),
        completion_tokens=sum(c.completion_tokens for c in calls),
        cost_usd=None if any(c is None for c in costs) else round(sum(costs), 6),
        seconds=round(seconds, 3),
    )
    answer.explanation = _explain(answer)
    return answer


def _setup(
    text: str,
    llm: LLM | None,
    executor: Executor | None,
    model: str | None,
    config: RunConfig,
    code_llm: LLM | None = None,
) -> Deps:
    if not isinstance(text, str):
        raise InputError("the problem text must be a string", hint="describe the problem in words")
    check_problem_text(text)  # not empty, not longer than optagent.limits.MAX_PROBLEM_CHARS
    if code_llm is None and config.code_model:
        code_llm = make_llm(model=config.code_model)
    return Deps(
        llm=llm or make_llm(model=model),
        executor=executor or default_executor(),
        config=config,
        code_llm=code_llm,
    )


def _asks(asks: Sequence[str] | None) -> list[str]:
    if asks is None:
        return []
    if isinstance(asks, str) or not all(isinstance(a, str) and a.strip() for a in asks):
        raise InputError("asks must be a list of non-empty strings", hint='e.g. asks=["Total profit"]')
    return [a.strip() for a in asks]


def _run(problem: str, deps: Deps, asks: list[str]) -> Iterator[Step | Answer]:
    graph = build_graph(deps)
    state: dict[str, Any] = {"problem": problem.strip(), "asks": asks, "steps": [], "repairs": 0, "notes": []}
    limit = {"recursion_limit": 40 + 8 * deps.config.budget}  # a backstop; the budget ends runs first
    start = time.perf_counter()
    # "updates" give each node's new steps as it finishes; "values" the state merged by the graph's reducers.
    for mode, chunk in graph.stream(state, config=limit, stream_mode=["updates", "values"]):
        if mode == "values":
            state = chunk
            continue
        for node_update in chunk.values():
            yield from (node_update or {}).get("steps", [])
    yield _assemble(state, deps, time.perf_counter() - start)


def _config(mode: str, solver: str, budget: int, samples: int, **options: Any) -> RunConfig:
    return RunConfig(mode=mode, solver=solver, budget=budget, samples=samples, **options)


def stream(
    text: str,
    *,
    model: str | None = None,
    mode: str = "full",
    solver: str = "auto",
    budget: int = 4,
    llm: LLM | None = None,
    executor: Executor | None = None,
    asks: Sequence[str] | None = None,
    code_llm: LLM | None = None,
    **options: Any,
) -> Iterator[Step | Answer]:
    """Like ``solve`` (one sample): yield each ``Step`` as it finishes, then the ``Answer``.

    Takes the same arguments and options as ``optagent.solve``; see ``help(optagent.solve)``."""
    deps = _setup(text, llm, executor, model, _config(mode, solver, budget, 1, **options), code_llm)
    yield from _run(text, deps, _asks(asks))


def solve(
    text: str,
    *,
    model: str | None = None,
    mode: str = "full",
    solver: str = "auto",
    budget: int = 4,
    samples: int = 1,
    llm: LLM | None = None,
    executor: Executor | None = None,
    asks: Sequence[str] | None = None,
    code_llm: LLM | None = None,
    **options: Any,
) -> Answer:
    """Model and solve a problem stated in words; returns an ``Answer`` (verdict, objective, values,
    formulation, program, explanation, steps, tokens, cost).

    Args:
        text: the problem in words (at most ``optagent.limits.MAX_PROBLEM_CHARS`` characters).
        model: an LLM spec such as ``"gpt-4o"``, ``"ollama:qwen2.5:14b"``, ``"hf:/path"`` or
            ``"scripted:replies.json"``; default: ``OPTAGENT_MODEL``, then the config file.
        mode: ``"full"`` (formulation and an independent program, cross-checked), ``"ir"`` (formulation
            only), ``"code"`` (program only), ``"five-element"`` (formulation, then a program from it) or
            ``"lean"`` (formulation and program in one reply, cross-checked but not independent).
        solver: ``"auto"``, ``"highs"``, ``"scip"`` or ``"gurobi"`` for the formulation.
        budget: repair attempts allowed after the first try of each step.
        samples: k > 1 runs k samples at temperature 0.7 and reports the largest cluster of objectives.
        llm: an LLM object (any ``complete(LLMRequest) -> LLMResponse``), instead of ``model``.
        executor: the sandbox that runs generated programs (default: a shared warm pool).
        asks: the quantities the question asks for, by name (e.g. OptiBench's requested keys); the
            answer's ``quantities`` maps each to its value.
        code_llm: another LLM object for the independent program path (or the ``code_model`` option).
        **options: other ``RunConfig`` settings: ``time_limit`` (solver seconds per solve, 60),
            ``code_library`` (``"pyomo"`` or ``"gurobipy"``), ``code_timeout`` (sandbox seconds per program,
            120), ``temperature`` (0.0), ``tolerance`` (relative agreement of two objectives, 1e-6),
            ``code_model`` (an LLM spec for the program path; "" = the run's own), ``code_temperature``
            (the program path's temperature; None = the run's own).
            An unknown option is a TypeError; a bad value an ``InputError`` before any LLM call.
    """
    config = _config(mode, solver, budget, samples, **options)
    deps = _setup(text, llm, executor, model, config, code_llm)
    wanted = _asks(asks)
    answers = []
    for k in range(config.samples):
        run_deps = Deps(deps.llm, deps.executor, config, sample=k, code_llm=deps.code_llm)
        answers.append(next(a for a in _run(text, run_deps, wanted) if isinstance(a, Answer)))
    if len(answers) == 1:
        return answers[0]
    return _majority(answers, config.tolerance)


def _majority(answers: list[Answer], tolerance: float) -> Answer:
    """The largest cluster of objectives within tolerance; ties go to the cluster with more agreed answers."""
    clusters: list[list[Answer]] = []
    for answer in (a for a in answers if a.ok and a.objective is not None):
        for cluster in clusters:
            if diagnosis.agree(answer.objective, cluster[0].objective, tolerance):
                cluster.append(answer)
                break
        else:
            clusters.append([answer])
    if not clusters:
        chosen = answers[0]
        chosen.agreement = 0.0
        return chosen
    best = max(clusters, key=lambda c: (len(c), sum(a.verdict == "agreed" for a in c)))
    chosen = next((a for a in best if a.verdict == "agreed"), best[0])
    chosen.agreement = len(best) / len(answers)
    chosen.notes.append(
        f"self-consistency: {len(best)} of {len(answers)} samples agree on {chosen.objective:.10g} "
        f"({len(clusters)} distinct answers)"
    )
    for field_name in ("llm_calls", "cached_calls", "prompt_tokens", "completion_tokens", "seconds"):
        setattr(chosen, field_name, sum(getattr(a, field_name) for a in answers))
    costs = [a.cost_usd for a in answers]
    chosen.cost_usd = None if any(c is None for c in costs) else sum(costs)  # type: ignore[arg-type]
    return chosen
