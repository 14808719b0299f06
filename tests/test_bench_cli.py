"""`bench run` on your own problems (examples/bench/mini.jsonl), failing LLM calls, the run-file lock, disks
that cannot take a run, whole-dataset hashes for subsets, and `bench export`."""

from __future__ import annotations

import csv
import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import EXE, run_cli
from conftest import EXAMPLES, ROOT
from fake_openai import FakeOpenAI

from optagent.benchmarks import registry
from optagent.errors import InputError
from optagent.evaluation.records import RunFile
from optagent.formulations.model import Formulation
from optagent.formulations.solve import solve
from optagent.prompts import PROMPT_SET_VERSION

MINI = EXAMPLES / "bench" / "mini.jsonl"
REPLAY = EXAMPLES / "replays" / "mini.json"
ROWS = [json.loads(line) for line in MINI.read_text().splitlines()]


def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}


def bench_run(tmp_path: Path, out: Path, *args: str, replay: Path = REPLAY, check_rc: int | None = 0):
    return run_cli(
        "bench", "run", str(MINI), "--model", f"scripted:{replay}", "--out", str(out), *args,
        check_rc=check_rc, env=env(tmp_path),
    )  # fmt: skip


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory) -> Path:
    """The README's offline run of the five problems, once for the tests below."""
    folder = tmp_path_factory.mktemp("mini")
    out = folder / "mini-full.jsonl"
    proc = bench_run(folder, out)
    assert "5 records" in proc.stdout and "strict accuracy 5/5" in proc.stdout
    return out


# -- the problems and their replay
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["id"])
@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_each_mini_answer_is_what_its_formulation_solves_to(row, solver):
    result = solve(Formulation.load(EXAMPLES / "bench" / "mini" / f"{row['id']}.json"), solver=solver)
    if row["answer"] is None:
        assert result.termination.value == "infeasible"
    else:
        assert result.termination.value == "optimal" and result.objective == pytest.approx(row["answer"])


def test_mini_is_varied_and_loads_as_a_dataset():
    problems = registry.load(str(MINI))
    assert [p.id for p in problems] == [r["id"] for r in ROWS]
    assert {"LP", "ILP", "BIP", "MILP"} <= {p.problem_type for p in problems}
    assert sum(p.expected.infeasible for p in problems) == 1
    assert registry.spec(str(MINI)).rules == () and registry.spec(str(MINI)).benchmark == "file:mini"


def test_the_shipped_replay_is_built_from_the_shipped_sources():
    build = runpy.run_path(str(ROOT / "scripts" / "mini_replay.py"))["build"]
    assert json.loads(REPLAY.read_text()) == build()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "line 1 is not JSON"),
        (['{"question": "Maximise x."}'], "line 1 has no 'answer'"),
        (['{"answer": 3}'], "line 1 has no 'question'"),
        (['{"question": "Max x.", "answer": "about five"}'], "neither a number nor null"),
        (
            ['{"question": "A", "answer": 1, "id": "a"}', '{"question": "B", "answer": 2, "id": "a"}'],
            "line 2: id 'a' was used on line 1 already",
        ),
        (["", "  "], "holds no problems"),
    ],
)
def test_a_bad_problem_file_is_named_with_its_line(tmp_path, lines, message):
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=re.escape(message)):
        registry.load(str(path))


@pytest.mark.slow
def test_bench_run_refuses_a_bad_or_missing_problem_file_before_any_work(tmp_path):
    path, out = tmp_path / "mine.jsonl", tmp_path / "r.jsonl"
    path.write_text('{"question": "Maximise x."}\n')
    proc = run_cli("bench", "run", str(path), "--model", f"scripted:{REPLAY}", "--out", str(out))
    assert proc.returncode == 1 and "line 1 has no 'answer'" in proc.stderr and not out.exists()
    missing = run_cli("bench", "run", str(tmp_path / "absent.jsonl"), "--model", f"scripted:{REPLAY}")
    assert missing.returncode == 1 and "absent.jsonl: no such file" in missing.stderr


