"""Miss triage: for each answer that misses its label, which of these holds (deterministic, no LLM):

- ``a`` some reading the agent reported gives the label;
- ``b`` the label is better than the optimum of every reading the agent built (or says "no solution" where
  every reading has one): a suspect label, or a restriction that every reading has and the labelled model
  lacks (said with the direction);
- ``c`` the label is feasible in a reading but worse than its optimum: a missed constraint or objective term
  is likely (or, against an unproven answer, the agent's solve stopped early);
- ``e`` the label is worse than every reading's optimum, yet no solution of any reading reaches it: the
  labelled model has other data, another objective or other integrality;
- ``d`` not checkable: no formulation, no solution of the agent's, no number in the label, or the solves ran
  out of time.

"Feasible" is decided by solving the reading with its objective fixed to the label (within the strict
tolerance), added as a constraint through :func:`optagent.formulations.edits.apply_edits` like the readings'
own edits, under a small time limit; a solve stopped by the limit is said so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from optagent.errors import FormulationInvalid, OptagentError
from optagent.evaluation.scoring import NO_SOLUTION, RULES
from optagent.evaluation.stats import expected_of, matching_readings, number, rescore
from optagent.formulations.edits import apply_edits
from optagent.formulations.model import Formulation
from optagent.formulations.solve import solve

CASES = {  # key: (title, what it suggests to a benchmark maintainer)
    "a": ("a reading gives the label", "the text is ambiguous: the label follows another reading"),
    "b": (
        "label beats every optimum",
        "a suspect label, or a restriction (constraint, bound, integrality) that every reading has and the "
        "labelled model lacks",
    ),
    "c": ("label feasible, not optimal", "a constraint or objective term the agent missed is likely"),
    "e": (
        "label unattainable",
        "the labelled model has other data, another objective or other integrality",
    ),
    "d": (
        "not checkable",
        "no formulation, no solution of the agent's, no number in the label, or solves out of time",
    ),
}
TOLERANCE = 1e-6  # the strict rule's: |value - label| <= 1e-6 * (|label| + 1)
SOLVE_SECONDS = 2.0
BAND = "triage_objective_at_label"


@dataclass(frozen=True)
class Triage:
    problem_id: str
    case: str  # a key of CASES
    finding: str  # what holds, in words a benchmark maintainer can act on
    solves: int = 0
    ran_out: int = 0  # solves stopped by the time limit


@dataclass
class _Probe:
    """What one reading says about the label."""

    text: str
    optimum: float | None = None
    proven: bool = False
    no_solution: str = ""  # the reading's own status when it has no solution
    at_label: str = ""  # feasible | infeasible | time limit | error: <why>


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"'{text[: limit - 3]}...'" if len(text) > limit else f"'{text}'"


def readings_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's readings; a record written before readings were stored (or answered by the program)
    gets its formulation as the one reading, with its optimum unknown (solved again here)."""
    readings = [dict(r) for r in record.get("readings") or []]
    if not readings and record.get("formulation"):
        readings = [{"text": "as formulated", "literal": True, "edit": {}, "status": "", "objective": None}]
    if readings and readings[0].get("literal") and record.get("answer_from") == "program":
        # the answer's value is the program's; the formulation's own optimum is not in the record
        readings[0].update(status="", objective=None, proven_optimal=False)
    return readings


def _better(value: float, than: float, sense: str) -> bool:
    return value < than if sense == "minimize" else value > than


def _solve_status(formulation: Formulation, seconds: float) -> tuple[str, float | None, bool]:
    """(feasible | infeasible | time limit | error: why, objective, proven optimal)."""
    try:
        result = solve(formulation, time_limit=seconds)
    except FormulationInvalid as exc:
        return f"error: {exc.report.format().splitlines()[0]}", None, False  # type: ignore[attr-defined]
    except OptagentError as exc:
        return f"error: {exc.message}", None, False
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return f"error: {exc}", None, False
    term = result.termination.value
    if result.has_solution:
        return "feasible", result.objective, term == "optimal"
    if term in ("infeasible", "infeasible_or_unbounded"):
        return "infeasible", None, False
    if term == "unbounded":
        return "unbounded", None, False
    return ("time limit" if term == "time_limit" else f"error: solver ended with {term}"), None, False


