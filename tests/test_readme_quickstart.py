"""The README's "What to try next" block, run exactly as written in a fresh folder as a new user would: no API
key, no Hugging Face network, no benchmark data, an empty home. Each command must exit as the README says and
print what it promises; the README's other offline claims that these runs can check are checked on them.

The commands run once for the module, in two chains at once (the commands that read the run of `bench run`
after it; the others beside them), so the module costs about as long as its longest chain.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
from test_chat_readme import readme_chat_session

README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV = Path(sys.prefix)
RUN_FILE = "runs/mini-full.jsonl"  # written by the bench command, read by the report and by fine-tuning


def section(title: str) -> str:
    """The text under a README heading, up to the next heading of any level."""
    return re.split(r"\n#{2,4} ", README.split(f"\n{title}\n", 1)[1], maxsplit=1)[0]


def blocks(text: str, lang: str = "bash") -> list[str]:
    return [body for kind, body in re.findall(r"```(\w*)\n(.*?)```", text, re.DOTALL) if kind == lang]


def quickstart() -> tuple[str, list[tuple[str, str]]]:
    """(the activation line, [(what it shows, command), ...]) of the block after "What to try next"."""
    lines = blocks(section("## Set-up").split("**What to try next**", 1)[1])[0].strip().splitlines()
    activate, rest = lines[0], lines[1:]
    assert all(comment.startswith("# ") for comment in rest[::2]), "each command has one line saying what"
    return activate, [(comment[2:], command) for comment, command in zip(rest[::2], rest[1::2], strict=True)]


ACTIVATE, COMMANDS = quickstart()


@dataclass
class Ran:
    command: str
    rc: int
    out: str
    err: str
    seconds: float


def run_all(work: Path, env: dict[str, str]) -> dict[str, Ran]:
    def run(command: str) -> Ran:
        start = time.monotonic()
        proc = subprocess.run(
            ["bash", "-c", f"{ACTIVATE}\n{command}"],
            cwd=work, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        return Ran(command, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)

    def chain(commands: list[str]) -> list[Ran]:
        return [run(command) for command in commands]

    commands = [command for _, command in COMMANDS]
    main_job = blocks(section("## Set-up"))[0].splitlines()[0].split(" && ")[-1]  # the set-up's solve
    reading = [c for c in commands if RUN_FILE in c]  # the bench run (which writes it) first
    others = [c for c in commands if c not in reading] + [main_job]
    with ThreadPoolExecutor(2) as pool:
        results = [r for rans in pool.map(chain, [reading, others]) for r in rans]
    return {r.command: r for r in results}


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, Ran]:
    work = tmp_path_factory.mktemp("fresh-checkout")
    (work / "examples").symlink_to(ROOT / "examples")
    (work / ".venv").symlink_to(VENV)
    (work / "no-benchmarks").mkdir()
    assert (VENV / "bin" / "activate").exists(), f"the tests must run from a virtual environment ({VENV})"
    hidden = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPTAGENT_MODEL", "OPTAGENT_CACHE_DIR", "XDG_CACHE_HOME")
    env = {k: v for k, v in os.environ.items() if k not in hidden and k != "VIRTUAL_ENV"}
    env.update(
        HOME=str(work / "home"),
        OPTAGENT_BENCHMARKS=str(work / "no-benchmarks"),
        HF_HOME=str(work / "hf"),
        HF_HUB_OFFLINE="1",
        OMP_NUM_THREADS="1",
    )
    results = run_all(work, env)
    for r in results.values():
        assert "Traceback" not in r.out + r.err and "Warning" not in r.err, (r.command, r.err)
    print("\n".join(f"{r.seconds:5.1f} s  {r.command[:100]}" for r in results.values()))
    return {**results, "work": work}  # type: ignore[dict-item]


def find(ran: dict[str, Ran], *words: str) -> Ran:
    (hit,) = [r for key, r in ran.items() if key != "work" and all(w in key for w in words)]
    return hit


def test_five_commands_after_the_unchanged_set_up():
    assert ACTIVATE == "source .venv/bin/activate"
    assert len(COMMANDS) == 5 and all(len(what) <= 120 for what, _ in COMMANDS)
    setup = blocks(section("## Set-up"))[0].strip().splitlines()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert len(setup) == 2 and all(line in ci for line in setup)  # the set-up is what CI runs


def test_solve_explains_a_model_and_names_the_conflict_of_an_infeasible_one(ran):
    r = find(ran, "--explain", "infeasible_staffing")
    assert r.rc == 1  # the last command: a model without a solution exits 1, as documented
    shown = blocks(section("### Solvers"), "")[0].splitlines()  # the README's --explain output
    assert shown[0] == "$ optagent solve -f examples/production_mix.json --explain"
    lines = [line.rstrip() for line in r.out.splitlines()]
    assert all(line in lines for line in shown[1:-1])
    assert "objective: 2200  bound: 2200  gap: 0.00e+00" in lines
    assert "conflict: cover[1], cover[3] and limit conflict" in lines  # the README's Solvers section


def test_a_bench_run_of_your_own_problems_and_its_report(ran):
    r = find(ran, "bench run", "bench report")
    assert r.rc == 0, r.err
    assert "5 records in runs/mini-full.jsonl; strict accuracy 5/5" in r.out  # the README's Benchmarks claim
    assert "| `agreed` | 5 | 5/5 (100.0%) |" in r.out and "data: `examples/bench/mini.jsonl`" in r.out
    assert "model `scripted:mini.json`; mode `full`" in r.out


def test_a_chat_with_a_what_if_and_a_question_answered_by_re_solving(ran):
    r = find(ran, "optagent chat")
    assert r.rc == 0, r.err
    chat = readme_chat_session()[1].splitlines()  # the Chat section's session, up to its /undo
    assert [line.rstrip() for line in r.out.strip().splitlines()] == chat[: chat.index("you> /undo")]


def test_an_offline_heuristic_search_in_seconds(ran):
    r = find(ran, "smtt discover")
    assert r.rc == 0, r.err
    discovery = section("### Discovery: a search the LLM can win with, judged like for like")
    assert r.command in blocks(discovery)[0].splitlines()
    assert (
        "The best 3 of 9 candidates on the training set (1 generated instance per (R, T) class of 25 and 50 "
        "jobs (seed 2025); 40 in all), CPU budget 20 ms per instance" in r.out
    )
    assert re.search(r"4 LLM calls, 9 candidates \(\d accepted\), rejected: error 1\b", r.out)  # 5 seeds + 4
    assert "champion" in r.out and "candidate 7 (modify of [4]): rejected, error:" in r.err
    assert "now: done" in r.err.splitlines() and "now: choosing" not in r.err  # the panel's final state
    assert (ran["work"] / "runs" / "smtt-demo" / "best_1.py").exists()


def test_fine_tuning_offline_on_a_tiny_model_built_here(ran):
    r = find(ran, "finetune tiny-model", "finetune train")
    assert r.rc == 0, r.err
    assert (
        "tiny model written to runs/tiny: a random 2-layer Llama, 82,592 parameters, context 2,048 tokens, "
        "a tokenizer of 1,000 tokens trained on the agent's prompts" in r.out
    )
    assert "10 examples written to runs/train.jsonl (5 problem -> formulation, 5 problem -> code)" in r.out
    assert "not checked for contamination: no dataset was found under" in r.out  # said, not hidden
    trained = re.search(r"trained 2 steps; train loss [\d.]+, eval loss [\d.]+; adapter in runs/ft \(", r.out)
    assert trained and "(use --model hf:runs/tiny+runs/ft)" in r.out
    assert "{'loss'" not in r.out + r.err and "it/s" not in r.err  # progress is ours, not the libraries'


def test_the_agent_runs_on_the_tuned_model_and_its_noise_fails(ran):
    pytest.importorskip("peft", reason="the [finetune] extra is not installed")
    from peft import PeftModel

    import optagent
    from optagent.agent.llm.config import make_llm

    work = ran["work"]
    llm = make_llm(model=f"hf:{work / 'runs/tiny'}+{work / 'runs/ft'}", cache=False)  # as --model takes it
    assert isinstance(llm.model, PeftModel) and llm.context == 2048
    text = (ROOT / "examples" / "problems" / "furniture.txt").read_text(encoding="utf-8")
    answer = optagent.solve(text, llm=llm, mode="ir", budget=0)  # its prompts fit the context
    assert answer.verdict == "failed" and answer.llm_calls == 1 and answer.prompt_tokens < 2048


def test_the_main_job_prints_what_the_readme_shows(ran):
    r = find(ran, "solve -f examples/problems/furniture.txt")
    assert r.rc == 0, r.err
    shown = blocks(section("## Set-up"), "")[0].splitlines()  # "What you see", "..." for lines left out
    printed = [line.rstrip() for line in (r.err + r.out).splitlines()]
    assert all(line in printed for line in shown[:-1] if line.strip() != "...")
    assert shown[-1].split(" prompts ")[0] in printed[-1]  # its numbers (tokens, seconds) vary
