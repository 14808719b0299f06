"""A conversation about one model: state a problem, then change it, ask about it, compare its scenarios.

Each change is a named scenario, solved and checked like the first answer (``agreed`` / ``solved`` /
``disputed`` / ``failed``, with what was checked); the program ``/code`` shows is derived from the current
scenario's formulation, so it can never be stale. Missing data is asked for before anything is assumed
(unless ``assume``). Questions about the value of a resource are answered by re-solving variants (probes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from optagent.agent.answer import Answer
from optagent.agent.api import default_executor, solve
from optagent.agent.chat_check import ScenarioChecker, sensitivity_data
from optagent.agent.chat_files import EXPORTS, export_model, file_name, read_session, session_data, write_text
from optagent.agent.chat_followup import FollowUp, add_checked
from optagent.agent.chat_format import assumption_lines, decisions, number, sentence
from optagent.agent.chat_turn import Turn
from optagent.agent.config import RunConfig
from optagent.agent.deps import Deps
from optagent.agent.llm import LLM, make_llm
from optagent.agent.missing_data import missing_data
from optagent.agent.scenarios import Scenario, ScenarioBook, compare
from optagent.errors import InputError, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.pyomo_program import pyomo_program
from optagent.formulations.render import render_text
from optagent.prompts import PROMPT_SET_VERSION
from optagent.sandbox.executor import Executor

FIRST_ANSWER = ("verdict", "status", "objective", "mode", "code")  # what /save keeps of the first answer
YES = {"", "y", "yes", "ok", "okay", "sure", "default", "fine", "right", "correct", "go ahead", "accept"}


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
        before = self._snapshot()
        try:
            if self.pending is not None:
                turn = self._reply_to_question(text)
            elif self.problem is None:
                turn = self._start(text)
            else:
                turn = self._follow_up(text)
        except OptagentError as exc:
            turn = Turn("failed", sentence(exc.message), hint=exc.hint)
        except KeyboardInterrupt:  # Ctrl-C during a turn: back to the state before it, then stop
            self.problem, self.answer, self.book, self.pending = before
            self.record(text, Turn("failed", "Interrupted before the reply was complete."))
            raise
        self.record(text, turn)
        return turn

    def _snapshot(self) -> tuple[Any, ...]:
        book = ScenarioBook.from_data(self.book.to_data()) if len(self.book) else ScenarioBook()
        pending = None if self.pending is None else replace(self.pending, answers=list(self.pending.answers))
        return self.problem, self.answer, book, pending

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
            gaps = missing_data(problem, self.deps)
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
        turn.notes.extend(reading_notes(answer))
        return turn

    # -- follow-ups
    def _follow_up(self, message: str, *, ask: bool = True) -> Turn:
        scenario = self.scenario
        if scenario is None:  # no formulation (code mode, or the first solve failed): solve again, informed
            return self._solve(f"{self.problem}\n\nAdditional information: {message}")
        ask = ask and not self.assume
        follow_up = FollowUp(self, message, scenario)
        reply, changed, probes = follow_up.plan(ask)
        if reply.ask and ask and not reply.changes_model:
            self.pending = Pending("change", message, [reply.ask])
            return self._question()
        return follow_up.respond(reply, changed, probes)

    # -- readings of an ambiguous text
    def pick_reading(self, number: int) -> Turn:
        """Make reading ``number`` (1-based, as the first answer lists them) the current scenario: the first
        answer's formulation with that reading's edit, solved and checked like any change (``/reading N``)."""
        answer = self.answer
        readings = answer.readings if answer is not None and answer.formulation else []
        if len(readings) < 2:
            raise InputError(
                "the first answer has no other readings of the text",
                hint="readings are listed when the text can be read in ways that change the optimum",
            )
        if not 1 <= number <= len(readings):
            raise InputError(f"there is no reading {number}", hint=f"pick one of 1..{len(readings)}")
        assert answer is not None and self.problem is not None
        reading = readings[number - 1]
        independent = None
        if self.config.mode == "full":
            independent = f"{self.problem}\n\nRead the problem this way: {sentence(reading.text)}"
        draft = Scenario(
            self.book.unique(f"reading-{number}"),
            answer.reading_formulation(number - 1),
            parent="base",
            summary=sentence(f"Reading {number}: {reading.text}"),
            request=f"/reading {number}",
            edit=reading.edit or None,
        )
        _, turn = add_checked(self, draft, independent)  # nothing changes unless the solve succeeds
        self.record(f"/reading {number}", turn)
        return turn

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
    if answer.verdict == "agreed":
        if answer.mode == "full":
            return "the formulation and an independent program written from the text agree"
        return "the program's solution satisfies every constraint of the formulation"
    return {
        "solved": f"solved by {where} alone, not cross-checked",
        "disputed": "the formulation and an independent program disagree; the formulation's answer is shown",
        "ambiguous": "readings of the text give different optima",
        "failed": "no path produced a checked answer",
    }.get(answer.verdict, f"verdict {answer.verdict}")


def reading_notes(answer: Answer) -> list[str]:
    """One line per other reading of an ambiguous text, with its optimum and how to pick it."""
    if len(answer.readings) < 2 or not answer.formulation:
        return []
    lines = ["The text can be read in more than one way:"]
    for index, reading in enumerate(answer.readings, start=1):
        value = f"objective {number(reading.objective)}" if reading.objective is not None else "no objective"
        shown = " (this answer)" if index == 1 else ""
        text = sentence(reading.text).rstrip(".")
        lines.append(f"Reading {index}{shown}: {text} ({value}, {reading.status or 'not solved'}).")
    lines.append("/reading N makes reading N the current scenario, solved and checked like any change.")
    return lines


def _program_values(answer: Answer) -> dict[str, Any]:
    from optagent.agent.diagnosis import to_ir_values

    return to_ir_values(answer.program_values)
