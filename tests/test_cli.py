"""The console script, run as a user would: outputs, JSON, and every error path without a traceback."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli as run
from conftest import EXAMPLES


def test_solve_prints_model_and_solution():
    out = run("solve", "--formulation", str(EXAMPLES / "production_mix.json"), check_rc=0).stdout
    assert "Objective: maximize" in out and "status: optimal" in out and "objective: 2200" in out
    assert "make" in out and "chair" in out


def test_solve_json():
    out = run("solve", "-f", str(EXAMPLES / "transportation.json"), "--json", check_rc=0).stdout
    data = json.loads(out)
    assert data["termination"] == "optimal" and data["objective"] == pytest.approx(158625)
    assert data["values"]["ship"]["Seattle,Chicago"] == pytest.approx(300)


def test_malformed_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    proc = run("solve", "-f", str(bad), check_rc=1)
    assert "not valid JSON" in proc.stderr


def test_schema_violation(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"variables": [{"name": "x", "kind": "int"}]}), encoding="utf-8")
    proc = run("solve", "-f", str(bad), check_rc=1)
    assert "does not match the formulation schema" in proc.stderr and "variables.0.kind" in proc.stderr


def test_unknown_solver():
    proc = run("solve", "-f", str(EXAMPLES / "transportation.json"), "--solver", "cplex", check_rc=1)
    assert "unknown solver 'cplex'" in proc.stderr


def test_infeasible_model_exit_code():
    proc = run("solve", "-f", str(EXAMPLES / "infeasible_staffing.json"), check_rc=1)
    assert "status: infeasible" in proc.stdout


def test_time_limit_option(tmp_path):
    proc = run("solve", "-f", str(EXAMPLES / "transportation.json"), "--time-limit", "-3", check_rc=2)
    assert "'--time-limit': -3.0 is not greater than 0" in proc.stderr


def test_invalid_model_lists_errors(tmp_path, base):
    base["objective"]["expr"] = "sum(costs[i] for i in I)"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(base), encoding="utf-8")
    proc = run("solve", "-f", str(path), check_rc=1)
    assert "undefined-symbol" in proc.stderr and "did you mean 'cost'" in proc.stderr
    out = run("formulation", "validate", str(path), "--json", check_rc=1).stdout
    assert json.loads(out)["issues"][0]["code"] == "undefined-symbol"


@pytest.mark.slow
def test_validate_render_export_check_schema(tmp_path):
    model = str(EXAMPLES / "facility_location.json")
    assert "0 error(s)" in run("formulation", "validate", model, check_rc=0).stdout
    assert r"\begin{align*}" in run("formulation", "render", model, "-f", "latex", check_rc=0).stdout
    assert "unknown format" in run("formulation", "render", model, "-f", "pdf", check_rc=1).stderr
    lp = tmp_path / "m.lp"
    run("formulation", "export", model, "-o", str(lp), check_rc=0)
    assert lp.read_text().startswith("\\* Source Pyomo model")
    solution = json.loads(run("solve", "-f", model, "--json", check_rc=0).stdout)
    sol = tmp_path / "sol.json"
    sol.write_text(json.dumps(solution), encoding="utf-8")
    assert "feasible: True" in run("formulation", "check", model, "-s", str(sol), check_rc=0).stdout
    solution["objective"] += 10
    sol.write_text(json.dumps(solution), encoding="utf-8")
    assert "consistent: False" in run("formulation", "check", model, "-s", str(sol), check_rc=1).stdout
    assert "properties" in json.loads(run("formulation", "schema", check_rc=0).stdout)


def test_usage_error_and_version():
    assert run("solve", "--no-such-flag", check_rc=2).returncode == 2
    assert run("--version", check_rc=0).stdout.startswith("optagent ")
