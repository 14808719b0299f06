"""SMTT discovery: the evolved template and its evaluator-enforced time budget, proven training optima,
fitness with confidence, prompts, deduplication, islands, a scripted search interrupted and resumed, the
Pareto front, the command line, and evaluation through Ray."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_cli
from rich.console import Console

from optagent.agent.llm import ScriptedLLM
from optagent.benchmarks.smtt.discovery import (
    Discovery,
    Evaluator,
    Settings,
    TrainingSpec,
    load_training,
    pareto,
    prompts,
    search,
    training,
)
from optagent.benchmarks.smtt.discovery.evaluator import cpu_limit
from optagent.benchmarks.smtt.discovery.files import read_best
from optagent.benchmarks.smtt.discovery.fitness import Bootstrap, Score, compare, score
from optagent.benchmarks.smtt.discovery.islands import Islands
from optagent.benchmarks.smtt.discovery.journal import Candidate, Journal
from optagent.benchmarks.smtt.discovery.operators import BY_NAME
from optagent.benchmarks.smtt.discovery.progress import SearchProgress
from optagent.benchmarks.smtt.discovery.template import SEEDS, Seed, code_key, parse_reply
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.heuristics import mdd
from optagent.benchmarks.smtt.instances import Instance, generate
from optagent.benchmarks.smtt.objective import total_tardiness
from optagent.errors import InputError
from optagent.sandbox import WorkerPool

BUDGET = 0.01
SPEC = TrainingSpec(sizes=(8, 10), per_class=1, seed=5)


def fenced(idea: str, code: str) -> str:
    return f"{idea}\n```python\n{code}```"


EDD_BY_SLACK = "def construct(p, d):\n    return sorted(range(len(p)), key=lambda j: (d[j] - p[j], j))\n"
SPT = "def construct(p, d):\n    return sorted(range(len(p)), key=lambda j: (p[j], j))\n"
LATEST_FIRST = "def construct(p, d):\n    return sorted(range(len(p)), key=lambda j: (-d[j], j))\n"
SHORT = "def construct(p, d):\n    return list(range(len(p) - 1))\n"
MDD_COPY = (  # the seed's rule in other words: the same orders, so the same behaviour
    "def construct(p, d):\n"
    "    todo, seq, now = list(range(len(p))), [], 0\n"
    "    while todo:\n"
    "        best = min(todo, key=lambda i: (max(now + p[i], d[i]), d[i], p[i], i))\n"
    "        seq.append(best)\n"
    "        todo.remove(best)\n"
    "        now += p[best]\n"
    "    return seq\n"
)


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as workers:
        yield workers


@pytest.fixture(scope="module")
def train(tmp_path_factory):
    return load_training(SPEC, cache_dir=tmp_path_factory.mktemp("cache"))


def evaluator(pool, train, **kwargs) -> Evaluator:
    options = {"budget_s": BUDGET, "parallel": 2, "probe": 8, **kwargs}
    return Evaluator(train.instances, pool, **options)


def test_candidates_that_solve_every_probe_are_told_apart_on_the_whole_training_set(pool):
    """Strong candidates agree on probes they all solve optimally: the duplicate check then compares
    every training instance, so a candidate that differs elsewhere is kept, an identical one is not."""
    loose = [Instance(f"loose-{k}", [3, 1, 4, 1, 5, 9, 2, 6], [99] * 8, 0.2, 0.2, opt=0) for k in range(4)]
    tight = [generate(6, 0.2, 0.6, seed=k) for k in range(6)]
    tight = [Instance(i.id, i.p, i.d, i.rdd, i.tf, opt=solve_dp(i.p, i.d)[0]) for i in tight]
    judge = Evaluator([*tight, *loose], pool, budget_s=BUDGET, parallel=2, probe=4)
    assert {judge.instances[k].n for k in judge.probe} == {8}  # the probes: every order is optimal there
    edd = "def construct(p, d):\n    return sorted(range(len(p)), key=lambda j: (d[j], j))\n"
    first = judge.evaluate(edd, known=lambda signature: None)
    assert first.ok
    known = {first.signature: 1}
    mixed = edd.replace("(d[j], j)", "(d[j], j) if len(p) == 8 else (p[j], j)")
    assert total_tardiness(tight[0].p, tight[0].d, sorted(range(6), key=lambda j: (tight[0].p[j], j))) != (
        total_tardiness(tight[0].p, tight[0].d, sorted(range(6), key=lambda j: (tight[0].d[j], j)))
    )  # EDD and SPT differ off the probes
    kept = judge.evaluate(mixed, known=known.get)
    assert kept.ok and kept.signature != first.signature
    again = judge.evaluate(
        edd.replace("key=lambda j", "key=lambda i").replace("[j]", "[i]").replace(", j)", ", i)"),
        known=known.get,
    )
    assert not again.ok and again.category == "duplicate"
    assert "behaves exactly like candidate 1 (the same orders on all 10 training instances)" in again.reason


# -- training instances with proven optima
def test_training_optima_are_proven_cached_and_checked(tmp_path, monkeypatch):
    spec = TrainingSpec(sizes=(7, 9), per_class=1, seed=3)
    first = load_training(spec, cache_dir=tmp_path)
    assert len(first.instances) == 40 and not first.unproven
    assert {i.n for i in first.instances} == {7, 9} and {i.group for i in first.instances} == {
        f"R={r:g} T={t:g}" for r in (0.2, 0.4, 0.6, 0.8, 1.0) for t in (0.2, 0.4, 0.6, 0.8)
    }
    assert all(i.opt == solve_dp(i.p, i.d)[0] for i in first.instances)  # proven by another method
    assert first.path == tmp_path / "smtt" / f"training-{spec.key}.json"

    def no_solving(*args, **kwargs):
        raise AssertionError("the cached optima were not used")

    monkeypatch.setattr(training, "solve_bb", no_solving)
    again = load_training(spec, cache_dir=tmp_path)
    assert [(i.id, i.p, i.d, i.opt) for i in again.instances] == [
        (i.id, i.p, i.d, i.opt) for i in first.instances
    ]
    monkeypatch.undo()
    data = json.loads(first.path.read_text())
    data["instances"][0]["d"][0] += 1  # a cache that does not hold this spec's instances is not trusted
    first.path.write_text(json.dumps(data))
    repaired = load_training(spec, cache_dir=tmp_path)
    assert [i.opt for i in repaired.instances] == [i.opt for i in first.instances]
    assert json.loads(first.path.read_text())["instances"][0]["d"] == first.instances[0].d
    other = load_training(TrainingSpec(sizes=(7, 9), per_class=1, seed=4), cache_dir=tmp_path)
    assert other.instances[0].p != first.instances[0].p  # another seed, other instances


# -- the driver: time budget, anytime improvement, checks
def test_driver_interrupts_a_step_past_the_budget_and_keeps_the_construct_order(pool, train):
    code = SEEDS[1].code + "\n\ndef improve(p, d, order, time_left):\n    while True:\n        pass\n"
    result = evaluator(pool, train).evaluate(code)
    assert result.ok, result.reason
    assert max(result.cpu) <= cpu_limit(BUDGET) and min(result.cpu) >= BUDGET  # it ran until interrupted
    assert result.values == [total_tardiness(i.p, i.d, mdd(i.p, i.d)) for i in train.instances]


def test_driver_keeps_the_best_order_yielded_and_rechecks_every_order(pool, train):
    worse_last = (
        SEEDS[0].code + "\n\ndef improve(p, d, order, time_left):\n"
        "    yield sorted(order, key=lambda j: (max(0, p[j]) * 0 + d[j] - p[j], j))\n"
        "    yield list(reversed(order))\n"
    )
    result = evaluator(pool, train).evaluate(worse_last)
    assert result.ok
    expected, last = [], []
    for i in train.instances:
        edd = sorted(range(i.n), key=lambda j: (i.d[j], i.p[j], j))
        slack = sorted(range(i.n), key=lambda j: (i.d[j] - i.p[j], j))
        last.append(total_tardiness(i.p, i.d, edd[::-1]))
        expected.append(min(total_tardiness(i.p, i.d, edd), total_tardiness(i.p, i.d, slack), last[-1]))
    assert result.values == expected and result.values != last  # the best order, not the last one
    returns_one = SEEDS[0].code + "\n\ndef improve(p, d, order, time_left):\n    return list(order)\n"
    assert evaluator(pool, train).evaluate(returns_one).ok
    bad_step = SEEDS[0].code + "\n\ndef improve(p, d, order, time_left):\n    yield order + [0]\n"
    rejected = evaluator(pool, train).evaluate(bad_step)
    assert rejected.category == "error"
    assert re.search(r"improve\(p, d, order, time_left\) gave (\d+) indices for (\d+) jobs", rejected.reason)


@pytest.mark.slow
def test_budget_is_enforced_against_slow_and_evasive_candidates(pool, train):
    slow_rule = "def construct(p, d):\n    while True:\n        pass\n"
    slow = evaluator(pool, train).evaluate(slow_rule)
    assert slow.category == "over-budget" and "did not finish within the time budget of 0.01 s" in slow.reason
    swallows = (
        SEEDS[0].code + "\n\nimport time\n\n\ndef improve(p, d, order, time_left):\n"
        "    end = time.thread_time() + 0.2\n"
        "    while time.thread_time() < end:\n"
        "        try:\n"
        "            sum(range(1000))\n"
        "        except BaseException:\n"
        "            pass\n"
        "    yield order\n"
    )
    evasive = evaluator(pool, train).evaluate(swallows)
    assert evasive.category == "over-budget" and "timer was caught or disabled" in evasive.reason
    raises = evaluator(pool, train).evaluate("def construct(p, d):\n    return [p[0] / 0]\n")
    assert (
        raises.category == "error" and "ZeroDivisionError" in raises.reason and "at line 2" in raises.reason
    )


# -- fitness and confidence
def test_fitness_by_hand():
    instances = [
        Instance("a", [1] * 4, [0] * 4, 0.2, 0.2, opt=10),
        Instance("b", [1] * 4, [0] * 4, 0.2, 0.4, opt=0),
        Instance("c", [1] * 6, [0] * 6, 0.2, 0.2, opt=20),
        Instance("d", [1] * 6, [0] * 6, 0.4, 0.2, opt=30),
    ]
    boot = Bootstrap(instances, samples=200, seed=1)
    s = score(
        instances, [11, 2, 20, 33], [0.004] * 4, [0.01] * 4, budget_s=0.01, time_weight=0.5, bootstrap=boot
    )
    assert s.by_size == {"4": 30.0, "6": 6.0}  # (13 - 10) / 10 and (53 - 50) / 50
    assert s.gap == 18.0 and s.penalty == 0.2 and s.fitness == 18.2
    assert s.by_class == {"R=0.2 T=0.2": (31, 30), "R=0.2 T=0.4": (2, 0), "R=0.4 T=0.2": (33, 30)}
    assert s.optimal == 1 and s.cpu_ms == 4.0 and s.ci[0] <= s.gap <= s.ci[1]
    same = compare(boot, [11, 2, 20, 33], s, [11, 2, 20, 33], s)
    assert same.difference == 0 and not same.better and not same.worse
    exact = score(
        instances, [10, 0, 20, 30], [0.004] * 4, [0.01] * 4, budget_s=0.01, time_weight=0.5, bootstrap=boot
    )
    verdict = compare(boot, [10, 0, 20, 30], exact, [11, 2, 20, 33], s)
    assert verdict.difference == -18.0 and verdict.better  # better on every resample
    assert compare(boot, [11, 2, 20, 33], s, [10, 0, 20, 30], exact).worse


def test_close_scores_are_noise_and_distant_ones_are_not(pool, train):
    ev = evaluator(pool, train, time_weight=0.0)
    mdd_eval = ev.evaluate(SEEDS[1].code)
    edd_eval = ev.evaluate(SEEDS[0].code)
    assert compare(ev.bootstrap, mdd_eval.values, mdd_eval.score, edd_eval.values, edd_eval.score).better
    worst = max(range(len(train.instances)), key=lambda k: train.instances[k].opt)
    nudged = list(mdd_eval.values)
    nudged[worst] -= 1  # one unit less tardiness on one of 40 instances
    s = score(
        train.instances,
        nudged,
        mdd_eval.cpu,
        mdd_eval.cpu,
        budget_s=BUDGET,
        time_weight=0.0,
        bootstrap=ev.bootstrap,
    )
    tie = compare(ev.bootstrap, nudged, s, mdd_eval.values, mdd_eval.score)
    assert tie.difference < 0 and not tie.better and not tie.worse  # a better point estimate, but noise


# -- replies, programs and prompts
def test_reply_parsing_keeps_a_one_sentence_idea():
    assert parse_reply(fenced("Idea: sort by slack, then swap neighbours.", SPT)) == (
        "sort by slack, then swap neighbours.",
        SPT,
    )
    assert parse_reply(f"```python\n# Shortest jobs first\n{SPT}```")[0] == "Shortest jobs first"
    assert parse_reply(f"```python\n{SPT}```")[0] == "(no idea stated)"
    long_idea = "Descend from three starts " + "then kick the tardy block " * 30
    idea = parse_reply(fenced(long_idea, SPT))[0]
    assert len(idea) <= 400 and idea.endswith("…") and long_idea.startswith(idea[:-1])
    assert long_idea[len(idea) - 1] == " "  # cut between words
    demo = json.loads((Path(__file__).parent.parent / "examples/replays/smtt_discover.json").read_text())
    parsed = [parse_reply(reply) for reply in demo["replies"]]  # the README's offline demo
    assert all(idea != "(no idea stated)" and "def construct" in code for idea, code in parsed)
    assert code_key(SPT) == code_key("# a comment\n" + SPT.replace("(p[j], j)", "(p[j],   j)"))
    assert code_key(SPT) != code_key(EDD_BY_SLACK)


def candidate(cid: int, code: str, fitness: float, **kwargs) -> Candidate:
    by_class = {f"R={r:g} T={t:g}": (110 + cid, 100) for r in (0.2, 0.6) for t in (0.2, 0.8)}
    by_class["R=0.6 T=0.2"] = (0, 0)
    s = Score(
        fitness,
        fitness,
        (fitness - 0.1, fitness + 0.1),
        0.0,
        {"25": fitness},
        by_class,
        7,
        10,
        3.5,
        {"25": 3.5},
        4.0,
        9.0,
    )
    return Candidate(
        cid, f"idea number {cid}", code, "modify", parents=(0,), status="accepted", score=s, **kwargs
    )


def test_prompt_teaches_and_stays_within_its_bound():
    long_code = SEEDS[4].code
    parents = [candidate(3, long_code, 0.5), candidate(4, long_code.replace("strength=3", "strength=4"), 0.7)]
    failures = [
        Candidate(
            9,
            "reversed EDD",
            SHORT,
            "tune",
            (3,),
            status="rejected",
            category="error",
            reason="ValueError: x",
        ),
        Candidate(
            10, "same again", SPT, "new", (3, 4), status="rejected", category="duplicate", reason="like 2"
        ),
    ]
    full = prompts.build(
        BY_NAME["combine"],
        parents,
        failures,
        budget_s=0.02,
        time_weight=0.1,
        training="toy",
        max_chars=50_000,
        max_code_chars=4321,
        leaders=[parents[0], candidate(7, SPT, 0.9)],
    )
    assert full.count("def improve") == 2 and "idea number 3" in full and "idea number 4" in full
    assert "at most 4,321 characters" in full and "rejected as a duplicate, even when it is faster" in full
    board = full.split("Best heuristics so far (lower fitness is better):\n")[1]
    leaders = board.split("\n\n")[0].splitlines()
    assert [line.split(" (")[0] for line in leaders] == ["- candidate 3", "- candidate 7"]
    assert "fitness 0.5000" in leaders[0] and leaders[0].endswith("idea number 3")
    assert "R=0.2" in full and "13.00" in full and "ok" in full  # per-class gaps, a zero-optimum class met
    assert "CPU 3.5 ms per instance (18 % of the budget" in full and "20 ms of CPU time" in full
    assert "ValueError: x" in full and "duplicate: like 2" in full and "candidate 9 (tune of [3])" in full
    assert BY_NAME["combine"].instruction() in full
    bound = len(full) - 1500
    short = prompts.build(
        BY_NAME["combine"], parents, failures, budget_s=0.02, time_weight=0.1, training="toy", max_chars=bound
    )
    assert len(short) <= bound and short.count("def improve") == 1  # the second parent's code gave way
    assert "idea number 4" in short and "code not shown to keep this prompt short" in short
    assert "ValueError: x" in short


# -- islands
def test_islands_rank_by_fitness_one_per_behaviour_and_reset_the_worse_half():
    import random

    by_id = {}
    islands = Islands(4, population=2)
    for cid, (island, fitness, signature) in enumerate(
        [(-1, 5.0, "s"), (0, 1.0, "a"), (0, 0.5, "b"), (0, 0.7, "b"), (1, 3.0, "c"), (2, 9.0, "d")]
    ):
        c = candidate(cid, SPT, fitness, island=island, signature=signature)
        by_id[cid] = c
        islands.add(c)
    assert [c.id for c in islands.ranked(0, by_id)] == [2, 1]  # 3 behaves like 2; population 2
    assert [c.id for c in islands.ranked(3, by_id)] == [0]  # the seed is on every island
    event = islands.plan_reset(by_id, random.Random(0))
    assert sorted(event["islands"]) == [2, 3]  # best 9.0 and 5.0: the worse half
    assert all(donor in (2, 4) for donor in event["from"])  # the best of a surviving island
    islands.reset(event)
    assert all(len(islands.members[k]) == 1 for k in (2, 3))


# -- the search, scripted
REPLIES = [
    fenced("Idea: least slack first.", EDD_BY_SLACK),
    fenced("One index short.", SHORT),
    fenced("Shortest processing time first.", SPT),
    fenced("The MDD rule, rewritten.", MDD_COPY),
    "I would sort the jobs somehow.",
    fenced("Slack first, again.", "# same as before\n" + EDD_BY_SLACK),
    fenced("Latest due date first.", LATEST_FIRST),
    fenced("Shortest first, once more.", SPT.replace("    return", "    # ties by index\n    return")),
]
SETTINGS = Settings(islands=2, reset_every=3, seed=11)


class Interrupt:
    """Raises KeyboardInterrupt on the ``at``-th call of a method, as Ctrl-C would at that moment."""

    def __init__(self, inner, method: str, at: int) -> None:
        self.inner, self.method, self.at, self.count = inner, method, at, 0

    def __getattr__(self, name):
        target = getattr(self.inner, name)
        if name != self.method:
            return target

        def wrapped(*args, **kwargs):
            self.count += 1
            if self.count == self.at:
                raise KeyboardInterrupt
            return target(*args, **kwargs)

        return wrapped


def deterministic(monkeypatch) -> None:
    """Pure dispatching rules only (no time-dependent search), so two runs must agree exactly."""
    monkeypatch.setattr(search, "SEEDS", SEEDS[:3])


def fingerprint(log: Path) -> list[tuple]:
    return [
        (c.id, c.call, c.operator, c.parents, c.island, c.status, c.category, c.code, c.values)
        for c in Journal(log).read().candidates
    ]


def test_scripted_search_judges_rejects_and_deduplicates(tmp_path, pool, train, monkeypatch):
    deterministic(monkeypatch)
    llm = ScriptedLLM(list(REPLIES))
    found = Discovery(llm, evaluator(pool, train, time_weight=0.0), tmp_path / "log.jsonl", settings=SETTINGS)
    ranked = found.run(len(REPLIES))
    assert found.calls_used == len(REPLIES) == len(llm.calls)
    by_idea = {c.idea: c for c in found.candidates}
    assert by_idea["least slack first."].status == "accepted"
    assert re.match(
        r"ValueError: construct\(p, d\) gave 9 indices for 10 jobs", by_idea["One index short."].reason
    )
    mdd_seed = next(c for c in found.candidates if c.operator == "mdd")
    twin = by_idea["The MDD rule, rewritten."]
    assert twin.category == "duplicate" and f"behaves exactly like candidate {mdd_seed.id}" in twin.reason
    assert by_idea["(no program)"].category == "no-code"
    again = by_idea["Slack first, again."]
    assert again.category == "duplicate" and "the same program as candidate" in again.reason
    assert found.rejections() == {"duplicate": 3, "error": 1, "no-code": 1}
    assert (
        len({c.signature for c in ranked}) == len(ranked)
        and ranked[0].score.fitness <= ranked[-1].score.fitness
    )
    assert all(c.idea and c.idea != "(no idea stated)" for c in found.candidates)
    prompts_seen = [r.prompt_text for r in llm.calls]
    assert "One index short." in prompts_seen[2] and "gave 9 indices for 10 jobs" in prompts_seen[2]
    assert all(len(p) <= SETTINGS.max_prompt_chars for p in prompts_seen)
    best_seed = min((c for c in found.candidates if c.status == "seed"), key=lambda c: c.score.fitness)
    board = "Best heuristics so far (lower fitness is better):\n"
    assert f"{board}- candidate {best_seed.id} (a seed)" in prompts_seen[0]
    accepted = by_idea["least slack first."]
    later = prompts_seen[accepted.call + 1 :]
    assert later and all(f"- candidate {accepted.id} (" in p for p in later)  # the board follows the search
    for request, c in zip(llm.calls, [c for c in found.candidates if c.call is not None]):
        parents = [found.by_id[k] for k in c.parents]
        assert len({p.signature for p in parents}) == len(parents)  # parents that differ
        assert all(f"candidate {p.id}," in request.prompt_text for p in parents)
    assert Journal(tmp_path / "log.jsonl").read().resets  # reset_every=3 reset islands during the run
    console = Console(record=True, width=240)
    shown = SearchProgress(found, len(REPLIES), console)
    shown.event("judged", twin)
    console.print(shown.render())
    text = console.export_text()
    assert f"calls {len(REPLIES)}/{len(REPLIES)}" in text and "3 seeds" in text and "5 rejected" in text
    assert f"champion: candidate {found.champion.id}" in text and "duplicate 3, error 1, no-code 1" in text
    assert (
        f"candidate {twin.id} ({twin.operator} of {list(twin.parents)}): rejected, duplicate: behaves" in text
    )


def test_a_search_whose_seeds_all_fail_stops_with_the_reasons(tmp_path, pool, train, monkeypatch):
    monkeypatch.setattr(search, "SEEDS", (Seed("short", "one index short", SHORT),))
    llm = ScriptedLLM([])
    with pytest.raises(InputError, match=r"no seed heuristic could be scored.*gave 9 indices for 10 jobs"):
        Discovery(llm, evaluator(pool, train), tmp_path / "log.jsonl").run(3)
    assert llm.calls == []


def test_interrupted_search_resumes_without_lost_or_repeated_work(tmp_path, pool, train, monkeypatch):
    deterministic(monkeypatch)
    straight = tmp_path / "straight.jsonl"
    Discovery(
        ScriptedLLM(list(REPLIES)), evaluator(pool, train, time_weight=0.0), straight, settings=SETTINGS
    ).run(len(REPLIES))

    log = tmp_path / "interrupted.jsonl"
    first = ScriptedLLM(list(REPLIES))
    # Ctrl-C while the 4th proposal is in the sandbox: 3 jobs (probe and 2 chunks) for each of 3 seeds,
    # 3 for call 0 (accepted), 1 for call 1 (its probe fails), 3 for call 2, then call 3's probe ...
    cut = Interrupt(pool, "run", at=9 + 3 + 1 + 3 + 1)
    with pytest.raises(KeyboardInterrupt):
        Discovery(first, evaluator(cut, train, time_weight=0.0), log, settings=SETTINGS).run(len(REPLIES))
    pending = [c for c in Journal(log).read().candidates if c.status == "pending"]
    assert [c.call for c in pending] == [3] and len(first.calls) == 4
    # ... then Ctrl-C during an LLM call of the resumed search ...
    second = Interrupt(ScriptedLLM(REPLIES[len(first.calls) :]), "complete", at=3)
    with pytest.raises(KeyboardInterrupt):
        Discovery(second, evaluator(pool, train, time_weight=0.0), log, settings=SETTINGS).run(len(REPLIES))
    assert second.inner.calls and len(second.inner.calls) == 2
    # ... and a last cut-off line, as a killed process may leave.
    with log.open("a") as handle:
        handle.write('{"kind": "proposal", "id": 99, "idea": "half a li')
    used = len(first.calls) + len(second.inner.calls)
    third = ScriptedLLM(REPLIES[used:])
    resumed = Discovery(third, evaluator(pool, train, time_weight=0.0), log, settings=SETTINGS)
    resumed.run(len(REPLIES))
    assert len(first.calls) + len(second.inner.calls) + len(third.calls) == len(REPLIES)  # no call repeated
    assert fingerprint(log) == fingerprint(straight)  # nothing lost, nothing done twice, same choices
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    results = [r["id"] for r in lines if r["kind"] == "result"]
    assert sorted(results) == sorted(set(results)) == list(range(3 + len(REPLIES)))
    again = ScriptedLLM([])
    Discovery(again, evaluator(pool, train, time_weight=0.0), log, settings=SETTINGS).run(len(REPLIES))
    assert again.calls == []  # the budget is spent: a rerun asks nothing
    with pytest.raises(InputError, match="other settings"):
        Discovery(again, evaluator(pool, train, time_weight=0.5), log, settings=SETTINGS)


# -- the Pareto front
def test_pareto_front_marks_points_no_other_point_beats_on_both():
    points = [
        pareto.Point("fast", "baseline", 0.01, gap=5.0, cpu_ms=0.1),
        pareto.Point("slow and poor", "baseline", 0.01, gap=6.0, cpu_ms=9.0),
        pareto.Point("good", "discovered", 0.01, gap=1.0, cpu_ms=5.0),
        pareto.Point("same time, worse", "baseline", 0.01, gap=2.0, cpu_ms=5.0),
        pareto.Point("broken", "discovered", 0.01, failure="error: x"),
    ]
    front = {p.label for p in pareto.mark_front(points) if p.front}
    assert front == {"fast", "good"}


def test_pareto_measures_rules_once_and_searches_at_every_budget(pool):
    instances = [generate(9, 0.4, t, s) for t in (0.4, 0.8) for s in range(3)]
    instances = [Instance(i.id, i.p, i.d, i.rdd, i.tf, opt=solve_dp(i.p, i.d)[0]) for i in instances]
    programs = [pareto.Program("found", "discovered", MDD_COPY), *pareto.baselines()[3:]]
    points = pareto.measure(programs, instances, pool, [0.002, 0.008], set_name="toy", parallel=2)
    assert [(p.label, p.budget_s) for p in points] == [
        ("found", 0.002),
        ("mdd+insertion", 0.002),
        ("mdd+ils", 0.002),
        ("mdd+insertion", 0.008),
        ("mdd+ils", 0.008),
    ]
    rule = points[0]
    assert (
        rule.summary["overall"]["instances"] == 6 and rule.mean_gap == rule.summary["overall"]["mean_gap_pct"]
    )
    assert all(p.cpu_ms <= 1000 * cpu_limit(p.budget_s) for p in points)
    assert any(p.front for p in points)
    table = pareto.markdown(points, "toy")
    assert "| found | discovered | 2 ms |" in table and "mdd+ils" in table
    compiled = pareto.built_in(["mddc", "mdd+ls"], instances, "toy")
    assert [p.label for p in compiled] == ["mddc", "mdd+ls"] and all(p.gap is not None for p in compiled)
    fastest = pareto.mark_front([*points, *compiled])
    assert not any(p.front for p in fastest if p.kind == pareto.COMPILED)  # reference only, not like for like
    assert "| mddc | built-in, compiled | – |" in pareto.markdown(fastest, "toy")


# -- command line
def scripted_file(tmp_path: Path, **content) -> Path:
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(content))
    return path


def discover_args(tmp_path: Path, replies: Path, *extra: str) -> list[str]:
    return [
        "smtt",
        "discover",
        "--model",
        f"scripted:{replies}",
        "--calls",
        "3",
        "--sizes",
        "8,10",
        "--per-class",
        "1",
        "--time-budget",
        "0.005",
        "--out",
        str(tmp_path / "run"),
        "--workers",
        "1",
        *extra,
    ]


@pytest.mark.slow
def test_discover_cli_writes_summary_best_programs_and_the_pareto_front(tmp_path):
    from conftest import SHARED_BENCHMARKS

    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path / "cache")}
    replies = scripted_file(tmp_path, replies=[fenced("Least slack first.", EDD_BY_SLACK)] * 3)
    extra = ["--test-set", "none"]
    if (SHARED_BENCHMARKS / "smtt").exists():
        extra = ["--test-set", "n20", "--test-limit", "40", "--top", "1"]
    summary = json.loads(
        run_cli(*discover_args(tmp_path, replies, *extra, "--json"), check_rc=0, env=env).stdout
    )
    assert summary["calls_used"] == 3 and summary["candidates"] == 5 + 3
    assert summary["rejected"] == {"duplicate": 2} and summary["accepted"] == 1
    assert summary["training"]["instances"] == 40 and summary["budget_s"] == 0.005
    verdicts = {row["id"]: row["against_champion"] for row in summary["best"]}
    assert all(
        v == "champion" if k == summary["champion"] else re.match(r"(worse|better|within the noise) \(", v)
        for k, v in verdicts.items()
    )
    best = Path(summary["files"][0])
    assert "heuristic = _optagent_driver(0.005, 0)" in best.read_text()
    code, budget = read_best(best)  # how scripts/smtt_table.py --discovered reads it back
    assert budget == 0.005 and "def construct" in code and "_optagent_driver" not in code
    with pytest.raises(InputError, match="not a program written by smtt discover"):
        read_best(replies)
    assert Path(summary["training"]["optima_cache"]).is_relative_to(tmp_path / "cache")
    if "pareto" in summary:
        labels = {p["label"] for p in summary["pareto"]["points"]}
        assert labels == {"candidate 5", "edd", "mdd", "atc", "mdd+insertion", "mdd+ils", *pareto.BUILT_IN}
        assert (tmp_path / "run" / "pareto.md").exists()
        evaluated = json.loads(
            run_cli(
                "smtt",
                "eval",
                "--heuristic",
                str(best),
                "--set",
                "n20",
                "--limit",
                "20",
                "--json",
                check_rc=0,
            ).stdout
        )
        assert evaluated["overall"]["instances"] == 20  # a best program runs on its own
    bad = run_cli(*discover_args(tmp_path, replies, "--executor", "spark"), env=env)
    assert bad.returncode == 1 and "unknown executor 'spark'" in bad.stderr
    bad = run_cli(*discover_args(tmp_path, replies, "--sizes", "8,x"), env=env)
    assert bad.returncode == 1 and "--sizes" in bad.stderr


@pytest.mark.slow
def test_discover_cli_stops_on_ctrl_c_and_continues_when_rerun(tmp_path):
    env = {**os.environ, "OPTAGENT_CACHE_DIR": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    replies = scripted_file(tmp_path, defaults={"smtt_discover": fenced("Shortest first.", SPT)}, delay_s=1.5)
    args = [
        sys.executable,
        "-m",
        "optagent.cli.main",
        *discover_args(tmp_path, replies, "--test-set", "none"),
    ]
    process = subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # also when started with it ignored
    )
    log = tmp_path / "run" / "candidates.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and '"call": 0' not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)  # during the second LLM call
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and "run the same command again to continue" in stderr
    before = Journal(log).read().candidates
    assert 1 <= sum(c.call is not None for c in before) < 3
    done = run_cli(*discover_args(tmp_path, replies, "--test-set", "none", "--json"), check_rc=0, env=env)
    summary = json.loads(done.stdout)
    after = Journal(log).read().candidates
    assert summary["calls_used"] == 3 and sorted(c.call for c in after if c.call is not None) == [0, 1, 2]
    assert [c.id for c in after] == list(range(len(after))) and all(c.status != "pending" for c in after)
    judged = {c.id: c.status for c in before if c.status != "pending"}
    assert {c.id: c.status for c in after if c.id in judged} == judged  # nothing judged again
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(r["id"] for r in lines if r["kind"] == "result") == [c.id for c in after]


# -- beyond one machine
@pytest.mark.slow
def test_ray_executor_runs_candidates_in_the_sandbox_like_the_local_pool(pool, train):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'optagent[ray]')")
    from optagent.benchmarks.smtt.discovery.ray_executor import RayExecutor

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        executor = RayExecutor()
        assert executor._owns is False  # it joined the running instance
        on_ray = evaluator(executor, train).evaluate(SEEDS[1].code)
        local = evaluator(pool, train).evaluate(SEEDS[1].code)
        assert on_ray.ok and on_ray.values == local.values and on_ray.signature == local.signature
        failed = evaluator(executor, train).evaluate("def construct(p, d):\n    return [p[0] / 0]\n")
        assert failed.category == "error" and "ZeroDivisionError" in failed.reason
        result = executor.run(evaluator(executor, train)._job(SEEDS[0].code, [0]))
        assert result.ok and result.isolation == pool.isolation  # the node's sandbox, not Ray's process
    finally:
        ray.shutdown()
