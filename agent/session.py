"""A conversation about one model: state a problem, then change it, ask about it, compare its scenarios.

Each change is a named scenario, solved and checked like the first answer (``agreed`` / ``solved`` /
``disputed`` / ``failed``, with what was checked); the program ``/code`` shows is derived from the current
scenario's formulation, so it can never be stale. Missing data is asked for before anything is assumed
(unless ``assume``). Questions about the value of a resource are answered by re-solving variants (probes).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optagent.agent.answer import Answer
from optagent.agent.api import default_executor, solve
from optagent.agent.chat_check import Outcome, ScenarioChecker, sensitivity_data
from optagent.agent.chat_files import EXPORTS, export_model, file_name, read_session, session_data, write_text
from optagent.agent.chat_format import (
    assumption_lines,
    decisions,
    number,
    objective_change,
    sentence,
    signed,
    value_changes,
)
from optagent.agent.chat_turn import (
    ASK,
    ASSUME,
    ChatReply,
    accepted_formulation,
    formulation_text,
    history_text,
    numbers_in,
    parse_reply,
    sensitivity_text,
    solution_text,
    unsupported_numbers,
)
from optagent.agent.config import RunConfig
from optagent.agent.deps import Deps
from optagent.agent.llm import LLM, make_llm
from optagent.agent.nodes.understand import understand
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.agent.scenarios import Scenario, ScenarioBook, compare, data_changes, data_table, default_name
from optagent.errors import InputError, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits
from optagent.formulations.pyomo_program import pyomo_program
from optagent.formulations.render import render_text
from optagent.prompts import PROMPT_SET_VERSION, Prompt, render
from optagent.sandbox.executor import Executor

FIRST_ANSWER = ("verdict", "status", "objective", "mode", "code")  # what /save keeps of the first answer
YES = {"", "y", "yes", "ok", "okay", "sure", "default", "fine", "right", "correct", "go ahead", "accept"}


@dataclass
class Turn:
    """The reply to one message. ``text`` is the headline; the lists hold one item per line."""

    kind: str  # "solved", "modified", "answer", "question", "failed"
    text: str = ""
    verdict: str = ""
    scenario: str = ""
    status: str = ""
    changes: list[str] = field(default_factory=list)
    conflict: str = ""
    probes: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    answer: str = ""  # Markdown written by the LLM (numbers marked [solver] or [estimate])
    notes: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def failed(self) -> bool:
        return self.kind == "failed"

    def plain(self) -> str:
        """The whole turn as plain text (history, logs)."""
        lines = [self.text, *self.changes, *self.probes, self.answer, *self.notes]
        return "\n".join(line for line in lines if line)


@dataclass
class Pending:
    """Questions the assistant asked and waits on, before solving (``gaps``) or before a change."""

    kind: str  # "gaps" or "change"
    text: str  # the problem, or the user's request
    questions: list[dict[str, str]]  # {"question": ..., "default": ...}
    answers: list[str] = field(default_factory=list)

    @property
    def next(self) -> dict[str, str]:
        return self.questions[len(self.answers)]


class ChatSession:
    """``send(message)`` returns a Turn; views, exports and files work on the current scenario."""

    def __init__(
        self,
        *,
        llm: LLM | None = None,
        model: str | None = None,
        executor: Executor | None = None,
        config: RunConfig | None = None,
        assume: bool = False,
    ) -> None:
        self.llm = llm or make_llm(model=model)
        self.executor = executor or default_executor()
        self.config = config or RunConfig()
        self.assume = assume  # record assumptions instead of asking for missing data
        self.reset()

    def reset(self) -> None:
        """Start over (``/new``): no problem, no scenarios, no history."""
        self.problem: str | None = None
        self.answer: Answer | None = None
        self.book = ScenarioBook()
        self.history: list[dict[str, Any]] = []
        self.pending: Pending | None = None

    # -- the current scenario
    @property
    def scenario(self) -> Scenario | None:
        return self.book.active

    @property
    def formulation(self) -> dict[str, Any] | None:
        return self.scenario.formulation if self.scenario else None

    @property
    def objective(self) -> float | None:
        return self.scenario.objective if self.scenario else (self.answer.objective if self.answer else None)

    @property
    def values(self) -> dict[str, Any]:
        return self.scenario.values if self.scenario else {}

    @property
    def deps(self) -> Deps:
        return Deps(self.llm, self.executor, self.config)

    @property
    def checker(self) -> ScenarioChecker:
        return ScenarioChecker(self.deps)

    # -- conversation
    def send(self, message: str) -> Turn:
        """The first message states the problem; later ones change the model or ask about it."""
        text = message.strip()
        if not text and self.pending is None:
            raise InputError("the message is empty", hint="type a problem, a change, or a question")
        try:
            if self.pending is not None:
                turn = self._reply_to_question(text)
            elif self.problem is None:
                turn = self._start(text)
            else:
                turn = self._follow_up(text)
        except OptagentError as exc:
            turn = Turn("failed", sentence(exc.message), hint=exc.hint)
        self.record(text, turn)
        return turn

    def record(self, message: str, turn: Turn) -> None:
        """Add a turn to the history (failed ones too, marked failed)."""
        self.history.append(
            {
                "user": message,
                "kind": turn.kind,
                "reply": turn.plain(),
                "scenario": turn.scenario,
                "verdict": turn.verdict,
                "failed": turn.failed,
            }
        )

    def _start(self, problem: str) -> Turn:
        if not self.assume:
            understanding = understand({"problem": problem}, self.deps)["understanding"]
            gaps = [
                g for g in understanding.get("data_gaps") or [] if isinstance(g, dict) and g.get("missing")
            ]
            if gaps:
                questions = [
                    {
                        "question": f"The problem does not give {g['missing']}.",
                        "default": str(g.get("assumption", "")),
                    }
                    for g in gaps
                ]
                self.pending = Pending("gaps", problem, questions)
                return self._question()
        return self._solve(problem)

    def _question(self) -> Turn:
        assert self.pending is not None
        question = self.pending.next
        text = sentence(question["question"])
        if question.get("default"):
            text += f" I would assume {sentence(question['default'])}"
        left = len(self.pending.questions) - len(self.pending.answers)
        more = f" ({left} questions left)" if left > 1 else ""
        return Turn(
            "question", text, hint=f"Reply with the value, or press Enter to use my assumption{more}."
        )

    def _reply_to_question(self, reply: str) -> Turn:
        assert self.pending is not None
        pending, question = self.pending, self.pending.next
        accepted = reply.lower().strip(" .!") in YES
        pending.answers.append(f"use the proposed value: {question.get('default')}" if accepted else reply)
        if len(pending.answers) < len(pending.questions):
            return self._question()
        self.pending = None
        answers = "\n".join(
            f"- {q['question']} Answer: {a}" for q, a in zip(pending.questions, pending.answers)
        )
        if pending.kind == "gaps":
            return self._solve(f"{pending.text}\n\nClarifications from the user:\n{answers}")
        return self._follow_up(f"{pending.text}\n\nYou asked, and the user answered:\n{answers}", ask=False)

    def _run_options(self) -> dict[str, Any]:
        cfg = self.config.to_dict()
        return {k: cfg[k] for k in ("mode", "solver", "budget", "time_limit", "code_library", "code_timeout")}

    def _solve(self, problem: str) -> Turn:
        answer = solve(problem, llm=self.llm, executor=self.executor, **self._run_options())
        self.problem, self.answer = problem, answer
        kind = "solved" if answer.ok else "failed"
        turn = Turn(
            kind,
            verdict=answer.verdict,
            status=answer.status,
            assumptions=assumption_lines(answer.assumptions),
        )
        turn.checks = [first_check(answer)]
        if answer.objective is not None:
            turn.text = f"Objective {number(answer.objective)} ({answer.status})."
            turn.changes = decisions(answer.values if answer.formulation else _program_values(answer))
        elif answer.failure:
            turn.text = sentence(f"No answer: {answer.failure.splitlines()[0]}")
        if not answer.formulation:
            return turn
        result = self.checker.solve(answer.formulation)
        base = Scenario(
            "base",
            answer.formulation,
            summary="the problem as stated",
            request=problem,
            status=result.termination.value,
            objective=answer.objective,
            values=answer.values,
            verdict=answer.verdict,
            checks=list(turn.checks),
            assumptions=turn.assumptions,
        )
        base.sensitivity = sensitivity_data(result)
        if answer.objective is not None or result.termination.value == "infeasible":
            same, check = self.checker.derived_program(answer.formulation, result)
            base.checks.append(check)
            turn.checks.append(check)
            if same is False and answer.ok:
                base.verdict = turn.verdict = "disputed"
        self.book = ScenarioBook()
        self.book.add(base)
        turn.scenario = base.name
        return turn

    # -- follow-ups
    def _follow_up(self, message: str, *, ask: bool = True) -> Turn:
        scenario = self.scenario
        if scenario is None:  # no formulation (code mode, or the first solve failed): solve again, informed
            return self._solve(f"{self.problem}\n\nAdditional information: {message}")
        ask = ask and not self.assume
        reply, changed, probes = self._plan(message, scenario, ask)
        if reply.ask and ask and not reply.changes_model:
            self.pending = Pending("change", message, [reply.ask])
            return self._question()
        target, turn = scenario, Turn("answer", scenario=scenario.name)
        if changed is not None:
            target, turn = self._change(message, scenario, reply, changed)
        turn.probes, known = self._probes(target, probes)
        answer = reply.answer
        if reply.answer_after_results or (probes and not answer):
            answer = self._answer_with_results(message, target, scenario, turn)
        elif reply.ask and not answer:  # asked while told to assume: show the question as the answer
            answer = sentence(reply.ask["question"])
        turn.answer = answer
        known += _known_numbers(scenario) + _known_numbers(target)
        missing = unsupported_numbers(answer, known)
        if missing:
            turn.notes.append(
                f"Not found in the solver's results: {', '.join(missing)} (marked [solver] in the answer)."
            )
        return turn

    def _plan(
        self, message: str, scenario: Scenario, ask: bool
    ) -> tuple[ChatReply, dict[str, Any] | None, list[tuple[str, dict[str, Any]]]]:
        """The LLM's reply, its change and probes validated; an unusable reply is retried with the reason."""
        prompt = self._prompt(message, scenario, "none yet", ask)
        complaint = ""
        for _ in range(self.config.budget + 1):
            text, _ = self.deps.ask("chat_turn", _retry(prompt, complaint) if complaint else prompt)
            try:
                reply = parse_reply(extract_json(text))
                changed = self._changed(scenario.formulation, reply)
                base = changed or scenario.formulation
                probes = [
                    (str(p.get("label") or f"probe {k + 1}"), self._edited(base, p["edit"]))
                    for k, p in enumerate(reply.probes)
                ]
                return reply, changed, probes
            except ReplyFormatError as exc:
                complaint = str(exc)
        raise OptagentError(f"I could not turn that into a valid change or answer: {complaint}")

    def _changed(self, formulation: dict[str, Any], reply: ChatReply) -> dict[str, Any] | None:
        if reply.formulation is not None:
            return accepted_formulation(reply.formulation)
        if reply.edit is not None:
            return self._edited(formulation, reply.edit)
        return None

    def _edited(self, formulation: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
        try:
            edited = apply_edits(Formulation.from_data(formulation), edit)
        except InputError as exc:
            raise ReplyFormatError(f"the edit cannot be applied: {exc}") from None
        return accepted_formulation(json.loads(edited.to_json()))

    def _change(
        self, message: str, parent: Scenario, reply: ChatReply, changed: dict[str, Any]
    ) -> tuple[Scenario, Turn]:
        summary = sentence(reply.summary or "The model was changed")
        independent = self._independent_text(parent, summary) if self.config.mode == "full" else None
        outcome = self.checker.evaluate(changed, independent)
        name = reply.scenario or default_name(parent.formulation, changed) or f"change-{len(self.book)}"
        scenario = self.book.add(
            Scenario(
                name,
                changed,
                parent=parent.name,
                summary=summary,
                request=message,
                edit=reply.edit,
                status=outcome.status,
                objective=outcome.objective,
                values=outcome.values,
                verdict=outcome.verdict,
                checks=outcome.checks,
                assumptions=assumption_lines(reply.assumptions),
                conflict=outcome.conflict,
                sensitivity=outcome.sensitivity,
            )
        )
        turn = Turn(
            "modified",
            f"{summary} {_status_sentence(outcome, parent)}".strip(),
            verdict=outcome.verdict,
            scenario=scenario.name,
            status=outcome.status,
            changes=value_changes(parent.values, outcome.values, parent.binaries | scenario.binaries)
            if outcome.values
            else [],
            conflict=outcome.conflict,
            checks=outcome.checks,
            assumptions=scenario.assumptions,
        )
        return scenario, turn

    def _independent_text(self, parent: Scenario, summary: str) -> str:
        changes = [s.summary for s in self.book.lineage(parent.name)[1:]] + [summary]
        listed = "\n".join(f"{k}. {c}" for k, c in enumerate(changes, 1))
        return f"{self.problem}\n\nChanges to the problem above (apply all of them, in order):\n{listed}"

    def _probes(
        self, target: Scenario, probes: list[tuple[str, dict[str, Any]]]
    ) -> tuple[list[str], list[float]]:
        """Solve each variant of ``target`` without keeping it: one line each, and the numbers found."""
        lines, known = [], []
        checker = self.checker
        for label, formulation in probes:
            result = checker.solve(formulation)
            changed = ", ".join(
                f"{k}: {number(a)} -> {number(b)}"
                for k, a, b in data_changes(target.formulation, formulation)
            )
            head = f"{label}" + (f" ({changed})" if changed else "")
            if not result.has_solution:
                lines.append(f"{head}: {result.termination.value}")
                continue
            line = f"{head}: objective {number(result.objective)}"
            if target.objective is not None:
                delta = result.objective - target.objective
                same = abs(delta) <= 1e-9 * max(1.0, abs(target.objective))
                line += f", the same as {target.name}" if same else f", {signed(delta)} against {target.name}"
                known.append(delta)
            lines.append(line)
            known += [result.objective, *numbers_in(result.values)]
        return lines, known

    def _answer_with_results(self, message: str, target: Scenario, parent: Scenario, turn: Turn) -> str:
        results = [
            f"scenario {target.name} (from {parent.name})"
            if target is not parent
            else f"scenario {target.name}"
        ]
        if turn.kind == "modified":
            results += [turn.text, *turn.changes, *(f"checked: {c}" for c in turn.checks)]
        results += [f"probe {line}" for line in turn.probes]
        prompt = self._prompt(message, target, "\n".join(results), ask=False)
        complaint = ""
        for _ in range(self.config.budget + 1):
            text, _ = self.deps.ask("chat_turn", _retry(prompt, complaint) if complaint else prompt)
            try:
                answer = parse_reply(extract_json(text)).answer
            except ReplyFormatError as exc:
                complaint = str(exc)
                continue
            if answer:
                return answer
            complaint = 'the results are in: reply {"answer": "..."} only'
        return sentence(f"No answer could be written from the results ({complaint})")

    def _prompt(self, message: str, scenario: Scenario, results: str, ask: bool) -> Prompt:
        lineage = " -> ".join(s.name for s in self.book.lineage(scenario.name))
        changes = [f"{s.name}: {s.summary}" for s in self.book.lineage(scenario.name)[1:]]
        return render(
            "chat_turn",
            problem=self.problem,
            scenario=lineage + "".join(f"\n- {c}" for c in changes),
            formulation=formulation_text(scenario.formulation),
            solution=solution_text(scenario),
            sensitivity=sensitivity_text(scenario.sensitivity),
            history=history_text(self.history),
            results=results,
            message=message,
            asking=ASK if ask else ASSUME,
        )

    # -- scenarios
    def scenarios(self) -> list[Scenario]:
        return list(self.book.scenarios.values())

    def switch(self, name: str) -> Scenario:
        return self.book.switch(name)

    def undo(self) -> Scenario | None:
        return self.book.undo()

    def redo(self) -> Scenario | None:
        return self.book.redo()

    def compare(self, a: str, b: str) -> list[str]:
        return compare(self.book.get(a), self.book.get(b))

    # -- views and files
    def show(self) -> str:
        if self.formulation is None:
            return "no model yet"
        return render_text(Formulation.from_data(self.formulation))

    def code(self) -> str:
        """The program for the current scenario, derived from its formulation (never a stale one)."""
        scenario = self.scenario
        if scenario is None:
            if self.answer and self.answer.code:
                return self.answer.code  # code mode: there is no formulation, only the generated program
            raise InputError("there is no model yet", hint="state a problem first")
        return pyomo_program(
            Formulation.from_data(scenario.formulation),
            solver=self.config.solver,
            title=f"scenario {scenario.name}",
        )

    def default_path(self, kind: str) -> Path:
        """``<model>-<scenario>.<suffix>`` in the working folder."""
        name = (self.formulation or {}).get("name") or "model"
        return file_name(name, self.book.current or "").with_suffix(EXPORTS[kind])

    def export(self, kind: str, path: str | Path | None = None) -> Path:
        """Write the current scenario as ``kind`` (``/export KIND [FILE]``)."""
        if kind not in EXPORTS:
            raise InputError(f"unknown export {kind!r}", hint=f"use one of: {', '.join(EXPORTS)}")
        target = Path(path) if path else self.default_path(kind)
        if kind == "python":
            return write_text(target, self.code())
        if self.formulation is None:
            raise InputError("there is no formulation to export yet", hint="state a problem first")
        return export_model(self.formulation, kind, target)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the whole session (every scenario with its program, the history) as JSON."""
        if self.problem is None:
            raise InputError("there is nothing to save yet", hint="state a problem first")
        name = (self.formulation or {}).get("name") or "optagent"
        target = Path(path) if path else file_name(name, "session").with_suffix(".json")
        first = self.answer
        data = session_data(
            self.problem,
            self.book,
            self.history,
            model=self.llm.model_id,
            prompt_version=PROMPT_SET_VERSION,
            config=self.config.to_dict(),
            answer=None if first is None else {k: getattr(first, k) for k in FIRST_ANSWER},
        )
        for item in data["scenarios"]:  # for people reading the file; /load derives them again
            model = Formulation.from_data(item["formulation"])
            item["program"] = pyomo_program(model, solver=self.config.solver)
        return write_text(target, json.dumps(data, indent=1, ensure_ascii=False))

    def load(self, path: str | Path) -> None:
        """Restore a saved session; on any problem the current session stays as it was."""
        problem, book, history = read_session(Path(path))
        self.reset()
        self.problem, self.book, self.history = problem, book, history


def first_check(answer: Answer) -> str:
    """What the first answer's verdict means, as a sentence about what was checked."""
    where = {"formulation": "the formulation", "program": "the generated program"}.get(
        answer.answer_from, "one path"
    )
    if answer.verdict in ("agreed", "verified"):
        if answer.mode == "full":
            return "the formulation and an independent program written from the text agree"
        return "the program's solution satisfies every constraint of the formulation"
    return {
        "solved": f"solved by {where} alone, not cross-checked",
        "disputed": "the formulation and an independent program disagree; the formulation's answer is shown",
        "ambiguous": "readings of the text give different optima",
        "failed": "no path produced a checked answer",
    }.get(answer.verdict, f"verdict {answer.verdict}")


def _program_values(answer: Answer) -> dict[str, Any]:
    from optagent.agent.diagnosis import to_ir_values

    return to_ir_values(answer.program_values)


def _status_sentence(outcome: Outcome, parent: Scenario) -> str:
    if outcome.status == "infeasible":
        return "The changed model is infeasible: no plan satisfies every constraint."
    if outcome.status == "unbounded":
        return "The changed model is unbounded: the objective can improve without limit."
    if outcome.objective is None:
        return sentence(f"The changed model has no solution ({outcome.status})")
    return objective_change(outcome.objective, parent.objective)


def _known_numbers(scenario: Scenario) -> list[float]:
    known = numbers_in(scenario.values) + numbers_in(scenario.sensitivity or {})
    if scenario.objective is not None:
        known.append(scenario.objective)
    with contextlib.suppress(OptagentError):
        known += list(data_table(scenario.formulation).values())
    return known


def _retry(prompt: Prompt, error: str) -> Prompt:
    return Prompt(prompt.name, prompt.version, f"{prompt.text}\nYour last reply could not be used: {error}\n")