def _at_label(formulation: Formulation, label: float) -> Formulation:
    """The feasibility problem "a solution of ``formulation`` whose objective is within the strict tolerance
    of ``label``" (constant objective: the first solution found settles it); the declared
    problem type is dropped (a nonlinear objective makes the band nonlinear rows), the class is detected and
    the solver chosen from it."""
    half = TOLERANCE * (abs(label) + 1)
    names = {c.name for c in formulation.constraints}
    name = BAND if BAND not in names else f"{BAND}_{len(names)}"
    objective = formulation.objective.expr
    band = [  # two rows, not one ranged row: Pyomo 6.10's scip_direct drops a ranged row's constant term
        {"name": f"{name}_low", "expr": f"({objective}) >= {label - half!r}"},
        {"name": f"{name}_high", "expr": f"({objective}) <= {label + half!r}"},
    ]
    edit = {"constraints": band, "objective": {"sense": "minimize", "expr": "0"}, "problem_type": None}
    return apply_edits(formulation, edit)


class _Solves:
    """Solves one triage makes, each under the same time limit, counted."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.solves = 0
        self.ran_out = 0

    def solve(self, formulation: Formulation) -> tuple[str, float | None, bool]:
        self.solves += 1
        outcome = _solve_status(formulation, self.seconds)
        self.ran_out += outcome[0] == "time limit"
        return outcome


def _probe(base: Formulation, reading: dict[str, Any], label: float, sense: str, solver: _Solves) -> _Probe:
    probe = _Probe(reading.get("text") or "as formulated")
    status = reading.get("status") or ""
    if status == "invalid":
        probe.at_label = "error: the reading could not be built"
        return probe
    if status == "infeasible":
        probe.no_solution = probe.at_label = "infeasible"  # no solution at all, so none at the label
        return probe
    try:
        variant = apply_edits(base, reading.get("edit") or {})
    except OptagentError as exc:
        probe.at_label = f"error: {exc.message}"
        return probe
    probe.optimum, probe.proven = reading.get("objective"), bool(reading.get("proven_optimal"))
    probe.no_solution = status if status in NO_SOLUTION else ""
    if probe.optimum is None and not probe.no_solution:  # not in the record: solve the reading first
        state, probe.optimum, probe.proven = solver.solve(variant)
        if state == "infeasible" or state.startswith("error"):
            probe.no_solution = "infeasible" if state == "infeasible" else ""
            probe.at_label = state
            return probe
    if probe.proven and probe.optimum is not None and _better(label, probe.optimum, sense):
        probe.at_label = "infeasible"  # better than a proven optimum: no solution reaches it
        return probe
    probe.at_label = solver.solve(_at_label(variant, label))[0]
    return probe


def _diff(label: float, optimum: float) -> str:
    return f"{abs(label - optimum):.6g}"


def triage_record(record: dict[str, Any], seconds: float = SOLVE_SECONDS) -> Triage | None:
    """The triage of one record, or None when its answer matches the label (strict rule)."""
    strict = RULES["strict"]
    if rescore(record, [strict])["strict"]:
        return None
    pid = str(record.get("problem_id"))
    expected = expected_of(record)
    readings = readings_of(record)
    matched = matching_readings({**record, "readings": readings}, strict)
    if matched:
        k = matched[0]
        value = readings[k].get("objective")
        gives = "no solution" if value is None else number(value)
        return Triage(pid, "a", f"reading {k + 1} {_quote(readings[k].get('text', ''))} gives {gives}")
    if not record.get("formulation"):
        why = record.get("failure") or record.get("error") or ""
        return Triage(
            pid,
            "d",
            "no formulation in the record"
            + (" (mode code writes none)" if record.get("mode") == "code" else "")
            + (f"; the run ended: {_quote(why, 100)}" if why else ""),
        )
    try:
        base = Formulation.from_data(record["formulation"])
    except OptagentError as exc:
        return Triage(pid, "d", f"the stored formulation does not load: {exc.message}")
    sense = base.objective.sense.value
    if expected.infeasible:
        solved = [number(r["objective"]) for r in readings if r.get("objective") is not None]
        if not solved:
            return Triage(pid, "d", "the label says there is no solution; no reading was solved to compare")
        return Triage(
            pid,
            "b",
            f"the label says there is no solution; {len(solved)} of {len(readings)} reading(s) have one "
            f"(objective {', '.join(solved)}) and none is infeasible",
        )
    if expected.objective is None:
        return Triage(pid, "d", f"the label {expected.raw!r} holds no number")
    label = expected.objective
    solver = _Solves(seconds)
    probes = [_probe(base, r, label, sense, solver) for r in readings]
    return _decide(pid, label, sense, probes, solver)


def _decide(pid: str, label: float, sense: str, probes: list[_Probe], solver: _Solves) -> Triage:
    def done(case: str, finding: str) -> Triage:
        if solver.ran_out:
            finding += f"; {solver.ran_out} solve(s) stopped by the {solver.seconds:g} s limit"
        return Triage(pid, case, finding, solver.solves, solver.ran_out)

    word = "minimum" if sense == "minimize" else "maximum"
    feasible = [(k, p) for k, p in enumerate(probes) if p.at_label == "feasible"]
    if feasible:
        k, p = feasible[0]
        where = f"feasible in reading {k + 1} {_quote(p.text)}"
        if p.optimum is None:
            return done(
                "c", f"{where}, whose optimum the run did not establish ({p.no_solution or 'unsolved'})"
            )
        if _better(p.optimum, label, sense):
            proven = "proven " if p.proven else ""
            return done(
                "c", f"{where}; its {proven}{word} {number(p.optimum)} is better by {_diff(label, p.optimum)}"
            )
        return done(
            "c",
            f"{where} and better than its unproven answer {number(p.optimum)}: the agent's solve stopped "
            "early",
        )
    excluded = [p for p in probes if p.at_label == "infeasible"]
    if probes and len(excluded) == len(probes):
        solved = [p for p in probes if p.optimum is not None]
        optima = [p.optimum for p in solved]
        if not optima:
            states = ", ".join(sorted({p.no_solution or "infeasible" for p in probes}))
            return done("d", f"no solution of the agent's: every reading is {states}")
        if all(_better(label, v, sense) for v in optima):
            best = (min if sense == "minimize" else max)(solved, key=lambda p: p.optimum)
            side = "below" if sense == "minimize" else "above"
            shown = number(best.optimum) + ("" if best.proven else ", not proven optimal")
            return done(
                "b", f"{side} the {word} of every reading (best {shown}) by {_diff(label, best.optimum)}"
            )
        shown = ", ".join(number(v) for v in optima)
        return done("e", f"worse than the {word} ({shown}), yet infeasible in every reading")
    if not probes:
        return done("d", "no reading to check")
    unknown = [p.at_label for p in probes if p.at_label not in ("infeasible", "feasible")]
    return done(
        "d", f"{len(unknown)} of {len(probes)} reading(s) not checked: {'; '.join(sorted(set(unknown)))}"
    )


def triage_run(
    records: list[dict[str, Any]],
    seconds: float = SOLVE_SECONDS,
    on_record: Callable[[int, int], None] | None = None,
) -> list[Triage]:
    """The triage of every record that misses its label, in record order."""
    misses = [r for r in records if not rescore(r, [RULES["strict"]])["strict"]]
    out = []
    for k, record in enumerate(misses, 1):
        found = triage_record(record, seconds)
        if found is not None:
            out.append(found)
        if on_record is not None:
            on_record(k, len(misses))
    return out
