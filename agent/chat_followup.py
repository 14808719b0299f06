"""One follow-up on a scenario: the LLM's plan (change, probes, answer, question), the changed scenario solved
and checked, the probes re-solved, and an answer written from the solver's results when it needs them.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from optagent.agent.chat_check import Outcome, ScenarioChecker
from optagent.agent.chat_format import (
    assumption_lines,
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
    Turn,
    accepted_formulation,
    formulation_text,
    history_text,
    numbers_in,
    parse_reply,
    sensitivity_text,
    solution_text,
    unsupported_numbers,
)
from optagent.agent.parse import ReplyFormatError, extract_json
from optagent.agent.scenarios import Scenario, data_changes, data_table, default_name
from optagent.errors import InputError, OptagentError
from optagent.formulations import Formulation
from optagent.formulations.edits import apply_edits
from optagent.prompts import Prompt, render

if TYPE_CHECKING:
    from optagent.agent.session import ChatSession

Probe = tuple[str, dict[str, Any]]  # (label, the variant's formulation)


class FollowUp:
    """Plans and carries out one message about the current scenario of ``session``."""

    def __init__(self, session: ChatSession, message: str, scenario: Scenario) -> None:
        self.session = session
        self.message = message
        self.scenario = scenario
        self.deps = session.deps
        self.checker = ScenarioChecker(self.deps)

    def plan(self, ask: bool) -> tuple[ChatReply, dict[str, Any] | None, list[Probe]]:
        """The LLM's reply, its change and probes validated; an unusable reply is retried with the reason."""
        prompt = self.prompt(self.scenario, "none yet", ask)
        complaint = ""
        for _ in range(self.deps.config.budget + 1):
            text, _ = self.deps.ask("chat_turn", retry(prompt, complaint) if complaint else prompt)
            try:
                reply = parse_reply(extract_json(text))
                changed = self.changed(reply)
                base = changed or self.scenario.formulation
                probes = [
                    (str(p.get("label") or f"probe {k + 1}"), edited(base, p["edit"]))
                    for k, p in enumerate(reply.probes)
                ]
                return reply, changed, probes
            except ReplyFormatError as exc:
                complaint = str(exc)
        raise OptagentError(f"I could not turn that into a valid change or answer: {complaint}")

    def changed(self, reply: ChatReply) -> dict[str, Any] | None:
        if reply.formulation is not None:
            return accepted_formulation(reply.formulation)
        if reply.edit is not None:
            return edited(self.scenario.formulation, reply.edit)
        return None

    def respond(self, reply: ChatReply, changed: dict[str, Any] | None, probes: list[Probe]) -> Turn:
        """Apply the change (a new, checked scenario), run the probes, and give the answer."""
        target, turn = self.scenario, Turn("answer", scenario=self.scenario.name)
        if changed is not None:
            target, turn = self.change(reply, changed)
        turn.probes, known = self.probes(target, probes)
        answer = reply.answer
        if reply.answer_after_results or (probes and not answer):
            answer = self.answer_with_results(target, turn)
        elif reply.ask and not answer:  # asked although told to assume: the question is the answer
            answer = sentence(reply.ask["question"])
        turn.answer = answer
        known += known_numbers(self.scenario) + known_numbers(target)
        missing = unsupported_numbers(answer, known)
        if missing:
            turn.notes.append(
                f"Not found in the solver's results: {', '.join(missing)} (marked [solver] in the answer)."
            )
        return turn

    def change(self, reply: ChatReply, changed: dict[str, Any]) -> tuple[Scenario, Turn]:
        parent, book = self.scenario, self.session.book
        summary = sentence(reply.summary or "The model was changed")
        independent = self.independent_text(summary) if self.deps.config.mode == "full" else None
        name = reply.scenario or default_name(parent.formulation, changed) or f"change-{len(book)}"
        draft = Scenario(
            name,
            changed,
            parent=parent.name,
            summary=summary,
            request=self.message,
            edit=reply.edit,
            assumptions=assumption_lines(reply.assumptions),
        )
        return add_checked(self.session, draft, independent)

    def independent_text(self, summary: str) -> str:
        """The problem as stated plus every change so far in words: what an independent program reads."""
        changes = [s.summary for s in self.session.book.lineage(self.scenario.name)[1:]] + [summary]
        listed = "\n".join(f"{k}. {c}" for k, c in enumerate(changes, 1))
        return (
            f"{self.session.problem}\n\nChanges to the problem above (apply all of them, in order):\n{listed}"
        )

    def probes(self, target: Scenario, probes: list[Probe]) -> tuple[list[str], list[float]]:
        """Solve each variant of ``target`` without keeping it: one line each, and the numbers found."""
        lines, known = [], []
        for label, formulation in probes:
            result = self.checker.solve(formulation)
            edits = data_changes(target.formulation, formulation)
            changed = ", ".join(f"{k}: {number(a)} -> {number(b)}" for k, a, b in edits)
            head = f"{label} ({changed})" if changed else label
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

    def answer_with_results(self, target: Scenario, turn: Turn) -> str:
        """A second call: the LLM sees the results of its change and probes, then writes the answer."""
        origin = f" (from {self.scenario.name})" if target is not self.scenario else ""
        results = [f"scenario {target.name}{origin}"]
        if turn.kind == "modified":
            results += [turn.text, *turn.changes, *(f"checked: {c}" for c in turn.checks)]
        results += [f"probe {line}" for line in turn.probes]
        prompt = self.prompt(target, "\n".join(results), ask=False)
        complaint = ""
        for _ in range(self.deps.config.budget + 1):
            text, _ = self.deps.ask("chat_turn", retry(prompt, complaint) if complaint else prompt)
            try:
                answer = parse_reply(extract_json(text)).answer
            except ReplyFormatError as exc:
                complaint = str(exc)
                continue
            if answer:
                return answer
            complaint = 'the results are in: reply {"answer": "..."} only'
        return sentence(f"No answer could be written from the results ({complaint})")

    def prompt(self, scenario: Scenario, results: str, ask: bool) -> Prompt:
        lineage = self.session.book.lineage(scenario.name)
        changes = "".join(f"\n- {s.name}: {s.summary}" for s in lineage[1:])
        return render(
            "chat_turn",
            problem=self.session.problem,
            scenario=" -> ".join(s.name for s in lineage) + changes,
            formulation=formulation_text(scenario.formulation),
            solution=solution_text(scenario),
            sensitivity=sensitivity_text(scenario.sensitivity),
            history=history_text(self.session.history),
            results=results,
            message=self.message,
            asking=ASK if ask else ASSUME,
        )


