"""Batch runs end to end with a scripted model: kill -9 and resume, reports, re-scoring, label audit, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from agent_fixtures import FORMULATION
from cli_helpers import EXE, run_cli
from conftest import EXAMPLES, FIXTURES, shared_dir

from optagent.benchmarks import registry
from optagent.benchmarks.replay import reference_replay
from optagent.evaluation.records import RunFile
from optagent.evaluation.report import html_report, load_runs, markdown
from optagent.evaluation.runner import TIMING_FIELDS

LIMIT = 10


def replay_file(dataset: str, root: Path, folder: Path, delay: float) -> Path:
    problems = registry.load(dataset, root)[:LIMIT]
    replay = reference_replay(problems, EXAMPLES / "logior", delay_s=delay)
    if dataset != "logior":  # no references: every problem gets the same (mostly wrong) formulation
        replay["defaults"]["formulate"] = json.dumps(FORMULATION)
    path = folder / f"{dataset}-replay.json"
    path.write_text(json.dumps(replay))
    return path


def bench_args(dataset: str, replay: Path, out: Path, root: Path) -> list[str]:
    return [
        "bench",
        "run",
        dataset,
        "--model",
        f"scripted:{replay}",
        "--mode",
        "ir",
        "--budget",
        "0",
        "--limit",
        str(LIMIT),
        "--workers",
        "2",
        "--out",
        str(out),
        "--data-dir",
        str(root),
    ]


def comparable(path: Path) -> list[dict]:
    records = sorted(RunFile(path).records(), key=lambda r: r["problem_id"])
    return [{k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in records]


def without_latency(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("- latency"))


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["logior", "optibench"])
def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path, dataset):
    root = shared_dir(registry.spec(dataset).path).parents[len(Path(registry.spec(dataset).path).parts) - 1]
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path / "cache")}
    whole, broken = tmp_path / "whole" / "run.jsonl", tmp_path / "broken" / "run.jsonl"  # same run name
    run_cli(*bench_args(dataset, replay_file(dataset, root, tmp_path, 0.0), whole, root), check_rc=0, env=env)

    slow = replay_file(dataset, root, tmp_path, 0.15)
    proc = subprocess.Popen(
        [EXE, *bench_args(dataset, slow, broken, root)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not broken.exists() or broken.read_text().count("\n") < 3):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(RunFile(broken).records())
    assert 3 <= done_before < LIMIT, "the kill must land in the middle of the run"
    with broken.open("a") as handle:
        handle.write('{"schema": 1, "problem_id": "torn')  # a record cut off mid-write
    run_cli(*bench_args(dataset, slow, broken, root), check_rc=0, env=env)

    assert comparable(broken) == comparable(whole)
    assert len({r["problem_id"] for r in comparable(broken)}) == LIMIT  # nothing lost, nothing twice
    assert without_latency(markdown(load_runs([broken]))) == without_latency(markdown(load_runs([whole])))


@pytest.mark.slow
def test_logior_replay_report_and_rescoring(tmp_path):
    root = shared_dir("logior").parent
    out = tmp_path / "logior.jsonl"
    replay = reference_replay(registry.load("logior", root), EXAMPLES / "logior")
    (tmp_path / "replay.json").write_text(json.dumps(replay))
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path / "cache")}
    args = [
        "bench",
        "run",
        "logior",
        "--model",
        f"scripted:{tmp_path / 'replay.json'}",
        "--mode",
        "ir",
        "--budget",
        "0",
        "--out",
        str(out),
        "--data-dir",
        str(root),
    ]
    run_cli(*args, check_rc=0, env=env)
    records = RunFile(out).records()
    solved = {r["problem_id"] for r in records if r["scores"]["strict"]}
    assert len(records) == 64
    assert solved == {p.stem for p in (EXAMPLES / "logior").glob("prob_*.json")}  # every reference, no other
    first = records[0]
    for field in (
        "dataset",
        "dataset_hash",
        "problem_id",
        "model",
        "prompt_version",
        "mode",
        "attempts",
        "tokens",
        "cost_usd",
        "latency_s",
        "verdict",
        "predicted",
        "expected",
        "scores",
    ):
        assert field in first

    md, page = tmp_path / "r.md", tmp_path / "r.html"
    run_cli(
        "bench", "report", str(out), "--md", str(md), "--html", str(page), "--tolerance", "0.5", check_rc=0
    )
    text = md.read_text()
    assert "| strict |" in text and "25.0% (16/64; 95% CI 16.0-36.8)" in text
    assert "| orthought-abs-0.01 |" in text and "| rel-0.5 |" in text  # re-scored without any LLM
    assert "Strict accuracy by problem type" in text and "| Toy |" in text
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "data:image/png;base64," in html and "http" not in html


def test_report_compares_runs(tmp_path):
    records = [json.loads(line) for line in (FIXTURES / "runs" / "a.jsonl").read_text().splitlines()]
    other = [dict(r) for r in records]
    other[0] = {**other[0], "predicted": {"objective": 999.0, "status": "optimal"}}
    other[1] = {**other[1], "predicted": {"objective": 3.0, "status": "optimal"}}
    b = tmp_path / "b.jsonl"
    b.write_text("".join(json.dumps(r) + "\n" for r in other))
    text = markdown(load_runs([FIXTURES / "runs" / "a.jsonl", b]))
    assert "- fixed (1): p2" in text and "- broken (1): p1" in text
    assert "<table>" in html_report(load_runs([b]))


@pytest.mark.slow
def test_audit_logior_and_cross_version(tmp_path):
    root = shared_dir("logior").parent
    proc = run_cli(
        "bench",
        "audit",
        "logior",
        "--data-dir",
        str(root),
        "--references",
        str(EXAMPLES / "logior"),
        "--json",
        check_rc=0,
    )
    data = json.loads(proc.stdout)
    assert data["summary"][0] == "reference models: 16 checked, 0 disagree"
    mamo = json.loads(
        run_cli("bench", "audit", "mamo-easylp", "--data-dir", str(root), "--json", check_rc=0).stdout
    )
    assert any("vs mamo-easylp-sirl" in line for line in mamo["summary"])
    assert any(r["note"].startswith("differs by") for r in mamo["rows"])


def test_datasets_cli_lists_found_and_missing(tmp_path):
    data = json.loads(
        run_cli("bench", "datasets", "--data-dir", str(FIXTURES / "bench_data"), "--json", check_rc=0).stdout
    )
    found = {d["name"]: d for d in data["datasets"] if d["found"]}
    assert set(found) == {
        "optibench",
        "logior",
        "nl4opt-sirl",
        "industryor-llmopt",
        "mamo-easylp",
        "complexor-coe",
        "optmath-bench",
    }
    assert found["nl4opt-sirl"]["problems"] == 3 and found["nl4opt-sirl"]["infeasible_labels"] == 1
    assert found["optibench"]["rules"] == ["strict", "optibench-all-keys"]
    assert len(data["datasets"]) == len(registry.SPECS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bench", "run", "optibenc"], "did you mean optibench"),
        (["bench", "run", "logior", "--ids", "prob_999", "--model", "scripted:x"], "unknown problem ids"),
        (["bench", "report", "/nonexistent.jsonl"], "/nonexistent.jsonl: no such file"),
    ],
)
def test_bench_errors(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 1 and message in proc.stderr
