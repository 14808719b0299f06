"""Building solver-verified training examples from references, benchmark runs and a teacher model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from optagent.agent import prompting
from optagent.agent.llm.types import LLM, LLMRequest, Message
from optagent.agent.nodes.formulate import accept_formulation
from optagent.agent.nodes.run_code import code_feedback
from optagent.agent.parse import ReplyFormatError, extract_code, extract_json
from optagent.benchmarks import registry
from optagent.benchmarks.problem import Problem
from optagent.errors import OptagentError
from optagent.finetune import examples as ex
from optagent.finetune.examples import Example
from optagent.formulations import Formulation
from optagent.formulations.solve import solve
from optagent.prompts import render
from optagent.sandbox import Job, Limits
from optagent.sandbox.executor import Executor

_LOAD = re.compile(
    r"^([ \t]*)with open\([^\n]*parameters\.json[^\n]*\) as (\w+):[ \t]*\n[ \t]*data = json\.load\(\2\)", re.M
)
AGREED = ("agreed", "verified")  # "verified": the same verdict in run files written before it was renamed
TOPICS = (
    "production planning",
    "staff scheduling",
    "transportation and logistics",
    "blending and diets",
    "facility location",
    "portfolio selection",
    "energy dispatch",
    "inventory over several periods",
)


def _agrees(objective: float | None, label: float | None) -> bool:
    return objective is not None and label is not None and abs(objective - label) / (abs(label) + 1) < 1e-6


def from_references(root: Path, references: Path, dataset: str = "logior") -> list[Example]:
    """Problem -> formulation for every reference formulation whose solve reproduces the label."""
    problems = {p.id: p for p in registry.load(dataset, root)}
    out = []
    for path in sorted(references.glob("*.json")):
        problem = problems.get(path.stem)
        if problem is None:
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("metadata", None)
        result = solve(Formulation.from_data(data), time_limit=60)
        if _agrees(result.objective, problem.expected.objective):
            out.append(ex.problem_to_formulation(problem.text, data, f"{dataset}:{problem.id}"))
    return out


def inline_data(code: str, parameters: str) -> str | None:
    """OptiMUS programs read parameters.json; put the data into the program instead (None if not found)."""
    replaced, count = _LOAD.subn(lambda m: f"{m.group(1)}data = json.loads({parameters!r})", code)
    return replaced if count == 1 else None


def from_nlp4lp(root: Path, executor: Executor) -> list[Example]:
    """Problem -> gurobipy program for each OptiMUS program that reproduces its label in the sandbox, and a
    repair example per program: a realistic fault injected, the sandbox's real error, the original fix."""
    from optagent.benchmarks import nlp4lp_programs as nlp

    out = []
    for row in nlp.load(root):
        code = inline_data(row.code, row.parameters)
        if code is None or row.objective is None:
            continue
        result = executor.run(Job(code, contract="script", limits=Limits(timeout_s=60)))
        if not (result.ok and _agrees(result.objective, row.objective)):
            continue
        source = f"nlp4lp:{row.id}"
        out.append(ex.problem_to_code(row.description, code, source, library="gurobipy"))
        faulty = code.replace("model.optimize()", "model.optimise()", 1)
        if faulty != code:
            broken = executor.run(Job(faulty, contract="script", limits=Limits(timeout_s=60)))
            if not broken.ok:
                out.append(ex.repair_code(row.description, faulty, code_feedback(broken), code, source))
    return out


def from_runs(run_files: Iterable[Path], root: Path) -> list[Example]:
    """Problem -> formulation and problem -> program from records whose answer was agreed (two independent
    paths, cross-checked) and correct."""
    from optagent.evaluation.records import RunFile

    out: list[Example] = []
    datasets: dict[str, dict[str, Problem]] = {}  # each dataset is loaded once
    for path in run_files:
        for record in RunFile(path).records():
            if record.get("verdict") not in AGREED or not record.get("scores", {}).get("strict"):
                continue
            if record["dataset"] not in datasets:
                datasets[record["dataset"]] = {p.id: p for p in registry.load(record["dataset"], root)}
            problem = datasets[record["dataset"]].get(record["problem_id"])
            if problem is None:
                continue
            source = f"run:{record['dataset']}:{problem.id}"
            if record.get("formulation"):
                out.append(ex.problem_to_formulation(problem.text, record["formulation"], source))
            if record.get("code"):
                out.append(ex.problem_to_code(problem.text, record["code"], source))
    return out


def synthesize(
    teacher: LLM, executor: Executor, count: int, *, seed: int = 0
) -> tuple[list[Example], list[str]]:
    """ReSocratic style: the teacher writes a formulation first, then the question; a candidate is kept only
    when its formulation solves and a program the teacher writes from the question agrees with it."""
    kept, rejected = [], []
    for k in range(count):
        topic = TOPICS[(seed + k) % len(TOPICS)]

        def ask(tag: str, text: str, k: int = k) -> str:
            request = LLMRequest(
                (Message("system", render("system").text), Message("user", text)),
                temperature=0.7,
                seed=seed + k,
                sample=seed + k,
                tag=tag,
            )
            return teacher.complete(request).text

        try:
            data = extract_json(ask("synth_formulation", render("synth_formulation", topic=topic).text))
            formulation, complaint = accept_formulation(data)
            if formulation is None:
                raise ReplyFormatError(f"invalid formulation: {complaint[:200]}")
            result = solve(Formulation.from_data(formulation), time_limit=60)
            if not result.has_solution:
                raise ReplyFormatError(f"the formulation does not solve ({result.termination.value})")
            question = ask(
                "synth_question", render("synth_question", formulation=json.dumps(formulation)).text
            )
            code_prompt = prompting.code_prompt(question.strip()).text
            code = extract_code(ask("code_from_text", code_prompt))
            run = executor.run(Job(code, contract="auto", limits=Limits(timeout_s=60)))
            if not (run.ok and _agrees(run.objective, result.objective)):
                raise ReplyFormatError(
                    f"the program gives {run.objective} ({run.status.value}), "
                    f"the formulation {result.objective}"
                )
        except (ReplyFormatError, OptagentError) as exc:
            rejected.append(f"synthetic {k} ({topic}): {exc}")
            continue
        source = f"synth:{k}"
        kept.append(ex.problem_to_formulation(question.strip(), formulation, source))
        kept.append(ex.problem_to_code(question.strip(), code, source))
    return kept, rejected


def write_jsonl(examples: list[Example], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
    return path


def summary(examples: list[Example]) -> dict[str, Any]:
    by_task: dict[str, int] = {}
    for example in examples:
        by_task[example.task] = by_task.get(example.task, 0) + 1
    return {"examples": len(examples), "by_task": by_task}