def add_checked(session: Any, draft: Scenario, independent: str | None) -> tuple[Scenario, Turn]:
    """Solve and check ``draft`` (a change of its parent) like the first answer, add it to the session's
    scenarios as the current one, and say what changed against its parent."""
    parent = session.book.get(draft.parent)
    outcome = session.checker.evaluate(draft.formulation, independent)
    scenario = session.book.add(
        replace(
            draft,
            status=outcome.status,
            objective=outcome.objective,
            values=outcome.values,
            verdict=outcome.verdict,
            checks=outcome.checks,
            conflict=outcome.conflict,
            sensitivity=outcome.sensitivity,
        )
    )
    changes = value_changes(parent.values, outcome.values, parent.binaries | scenario.binaries)
    turn = Turn(
        "modified",
        f"{draft.summary} {status_sentence(outcome, parent)}".strip(),
        verdict=outcome.verdict,
        scenario=scenario.name,
        status=outcome.status,
        changes=changes if outcome.values else [],
        conflict=outcome.conflict,
        checks=outcome.checks,
        assumptions=scenario.assumptions,
    )
    return scenario, turn


def edited(formulation: dict[str, Any], edit: dict[str, Any]) -> dict[str, Any]:
    """``formulation`` with an LLM's edit applied and validated (a ReplyFormatError says why not)."""
    try:
        result = apply_edits(Formulation.from_data(formulation), edit)
    except InputError as exc:
        raise ReplyFormatError(f"the edit cannot be applied: {exc}") from None
    return accepted_formulation(json.loads(result.to_json()))


def status_sentence(outcome: Outcome, parent: Scenario) -> str:
    if outcome.status == "infeasible":
        return "The changed model is infeasible: no plan satisfies every constraint."
    if outcome.status == "unbounded":
        return "The changed model is unbounded: the objective can improve without limit."
    if outcome.objective is None:
        return sentence(f"The changed model has no solution ({outcome.status})")
    return objective_change(outcome.objective, parent.objective)


def known_numbers(scenario: Scenario) -> list[float]:
    """Numbers an answer may cite as the solver's: results, sensitivity, and the model's own data."""
    known = numbers_in(scenario.values) + numbers_in(scenario.sensitivity or {})
    if scenario.objective is not None:
        known.append(scenario.objective)
    with contextlib.suppress(OptagentError):
        known += list(data_table(scenario.formulation).values())
    return known


def retry(prompt: Prompt, error: str) -> Prompt:
    return Prompt(prompt.name, prompt.version, f"{prompt.text}\nYour last reply could not be used: {error}\n")
