"""A conversation about one model: solve a problem, then follow-ups that change it or ask about it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optagent.agent.answer import Answer
from optagent.agent.api import default_executor, solve
from optagent.agent.config import RunConfig
from optagent.agent.deps import Deps
from optagent.agent.llm import LLM, make_llm
from optagent.agent.nodes.formulate import accept_formulation
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.errors import InputError, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.export import export
from optagent.formulations.render import render_latex, render_text
from optagent.formulations.solve import solve as solve_formulation
from optagent.prompts import render
from optagent.sandbox.executor import Executor

EXPORTS = ("latex", "lp", "mps", "python", "json")


@dataclass
class Turn:
    """The reply to one user message: text, and what changed when the model was modified."""

    kind: str  # "solved", "modified", "answer", "error"
    text: str
    changes: list[str] = field(default_factory=list)
    answer: Answer | None = None


def _flat(values: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, entry in values.items():
        items = entry.items() if isinstance(entry, dict) else [("", entry)]
        out.update({f"{name}[{k}]" if k else name: v for k, v in items if v is not None})
    return out


def diff_values(old: dict[str, Any], new: dict[str, Any], tolerance: float = 1e-9) -> list[str]:
    a, b = _flat(old), _flat(new)
    changes = []
    for key in sorted(set(a) | set(b)):
        before, after = a.get(key, 0.0), b.get(key, 0.0)
        if abs(before - after) > tolerance * (1 + abs(before)):
            changes.append(f"{key}: {before:.6g} -> {after:.6g}")
    return changes


class ChatSession:
    def __init__(
        self,
        *,
        llm: LLM | None = None,
        model: str | None = None,
        executor: Executor | None = None,
        config: RunConfig | None = None,
    ) -> None:
        self.llm = llm or make_llm(model=model)
        self.executor = executor or default_executor()
        self.config = config or RunConfig()
        self.problem: str | None = None
        self.answer: Answer | None = None
        self.formulation: dict[str, Any] | None = None
        self.objective: float | None = None
        self.values: dict[str, Any] = {}
        self.history: list[dict[str, str]] = []

    # -- conversation
    def send(self, message: str) -> Turn:
        """The first message states the problem; later ones modify the model or ask about it."""
        message = message.strip()
        if not message:
            raise InputError("the message is empty", hint="type a problem, a change, or a question")
        turn = self._solve(message) if self.problem is None else self._follow_up(message)
        self.history.append({"user": message, "kind": turn.kind, "reply": turn.text})
        return turn

    def _solve(self, problem: str) -> Turn:
        answer = solve(problem, llm=self.llm, executor=self.executor, **self._run_options())
        self.problem, self.answer = problem, answer
        if answer.formulation:
            self.formulation = answer.formulation
        self.objective, self.values = answer.objective, answer.values
        text = answer.explanation
        if answer.assumptions:
            text += "\nTell me the real values of these if my assumptions are wrong."
        return Turn("solved" if answer.ok else "error", text, answer=answer)

    def _run_options(self) -> dict[str, Any]:
        cfg = self.config.to_dict()
        return {k: cfg[k] for k in ("mode", "solver", "budget", "time_limit", "code_library", "code_timeout")}

    def _follow_up(self, message: str) -> Turn:
        if self.formulation is None:
            return self._solve(f"{self.problem}\n\nAdditional information: {message}")
        prompt = render(
            "chat_turn",
            problem=self.problem,
            formulation=json.dumps(self.formulation, indent=1),
            solution=json.dumps({"objective": self.objective, "values": self.values}, indent=1),
            message=message,
        )
        deps = Deps(self.llm, self.executor, self.config)
        last_error = ""
        for _ in range(self.config.budget + 1):
            text, _ = deps.ask("chat_turn", prompt if not last_error else _retry(prompt, last_error))
            try:
                reply = extract_json(text)
            except ReplyFormatError as exc:
                last_error = str(exc)
                continue
            if reply.get("action") == "answer" and reply.get("answer"):
                return Turn("answer", str(reply["answer"]))
            if reply.get("action") == "modify" and isinstance(reply.get("formulation"), dict):
                accepted, complaint = accept_formulation(reply["formulation"])
                if accepted is None:
                    last_error = complaint
                    continue
                return self._apply(accepted, str(reply.get("summary", "model changed")))
            last_error = 'answer with {"action": "modify", ...} or {"action": "answer", ...}'
        return Turn("error", f"I could not turn that into a valid change: {last_error}")

    def _apply(self, formulation: dict[str, Any], summary: str) -> Turn:
        try:
            result = solve_formulation(
                Formulation.from_data(formulation),
                solver=self.config.solver,
                time_limit=self.config.time_limit,
            )
        except OptagentError as exc:
            return Turn("error", f"{summary}, but the changed model does not solve: {exc}")
        changes = diff_values(self.values, result.values if result.has_solution else {})
        old = self.objective
        self.formulation = formulation
        self.objective = result.objective if result.has_solution else None
        self.values = result.values if result.has_solution else {}
        if not result.has_solution:
            return Turn("modified", f"{summary}. The changed model is {result.termination.value}.", changes)
        delta = f" (was {old:.10g})" if old is not None else ""
        text = f"{summary}. New objective: {result.objective:.10g}{delta}."
        return Turn("modified", text, changes)

    # -- views and files
    def show(self) -> str:
        if self.formulation is None:
            return "no model yet"
        return render_text(Formulation.from_data(self.formulation))

    def export(self, kind: str, path: str | Path) -> Path:
        if kind not in EXPORTS:
            raise InputError(f"unknown export {kind!r}", hint=f"use one of: {', '.join(EXPORTS)}")
        path = Path(path)
        if kind == "python":
            if not self.answer or not self.answer.code:
                raise InputError(
                    "there is no generated program in this session", hint="use mode full or code"
                )
            path.write_text(self.answer.code, encoding="utf-8")
            return path
        if self.formulation is None:
            raise InputError("there is no formulation to export yet", hint="state a problem first")
        formulation = Formulation.from_data(self.formulation)
        if kind == "latex":
            path.write_text(render_latex(formulation), encoding="utf-8")
        elif kind == "json":
            path.write_text(formulation.to_json(), encoding="utf-8")
        else:
            export(formulation, path, fmt=kind)
        return path

    def save(self, path: str | Path) -> Path:
        data = {
            "problem": self.problem,
            "formulation": self.formulation,
            "objective": self.objective,
            "values": self.values,
            "code": self.answer.code if self.answer else None,
            "history": self.history,
        }
        Path(path).write_text(json.dumps(data, indent=1), encoding="utf-8")
        return Path(path)

    def load(self, path: str | Path) -> None:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            self.problem = data["problem"]
            self.formulation = data.get("formulation")
            self.objective = data.get("objective")
            self.values = data.get("values") or {}
            self.history = list(data.get("history") or [])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"cannot load the session {path}: {exc}", hint="pass a file written by /save"
            ) from None
        if self.formulation is not None:
            accepted, complaint = accept_formulation(self.formulation)
            if accepted is None:
                raise InputError(f"the saved formulation is no longer valid: {complaint}")


def _retry(prompt: Any, error: str) -> Any:
    from optagent.prompts import Prompt

    return Prompt(prompt.name, prompt.version, f"{prompt.text}\nYour last reply could not be used: {error}\n")
