"""SMTT: instances, exact solvers (DP, decomposition search, MIP), heuristics, evaluation, CLI, discovery."""

from __future__ import annotations

import json
import random

import pytest
from cli_helpers import run_cli
from conftest import SHARED_BENCHMARKS

from optagent.benchmarks.smtt import evaluate as ev
from optagent.benchmarks.smtt.exact_bb import solve_bb
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.exact_mip import solve_mip
from optagent.benchmarks.smtt.heuristics import HEURISTICS
from optagent.benchmarks.smtt.instances import Instance, generate, load_set, training_set
from optagent.benchmarks.smtt.local_search import adjacent_interchange, insertion, iterated_local_search
from optagent.benchmarks.smtt.objective import is_permutation, total_tardiness
from optagent.errors import InputError

SMTT = SHARED_BENCHMARKS / "smtt"


def shared_set(name: str) -> list[Instance]:
    if not SMTT.exists():
        pytest.skip(f"shared SMTT data not found at {SMTT} (set OPTAGENT_BENCHMARKS)")
    return load_set(name, SHARED_BENCHMARKS)


def random_instances(count: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    rng, out = random.Random(seed), []
    for k in range(count):
        n = rng.randint(1, 11)
        if k % 2:
            p = [rng.randint(1, 6) for _ in range(n)]  # many ties
            out.append((p, [rng.randint(0, sum(p)) for _ in range(n)]))
        else:
            i = generate(n, rng.choice([0.2, 0.6, 1.0]), rng.choice([0.2, 0.4, 0.6, 0.8]), k)
            out.append((i.p, i.d))
    return out


def test_objective_by_hand():
    assert total_tardiness([3, 2, 4], [2, 6, 5], [0, 1, 2]) == 1 + 0 + 4
    assert total_tardiness([3, 2, 4], [2, 6, 5], [1, 0, 2]) == 0 + 3 + 4
    assert is_permutation([2, 0, 1], 3) and not is_permutation([0, 0, 1], 3)


def test_generator_recipes_are_seeded():
    a, b = generate(30, 0.2, 0.8, seed=5), generate(30, 0.2, 0.8, seed=5)
    assert a.p == b.p and a.d == b.d and min(a.d) >= 0 and all(1 <= x <= 100 for x in a.p)
    paper = [generate(20, 1.0, 0.8, seed=s, recipe="paper20") for s in range(30)]
    assert any(min(i.d) < 0 for i in paper)  # the paper's 20-job recipe does not clip
    assert len(training_set(10, 2, seed=1)) == 40
    with pytest.raises(InputError):
        generate(10, 0.2, 0.2, 1, recipe="other")


@pytest.mark.parametrize(("p", "d"), random_instances(200))
def test_decomposition_search_and_dp_agree(p, d):
    dp_value, dp_order = solve_dp(p, d)
    result = solve_bb(p, d)
    assert result.proven and result.value == dp_value
    assert total_tardiness(p, d, result.order) == result.value == total_tardiness(p, d, dp_order)
    assert is_permutation(result.order, len(p))


def test_mip_models_agree_with_dp():
    for seed in range(3):
        i = generate(9, 0.4, 0.6, seed)
        optimum = solve_dp(i.p, i.d)[0]
        assert solve_mip(i.p, i.d, time_limit=30).value == optimum
    i = generate(6, 0.2, 0.8, 11)
    result = solve_mip(i.p, i.d, time_limit=30, model="ordering")
    assert result.proven and result.value == solve_dp(i.p, i.d)[0]


def test_heuristics_and_local_search_are_valid_and_never_beat_the_optimum():
    for p, d in random_instances(40, seed=3):
        optimum = solve_dp(p, d)[0]
        for rule in HEURISTICS.values():
            order = rule(p, d)
            assert is_permutation(order, len(p)) and total_tardiness(p, d, order) >= optimum
        start = HEURISTICS["mdd"](p, d)
        improved = insertion(p, d, adjacent_interchange(p, d, start))
        assert optimum <= total_tardiness(p, d, improved) <= total_tardiness(p, d, start)
        best = iterated_local_search(p, d, start, iterations=20, seed=1)
        assert optimum <= total_tardiness(p, d, best) <= total_tardiness(p, d, improved)


def test_evaluation_summary_by_hand():
    instances = [Instance("a", [2, 2], [1, 10], 0.2, 0.2, opt=1), Instance("b", [1], [5], 0.2, 0.4, opt=0)]
    result = ev.evaluate_orders("x", [[1, 0], [0]], [0.1, 0.3], instances, "toy")
    overall = result["overall"]
    assert overall["mean_gap_pct"] == 200.0  # value 3 against optimum 1
    assert overall["ratio_of_sums"] == 3.0 and overall["optimal_hits"] == 1
    assert (overall["zero_optimum"], overall["zero_optimum_solved"]) == (1, 1)
    assert [c["group"] for c in result["classes"]] == ["R=0.2 T=0.2", "R=0.2 T=0.4"]
    wrong = [Instance("c", [2], [0], opt=5)]
    assert ev.evaluate_orders("x", [[0]], [0.0], wrong, "toy")["below_optimum"] == ["c"]


# -- the shared sets (when present)
def test_shared_sets_load():
    assert len(shared_set("n20")) == 800 and len(shared_set("n100")) == 200
    normal = shared_set("n20-normal")
    assert len(normal) == 800 - 125 and all(min(i.p) > 0 for i in normal)
    n500 = shared_set("n500")
    assert sum(i.opt != i.meta["opt_as_published"] for i in n500) > 0  # the re-aligned optima


@pytest.mark.slow
def test_dp_reproduces_a_sample_of_the_stored_20_job_optima():
    for name in ("n20", "n20-alt", "n20-normal"):
        for instance in shared_set(name)[::200]:
            assert solve_dp(instance.p, instance.d)[0] == instance.opt, instance.id


def test_decomposition_search_matches_stored_100_job_optima():
    instances = shared_set("n100")
    for index in (0, 10, 20, 45, 90, 130, 150, 170, 190):  # 20: R=0.2 T=0.6, one of the hard classes
        instance = instances[index]
        result = solve_bb(instance.p, instance.d, time_limit=60)
        assert result.proven and result.value == instance.opt, instance.id


def test_mdd_never_beats_the_realigned_500_job_optima():
    for instance in shared_set("n500")[::25]:
        assert (
            total_tardiness(instance.p, instance.d, HEURISTICS["mdd"](instance.p, instance.d)) >= instance.opt
        )


# -- command line
def test_eval_cli_json():
    shared_set("n20")
    data = json.loads(
        run_cli("smtt", "eval", "--heuristic", "mdd", "--set", "n20", "--json", check_rc=0).stdout
    )
    overall = data["overall"]
    assert overall["instances"] == 800 and overall["mean_gap_pct"] > 0 and overall["ratio_of_sums"] > 1
    assert len(data["classes"]) == 20 and data["below_optimum"] == []


@pytest.mark.slow
def test_eval_cli_runs_a_heuristic_file_in_the_sandbox(tmp_path):
    shared_set("n20")
    path = tmp_path / "edd.py"
    path.write_text("def heuristic(p, d):\n    return sorted(range(len(p)), key=lambda j: (d[j], j))\n")
    from_file = json.loads(
        run_cli(
            "smtt", "eval", "--heuristic", str(path), "--set", "n20", "--limit", "40", "--json", check_rc=0
        ).stdout
    )
    builtin = json.loads(
        run_cli(
            "smtt", "eval", "--heuristic", "edd", "--set", "n20", "--limit", "40", "--json", check_rc=0
        ).stdout
    )
    assert from_file["overall"]["mean_gap_pct"] == builtin["overall"]["mean_gap_pct"]
    bad = tmp_path / "bad.py"
    bad.write_text("def heuristic(p, d):\n    return [0]\n")
    proc = run_cli("smtt", "eval", "--heuristic", str(bad), "--set", "n20", "--limit", "2")
    assert proc.returncode == 1 and "returned 1 indices" in proc.stderr


def test_exact_cli_json():
    shared_set("n20")
    data = json.loads(
        run_cli(
            "smtt", "exact", "--set", "n20", "--limit", "3", "--method", "bb", "--json", check_rc=0
        ).stdout
    )
    assert data["proven"] == 3 and data["agree_with_stored"] == 3
    proc = run_cli("smtt", "exact", "--set", "n99")
    assert proc.returncode == 1 and "unknown SMTT set" in proc.stderr


def test_report_tables_and_plots():
    from optagent.benchmarks.smtt import report

    instances = [generate(8, 0.4, t, seed) for t in (0.2, 0.6) for seed in range(3)]
    instances = [Instance(i.id, i.p, i.d, i.rdd, i.tf, opt=solve_dp(i.p, i.d)[0]) for i in instances]
    results = [ev.evaluate(name, ev.named(name), instances, "gen8") for name in ("edd", "mdd")]
    text = report.markdown(results)
    assert "| edd | gen8 |" in text and "| mdd | gen8 |" in text and "R=0.4 T=0.6" in text
    page = report.html_page(results)
    assert page.count("data:image/png;base64,") == 1 and "<td>mdd</td>" in page
