"""Solve a chat scenario and check it the way the first answer was checked; say exactly what was checked.

Every scenario is solved from its formulation, and the solution is plugged back into every constraint. The
program ``/code`` shows (derived from the formulation) is run in the sandbox and must reproduce the result.
In ``full`` mode an independent program is written from the problem text plus the changes in words and run
in the sandbox: agreement gives ``agreed``, disagreement ``disputed``; one path alone gives ``solved``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any

from optagent.agent import diagnosis
from optagent.agent.chat_format import number
from optagent.agent.deps import Deps
from optagent.agent.nodes.run_code import run_code
from optagent.agent.nodes.write_code import write_code
from optagent.errors import OptagentError
from optagent.formulations import Formulation
from optagent.formulations.check import check_solution
from optagent.formulations.pyomo_program import pyomo_program
from optagent.formulations.result import SolveResult
from optagent.formulations.solve import solve
from optagent.sandbox import Job, Limits

RESULT_STATES = ("optimal", "infeasible", "unbounded")  # terminations that answer the question
CONFLICT_FUNCTION = "find_conflict"  # in optagent.formulations.conflict, once the solve area ships it


@dataclass
class Outcome:
    """The solve of one scenario and the verdict of its checks."""

    status: str
    objective: float | None
    values: dict[str, Any]
    verdict: str
    checks: list[str] = field(default_factory=list)
    conflict: str = ""  # infeasible: which constraints conflict, as a sentence
    sensitivity: dict[str, Any] | None = None


def sensitivity_data(result: Any) -> dict[str, Any] | None:
    """``result.sensitivity`` as plain data, when the solver area provides it (None before it lands)."""
    value = getattr(result, "sensitivity", None)
    if value is None:
        return None
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value if isinstance(value, dict) else None


def conflict(formulation: Formulation, solver: str) -> str:
    """Which constraints of an infeasible model conflict, as a sentence ("" when none can be named)."""
    try:
        finder = getattr(importlib.import_module("optagent.formulations.conflict"), CONFLICT_FUNCTION, None)
    except ImportError:
        finder = None
    if finder is not None:
        try:
            found = finder(formulation, solver=solver)
        except (OptagentError, TypeError):
            found = None
        rows = getattr(found, "rows", None) or getattr(found, "constraints", None) or found
        if isinstance(rows, list | tuple) and rows:
            names = ", ".join(_row_name(r) for r in rows)
            return f"These constraints cannot all hold together: {names}."
    names = diagnosis.conflicting_constraints(formulation, solver)
    if not names:
        return "No single constraint explains it; check bounds and data."
    return f"Removing any one of these constraints makes it feasible: {', '.join(names)}."


def _row_name(row: Any) -> str:
    if isinstance(row, str):
        return row
    name = getattr(row, "name", None) or (row.get("name") if isinstance(row, dict) else None) or str(row)
    index = getattr(row, "index", None) or (row.get("index") if isinstance(row, dict) else "")
    return f"{name}[{index}]" if index else str(name)


class ScenarioChecker:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def solve(self, formulation: dict[str, Any]) -> SolveResult:
        cfg = self.deps.config
        extra = {"sensitivity": True} if "sensitivity" in inspect.signature(solve).parameters else {}
        return solve(
            Formulation.from_data(formulation), solver=cfg.solver, time_limit=cfg.time_limit, **extra
        )

    def evaluate(self, formulation: dict[str, Any], problem_text: str | None) -> Outcome:
        """Solve; check the solution; run the derived program and, given the text, an independent one."""
        model = Formulation.from_data(formulation)
        result = self.solve(formulation)
        status = result.termination.value
        values = result.values if result.has_solution else {}
        outcome = Outcome(status, result.objective, values, "solved", sensitivity=sensitivity_data(result))
        if status not in RESULT_STATES:
            outcome.verdict = "failed"
            outcome.checks.append(f"{result.solver} stopped with {status} and no solution")
            return outcome
        disputed = False
        if result.has_solution:
            report = check_solution(model, result.values, objective=result.objective)
            rows = sum(c.rows for c in report.constraints)
            if report.feasible and report.objective_consistent is not False:
                found = f"{result.solver} solved it ({status})"
                outcome.checks.append(f"{found} and its solution satisfies all {rows} constraint rows")
            else:
                disputed = True
                outcome.checks.append(f"{result.solver}'s solution fails the formulation's own check")
        else:
            outcome.checks.append(f"{result.solver} reports the model {status}")
        if status == "infeasible":
            outcome.conflict = conflict(model, self.deps.config.solver)
        same, sentence = self.derived_program(formulation, result)
        outcome.checks.append(sentence)
        disputed |= same is False
        if problem_text is not None:
            agrees, sentence = self.independent_program(problem_text, model, result)
            outcome.checks.append(sentence)
            disputed |= agrees is False
            if agrees and not disputed:
                outcome.verdict = "agreed"
        if disputed:
            outcome.verdict = "disputed"
        return outcome

    def run(self, code: str) -> Any:
        cfg = self.deps.config
        limits = Limits(timeout_s=cfg.code_timeout, solver_time_limit=cfg.time_limit)
        return self.deps.executor.run(Job(code, contract="script", limits=limits))

    def derived_program(self, formulation: dict[str, Any], result: SolveResult) -> tuple[bool | None, str]:
        """Run the program ``/code`` shows in the sandbox: (reproduces the result?, what was found)."""
        code = pyomo_program(Formulation.from_data(formulation), solver=self.deps.config.solver)
        run = self.run(code)
        solution = run.solution if run.ok else None
        if solution is None:
            return (
                None,
                f"the program in /code did not run in the sandbox ({run.message or run.status.value})",
            )
        return _compare(
            "the program in /code, run in the sandbox,", solution, result, self.deps.config.tolerance
        )

    def independent_program(
        self, problem_text: str, model: Formulation, result: SolveResult
    ) -> tuple[bool | None, str]:
        """A program written from the words alone, run in the sandbox and compared with the formulation."""
        state: dict[str, Any] = {"problem": problem_text, "steps": [], "repairs": 0, "notes": []}
        what = "an independent program written from the problem text and the changes"
        for _ in range(self.deps.config.budget + 1):
            try:
                state.update(write_code(state, self.deps))  # type: ignore[arg-type]
            except OptagentError as exc:  # the LLM is unreachable: the formulation's answer still stands
                return None, f"{what} could not be obtained ({exc.message})"
            if state.get("code"):
                state.update(run_code(state, self.deps))  # type: ignore[arg-type]
                data = state.get("code_result") or {}
                solution = data.get("solution") or {}
                if data.get("status") == "ok" and solution.get("status") in ("optimal", "infeasible"):
                    break
            state["feedback"] = state["steps"][-1].feedback or "the program produced no solution"
            state["fix"] = "code"
        else:
            return None, f"{what} produced no result ({state['steps'][-1].summary})"
        found = _Solution(
            solution.get("status", ""), solution.get("objective"), solution.get("variables", {})
        )
        same, sentence = _compare(what, found, result, self.deps.config.tolerance)
        if not (same and result.has_solution):
            return same, sentence
        cross = diagnosis.check_program_solution(model, found.variables, found.objective)
        if cross.feasible is None:
            return same, f"{sentence}; {cross.describe()}"
        if not cross.feasible:
            return False, f"{what} reaches the same objective, but its values violate the formulation"
        return same, f"{sentence}, and its values satisfy the formulation"


@dataclass
class _Solution:
    status: str
    objective: float | None
    variables: dict[str, Any]


def _compare(what: str, solution: Any, result: SolveResult, tolerance: float) -> tuple[bool, str]:
    if not result.has_solution:
        found = solution.status == result.termination.value
        verb = "also finds it" if found else f"finds it {solution.status}, not"
        return found, f"{what} {verb} {result.termination.value}"
    if diagnosis.agree(solution.objective, result.objective, tolerance):
        return True, f"{what} agrees ({number(result.objective)})"
    got = number(solution.objective) if solution.objective is not None else solution.status
    return False, f"{what} gives {got}, not {number(result.objective)}"