@pytest.mark.slow
def test_the_replayed_run_answers_and_records_each_problem(mini_run):
    records = {r["problem_id"]: r for r in RunFile(mini_run).records()}
    assert set(records) == {r["id"] for r in ROWS}
    for row in ROWS:
        record = records[row["id"]]
        assert record["dataset"] == os.path.normpath(str(MINI))
        assert record["dataset_hash"] == registry.version_hash(registry.load(str(MINI)))
        assert record["subset_ids"] is None
        if row["answer"] is None:  # the formulation and the program both prove it infeasible
            assert record["verdict"] == "agreed" and record["predicted"]["status"] == "infeasible"
            assert record["scores"]["strict"] and record["attempts"][-1] == "diagnose:answer"
        else:
            assert record["scores"]["strict"] and record["predicted"]["objective"] == pytest.approx(
                row["answer"]
            )
            assert record["formulation"] and record["code"]


# -- failing LLM calls
def test_a_problem_whose_llm_calls_fail_is_a_record_and_the_run_goes_on(tmp_path):
    out = tmp_path / "run.jsonl"
    furniture = EXAMPLES / "replays" / "furniture.json"  # replies for one problem only
    proc = bench_run(tmp_path, out, "--limit", "3", "--workers", "1", replay=furniture)
    records = RunFile(out).records()
    assert len(records) == 3
    failed = [r for r in records if r["error"]]
    assert len(failed) >= 2 and all("the scripted model has no reply left" in r["error"] for r in failed)
    assert all(r["verdict"] == "error" and not r["scores"]["strict"] for r in failed)
    assert f"{len(failed)} problem(s) ended with an error" in proc.stderr


@pytest.mark.slow
def test_a_refused_api_key_stops_the_run_with_one_message(tmp_path):
    out = tmp_path / "run.jsonl"
    refused = [{"status": 401, "message": "bad key"}] * 10
    with FakeOpenAI({step: refused for step in ("formulate", "code_from_text", "lean", "unknown")}) as server:
        proc = run_cli(
            "bench", "run", str(MINI), "--model", "m", "--base-url", server.url, "--api-key", "k", "--out",
            str(out), "--no-cache", env=env(tmp_path),
        )  # fmt: skip
        calls = len(server.requests)
    assert proc.returncode == 1 and "refused the API key" in proc.stderr and "rerun" in proc.stderr
    assert calls <= 2 and RunFile(out).records() == []  # stopped at once; nothing recorded, so it resumes


# -- identity of a run: the whole dataset's hash and the subset's ids
@pytest.mark.slow
def test_a_subset_records_the_whole_datasets_hash_and_its_ids(tmp_path):
    out = tmp_path / "run.jsonl"
    whole = registry.version_hash(registry.load(str(MINI)))
    bench_run(tmp_path, out, "--limit", "2")
    first = RunFile(out).records()
    assert {r["dataset_hash"] for r in first} == {whole}
    assert all(r["subset_ids"] == ["feed_blend", "workshop_units"] for r in first)
    bench_run(tmp_path, out, "--ids", "brewery_lines,feed_blend")  # the same run, extended
    ids = sorted(r["problem_id"] for r in RunFile(out).records())
    assert ids == ["brewery_lines", "feed_blend", "workshop_units"]


@pytest.mark.slow
def test_a_file_of_the_old_schema_still_resumes(tmp_path):
    out = tmp_path / "old.jsonl"
    part = registry.load(str(MINI))[:2]
    old = {
        "schema": 1,
        "dataset": os.path.normpath(str(MINI)),
        "dataset_hash": registry.version_hash(part),  # schema 1 hashed the subset
        "model": f"scripted:{REPLAY.name}",
        "prompt_version": PROMPT_SET_VERSION,
        "mode": "full",
        "problem_id": part[0].id,
        "scores": {"strict": True},
    }
    out.write_text(json.dumps(old) + "\n")
    bench_run(tmp_path, out, "--limit", "2")
    records = RunFile(out).records()
    assert [r["problem_id"] for r in records] == ["feed_blend", "workshop_units"]  # resumed, not redone
    other = {**old, "dataset_hash": "0123456789ab"}
    out.write_text(json.dumps(other) + "\n")
    proc = bench_run(tmp_path, out, "--limit", "2", check_rc=1)
    assert "belongs to another run" in proc.stderr


