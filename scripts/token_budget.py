"""Prompt and completion tokens per agent mode, counted with a real BPE tokenizer on scripted runs.

    python scripts/token_budget.py [--modes full,lean,...] [--data-dir DIR]

Problems: three LogiOR and three OptiBench dev problems (texts read from the shared benchmark folder, never
copied). Replies: written for these problems and stored in ``examples/token_budget/`` (LogiOR's reference
formulations from ``examples/logior/``, a formulation per OptiBench problem, a Pyomo program per problem, the
short reasoning a model writes before its program); a reply answers what its prompt asks (the extra keys of
the formulate reply only when the prompt names them, compact JSON when the prompt asks for it, the short
reasoning before a program only when the prompt asks for it). Every run is
real apart from the LLM: the formulation is solved, the program runs in the sandbox, the answers are
cross-checked, so the calls made are the calls a run with these replies makes.

Tokens: o200k_base (GPT-4o's BPE) from the ``bpe-openai`` wheel, which ships its vocabulary (no download at
run time: ``pip install "optagent[tokens]"``); per chat message 3 tokens of framing, plus 3 to prime the
reply, as OpenAI counts them. ``chars/4`` is printed beside it because ORThought's figures (about 3.2k tokens
per LogiOR-style problem and 2.0k per OptiBench-style one, prompt + completion) were counted that way.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPLIES = ROOT / "examples" / "token_budget"
ORTHOUGHT = {"logior": 3200, "optibench": 2000}  # tokens per problem, chars/4, as measured in issue 11
TARGETS = {"full": 1.5, "lean": 1.0}
PER_MESSAGE, REPLY_PRIMING = 3, 3


def tokenizer() -> tuple[Any, str]:
    try:
        import bpe_openai
    except ImportError:
        sys.exit('this script needs a BPE tokenizer with its vocabulary: pip install "optagent[tokens]"')
    from importlib.metadata import version

    return bpe_openai.get_encoding("o200k_base"), f"o200k_base (bpe-openai {version('bpe-openai')})"


@dataclass
class Case:
    key: str
    dataset: str
    problem_id: str
    text: str
    asks: list[str]
    formulation: dict[str, Any]
    extras: dict[str, Any]
    understand: dict[str, Any]
    reasoning: str
    program: str


def load_cases(data_dir: Path) -> list[Case]:
    from optagent.benchmarks import registry

    loaded: dict[str, dict[str, Any]] = {}
    cases = []
    for path in sorted(REPLIES.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        dataset, problem_id = spec["source"]["dataset"], spec["source"]["id"]
        if dataset not in loaded:
            loaded[dataset] = {p.id: p for p in registry.load(dataset, data_dir)}
        problem = loaded[dataset][problem_id]
        formulation = spec.get("formulation") or json.loads((ROOT / spec["formulation_file"]).read_text())
        formulation.pop("metadata", None)
        asks = list(problem.expected.quantities) if dataset == "optibench" else []
        cases.append(
            Case(
                path.stem,
                dataset,
                problem_id,
                problem.text,
                asks,
                formulation,
                spec.get("extras", {}),
                spec["understand"],
                spec["reasoning"],
                path.with_suffix(".py").read_text(encoding="utf-8"),
            )
        )
    return cases


def _json(data: dict[str, Any], prompt: str) -> str:
    compact = "compact JSON" in prompt
    return json.dumps(data, ensure_ascii=False, indent=None if compact else 1)


def replies(case: Case) -> dict[str, Any]:
    """Reply functions per step tag: each answers what its prompt asks."""

    def formulation(request: Any) -> str:
        prompt = request.prompt_text
        extra = {k: v for k, v in case.extras.items() if f'"{k}"' in prompt}
        return "```json\n" + _json({**case.formulation, **extra}, prompt) + "\n```"

    code = "```python\n" + case.program.strip() + "\n```"
    return {
        "understand": lambda r: json.dumps(case.understand, ensure_ascii=False, indent=1),
        "formulate": formulation,
        "code_from_text": lambda r: case.reasoning + "\n" + code,
        "code_from_ir": lambda r: code,
        "lean": lambda r: formulation(r) + "\n" + code,  # the lean prompt asks for no reasoning
    }


@dataclass
class Counter:
    """Wraps an LLM; counts every request and reply with the tokenizer."""

    inner: Any
    encoding: Any
    calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def complete(self, request: Any) -> Any:
        response = self.inner.complete(request)
        prompt = sum(len(self.encoding.encode(m.content)) + PER_MESSAGE for m in request.messages)
        chars = sum(len(m.content) for m in request.messages)
        self.calls.append(
            {
                "tag": request.tag,
                "prompt": prompt + REPLY_PRIMING,
                "completion": len(self.encoding.encode(response.text)),
                "chars4": (chars + len(response.text)) / 4,
            }
        )
        return response


def run_case(case: Case, mode: str, encoding: Any, pool: Any) -> dict[str, Any]:
    import optagent
    from optagent.agent.llm import ScriptedLLM

    table = replies(case)
    llm = Counter(ScriptedLLM({}, "scripted:token-budget", defaults=table), encoding)  # type: ignore[arg-type]
    options: dict[str, Any] = {}
    if case.asks and "asks" in inspect.signature(optagent.solve).parameters:
        options["asks"] = case.asks
    answer = optagent.solve(case.text, llm=llm, executor=pool, mode=mode, **options)
    return {
        "case": case.key,
        "mode": mode,
        "verdict": answer.verdict,
        "objective": answer.objective,
        "route": answer.route,
        "calls": [c["tag"] for c in llm.calls],
        "prompt": sum(c["prompt"] for c in llm.calls),
        "completion": sum(c["completion"] for c in llm.calls),
        "chars4": round(sum(c["chars4"] for c in llm.calls)),
    }


def main() -> None:
    from optagent.agent.config import MODES
    from optagent.prompts import PROMPT_SET_VERSION
    from optagent.sandbox import Limits, WorkerPool

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES))
    default_data = os.environ.get("OPTAGENT_BENCHMARKS", str(ROOT.parent / "shared" / "benchmarks"))
    parser.add_argument("--data-dir", default=default_data)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    encoding, tokenizer_name = tokenizer()
    data_dir = Path(args.data_dir)
    if not data_dir.exists():
        sys.exit(f"benchmark data not found at {data_dir} (--data-dir or OPTAGENT_BENCHMARKS)")
    cases = load_cases(data_dir)
    modes = [m for m in args.modes.split(",") if m in MODES]
    print(f"tokenizer: {tokenizer_name}; prompts {PROMPT_SET_VERSION}")
    print("problems: " + ", ".join(f"{c.dataset} {c.problem_id}" for c in cases))
    print(f"replies: {REPLIES.relative_to(ROOT)}/<problem>.json and .py (formulations, programs, reasoning)")
    rows = []
    with WorkerPool(1, limits=Limits(timeout_s=60)) as pool:
        for mode in modes:
            for case in cases:
                rows.append(run_case(case, mode, encoding, pool))
    print("\n| mode | problem | calls | prompt | completion | total | chars/4 | verdict | objective |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['mode']} | {r['case']} | {'+'.join(r['calls'])} | {r['prompt']} | {r['completion']} | "
            f"{r['prompt'] + r['completion']} | {r['chars4']} | {r['verdict']} | {r['objective']} |"
        )
    print("\nmean tokens per problem (prompt + completion), against ORThought's figures:")
    print("| mode | dataset | o200k | chars/4 | x ORThought (o200k) | x ORThought (chars/4) | target |")
    print("|---|---|---|---|---|---|---|")
    for mode in modes:
        for dataset, reference in ORTHOUGHT.items():
            mine = [r for r in rows if r["mode"] == mode and r["case"].startswith(dataset)]
            if not mine:
                continue
            tokens = statistics.mean(r["prompt"] + r["completion"] for r in mine)
            chars = statistics.mean(r["chars4"] for r in mine)
            target = f"<= {TARGETS[mode]}x" if mode in TARGETS else "-"
            print(
                f"| {mode} | {dataset} | {tokens:.0f} | {chars:.0f} | {tokens / reference:.2f} | "
                f"{chars / reference:.2f} | {target} |"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
