"""Hostile formulations are refused quickly, with bounded memory, as input errors that name the limit hit:
as an LLM reply (Formulation.from_data + validate), and as a file (`formulation validate`, `solve -f`)."""

from __future__ import annotations

import copy
import resource
import signal
import subprocess
from contextlib import contextmanager

import pytest
from cli_helpers import EXE
from conftest import ROOT
from hostile_formulations import SMALL, cases

from optagent.errors import InputError, ModelTooLarge, OptagentError
from optagent.formulations import Formulation, limits, validate
from optagent.formulations import issues as I
from optagent.formulations.solve import solve

CASES = cases()
HANG_GUARD_S = 30  # a hang guard, not a speed target: each case is refused long before it
MEMORY_CAP = 2 << 30  # address space of the CLI runs: a 10^8-element expansion would need several GiB


@contextmanager
def hang_guard(seconds: int = HANG_GUARD_S):
    def expire(*_):
        raise TimeoutError(f"not refused within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refusal(data: dict) -> str:
    """The text of the refusal of ``data`` as an LLM reply; fails when it is accepted."""
    with hang_guard():
        try:
            report = validate(Formulation.from_data(data, source="your formulation"))
        except InputError as exc:  # ModelTooLarge and the input limits are input errors
            return str(exc)
    assert not report.ok, "a hostile formulation was accepted"
    return report.format()


@pytest.mark.parametrize("name", list(CASES))
def test_refused_as_a_reply(name):
    assert CASES[name].names in refusal(CASES[name].data)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.mark.parametrize("command", [["formulation", "validate"], ["solve", "-f"]], ids=["validate", "solve"])
@pytest.mark.parametrize("name", list(CASES))
def test_refused_as_a_file(name, command, tmp_path):
    path = tmp_path / f"{name}.json"
    path.write_text(CASES[name].text, encoding="utf-8", errors="surrogatepass")
    proc = subprocess.run(
        [EXE, *command, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_cap_memory,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out
    assert CASES[name].names in out


def test_deadline_stops_an_expansion_inside_its_loops(monkeypatch):
    # 1,000,000 derived entries pass every size limit but take longer than the (shortened) deadline
    monkeypatch.setattr(limits, "MAX_SECONDS", 0.2)
    data = copy.deepcopy(SMALL)
    data["sets"] += [{"name": n, "range": {"start": 1, "end": 1000}} for n in ("P", "Q")]
    data["parameters"].append({"name": "d", "index": ["p in P", "q in Q"], "expr": "p * q + 1"})
    with hang_guard(), pytest.raises(ModelTooLarge, match=r"longer than 0\.2 s \(limit max_seconds\)"):
        validate(Formulation.from_data(data))


def test_steps_are_booked_before_any_row_is_expanded(monkeypatch):
    monkeypatch.setattr(limits, "MAX_STEPS", 1000)
    data = copy.deepcopy(SMALL)
    data["sets"].append({"name": "T", "range": {"start": 1, "end": 500}})
    data["parameters"].append({"name": "zero", "value": 0})
    # every row would divide by zero; the estimate refuses the constraint before one row is evaluated
    data["constraints"].append({"name": "big", "forall": ["t in T"], "expr": "x['a'] <= t / zero"})
    with pytest.raises(ModelTooLarge, match=r"constraint 'big' \(500 rows\).*limit max_steps"):
        validate(Formulation.from_data(data))
    monkeypatch.setattr(limits, "MAX_STEPS", 10_000)
    assert I.DOMAIN in validate(Formulation.from_data(data)).codes()  # within the limit: expanded


def test_input_size_and_nesting_limits_apply_to_data(monkeypatch):
    monkeypatch.setattr(limits, "MAX_INPUT_BYTES", 1000)
    data = copy.deepcopy(SMALL)
    data["description"] = "x" * 2000
    with pytest.raises(InputError, match="limit max_input_bytes"):
        Formulation.from_data(data)
    nested = copy.deepcopy(SMALL)
    nested["parameters"][0]["value"] = [[[[1]]]]
    monkeypatch.setattr(limits, "MAX_JSON_DEPTH", 4)
    with pytest.raises(InputError, match=r"parameters\.0\.value\.0 is nested 5 levels deep"):
        Formulation.from_data(nested)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"constraints": [{"name": "c", "forall": ["i in I"], "expr": "x[i] <= i"}]}, "index 'i' = 'a'"),
        (
            {"constraints": [{"name": "c", "forall": ["i in I"], "where": "i > 2", "expr": "x[i] <= 1"}]},
            "cannot compare 'a' with 2",
        ),
        ({"parameters": SMALL["parameters"] + [{"name": "p", "expr": "(-8) ** 0.5"}]}, "has no real value"),
        ({"parameters": SMALL["parameters"] + [{"name": "p", "expr": "1e20 * 1e20"}]}, "exceeds 1e+30"),
        ({"variables": [{"name": "x", "index": ["i in I"], "upper": "i"}]}, "index 'i' = 'a'"),
        ({"constraints": [{"name": "c", "expr": "x['a'] <= exp(100)"}]}, "exceeds 1e+30"),
    ],
)
def test_validate_rejects_what_solve_would_reject(change, message):
    data = {**copy.deepcopy(SMALL), **change}
    assert message in refusal(data)
    with pytest.raises(OptagentError):  # and solve refuses it as an input error, never a crash
        solve(Formulation.from_data(data))


def test_every_limit_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [n.lower() for n in vars(limits) if n.startswith("MAX_") and n != "MAX_INT_DIGITS"]
    assert len(names) == 10 and all(f"`{n}`" in readme for n in names)


def test_entries_are_booked_before_they_are_built(monkeypatch):
    monkeypatch.setattr(limits, "MAX_TERMS", 1000)
    data = copy.deepcopy(SMALL)
    data["sets"].append({"name": "T", "range": {"start": 1, "end": 400}})  # 400 + 2 + 2 + 2 + 400 fit
    data["variables"] += [{"name": "u", "index": ["t in T"]}, {"name": "v", "index": ["t in T"]}]
    with pytest.raises(ModelTooLarge, match=r"variable 'v' would bring the model to more than 1,000 entries"):
        validate(Formulation.from_data(data))
    del data["variables"][-1]
    assert validate(Formulation.from_data(data)).ok


def test_compilation_runs_under_the_budget_of_its_prepared():
    from optagent.formulations import prepare
    from optagent.formulations.compile_pyomo import compile_prepared

    data = copy.deepcopy(SMALL)
    data["sets"].append({"name": "T", "range": {"start": 1, "end": 5000}})
    data["variables"].append({"name": "y", "index": ["t in T"]})
    data["constraints"].append({"name": "link", "forall": ["t in T"], "expr": "y[t] <= x['a']"})
    prep = prepare(Formulation.from_data(data))
    prep.budget.deadline = 0.0  # as if prepare had used up the time: the rows are refused as they expand
    with pytest.raises(ModelTooLarge, match="limit max_seconds"):
        compile_prepared(prep)