# -- one writer per run file, and disks that cannot take a run
@pytest.mark.slow
def test_a_second_run_on_the_same_file_is_refused_while_the_first_runs(tmp_path):
    out = tmp_path / "run.jsonl"
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps({**json.loads(REPLAY.read_text()), "delay_s": 0.4}))
    args = ["bench", "run", str(MINI), "--model", f"scripted:{slow}", "--out", str(out), "--workers", "1"]
    first = subprocess.Popen(
        [EXE, *args],
        env=env(tmp_path),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    lock = out.with_name(out.name + ".lock")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    second = run_cli(*args, env=env(tmp_path))
    assert second.returncode == 1 and f"another run is writing {out} (process {first.pid})" in second.stderr
    os.killpg(first.pid, signal.SIGKILL)  # the lock goes with the process
    first.wait()
    run_cli(*args, check_rc=0, env=env(tmp_path))
    ids = [r["problem_id"] for r in RunFile(out).records()]
    assert sorted(ids) == sorted(r["id"] for r in ROWS) and len(ids) == len(set(ids))  # none twice


def _in_own_mounts(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (so it can mount a tmpfs), or skip."""
    for unshare in (["unshare", "-m"], ["unshare", "-rm"]):
        if (
            shutil.which(unshare[0])
            and subprocess.run([*unshare, "true"], capture_output=True).returncode == 0
        ):
            return subprocess.run(
                [*unshare, "sh", "-ec", script],
                capture_output=True,
                text=True,
                timeout=120,
                env=env(tmp_path),
            )
    pytest.skip("cannot make a private mount namespace here (unshare -m / -rm refused)")


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        ("head -c 4194304 /dev/zero > {d}/fill || true", "the disk is full"),
        ("mount -o remount,ro {d}", "the file system is read-only"),
    ],
    ids=["full-disk", "read-only"],
)
@pytest.mark.slow
def test_a_disk_that_cannot_take_the_run_is_reported_before_any_problem(tmp_path, prepare, says):
    folder = tmp_path / "mnt"
    folder.mkdir()
    with FakeOpenAI({}) as server:
        script = (
            f"mount -t tmpfs -o size=1m tmpfs {folder}\n{prepare.format(d=folder)}\n"
            f"exec {EXE} bench run {MINI} --model m --base-url {server.url} --api-key k "
            f"--out {folder}/run.jsonl"
        )
        proc = _in_own_mounts(script, tmp_path)
        calls = len(server.requests)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert says in proc.stderr and "before the first problem" in proc.stderr
    assert calls == 0


# -- export and report
def test_export_writes_formulations_and_programs_that_run_on_their_own(tmp_path, mini_run):
    folder = tmp_path / "files"
    proc = run_cli("bench", "export", str(mini_run), "--dir", str(folder), check_rc=0)
    assert "5 problems" in proc.stdout
    rows = {r["id"]: r for r in csv.DictReader((folder / "index.csv").open())}
    assert set(rows) == {r["id"] for r in ROWS}
    for row in ROWS:
        entry = rows[row["id"]]
        assert entry["files"].split() == [f"{row['id']}.json", f"{row['id']}.tex", f"{row['id']}.py"]
        assert entry["expected"] == ("infeasible" if row["answer"] is None else f"{row['answer']:.10g}")
        assert "\\begin{document}" in (folder / f"{row['id']}.tex").read_text()
        formulation = Formulation.load(folder / f"{row['id']}.json")
        if row["answer"] is not None:
            assert entry["strict"] == "True" and float(entry["objective"]) == pytest.approx(row["answer"])
            assert solve(formulation).objective == pytest.approx(row["answer"])
    # The programs here are examples/bench/mini/*.py, written for the tests (not by an LLM): safe to run.
    program = folder / "brewery_lines.py"
    assert 'if __name__ == "__main__":' in program.read_text()
    ran = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert ran.returncode == 0 and "'objective': 1600.0" in ran.stdout


def test_report_says_where_it_wrote(tmp_path, mini_run):
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    proc = run_cli("bench", "report", str(mini_run), "--md", str(md), "--html", str(page), check_rc=0)
    assert f"wrote {md}" in proc.stderr and f"wrote {page}" in proc.stderr
    assert md.read_text().startswith("# optagent benchmark report")
