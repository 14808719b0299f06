"""SMTT rules: the seed paper's worked example and published values, compiled == plain-Python reference,
objective and insertion against independent oracles, CLI progress and option checks."""

from __future__ import annotations

import json
import random
import statistics

import numpy as np
import pytest
from cli_helpers import run_cli
from conftest import SHARED_BENCHMARKS

from optagent.benchmarks.smtt import evaluate as ev
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.heuristics import HEURISTICS, mdd, mddc
from optagent.benchmarks.smtt.instances import Instance, load_set
from optagent.benchmarks.smtt.local_search import insertion
from optagent.benchmarks.smtt.objective import as_ints, tardiness, total_tardiness
from optagent.benchmarks.smtt.rules_fast import sort_by
from optagent.benchmarks.smtt.rules_reference import REFERENCE, edd_released, numpy_introsort_argsort

# The paper's worked example (the shared README): p and d of six jobs.
EXAMPLE_P, EXAMPLE_D = [10, 11, 10, 10, 11, 10], [15, 11, 13, 11, 12, 11]


def test_worked_example_mddc_141_mdd_144():
    for rules in (HEURISTICS, REFERENCE):
        assert rules["mddc"](EXAMPLE_P, EXAMPLE_D) == [3, 5, 2, 0, 1, 4]
        assert rules["mdd"](EXAMPLE_P, EXAMPLE_D) == [1, 0, 2, 3, 5, 4]
    assert total_tardiness(EXAMPLE_P, EXAMPLE_D, mddc(EXAMPLE_P, EXAMPLE_D)) == 141
    assert total_tardiness(EXAMPLE_P, EXAMPLE_D, mdd(EXAMPLE_P, EXAMPLE_D)) == 144
    assert solve_dp(EXAMPLE_P, EXAMPLE_D)[0] == 141  # MDDC is optimal here


def random_cases(count: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """Small instances, most with many ties in p and d; a third with p <= 0 and negative due dates (the
    paper's normal set has them), which exercise the x/0 and nan paths."""
    rng, cases = random.Random(seed), []
    for k in range(count):
        n = rng.randint(0, 40 if k % 5 == 0 else 12)
        if k % 3 == 0:
            p = [rng.randint(1, 4) for _ in range(n)]
            d = [rng.randint(-3, sum(p)) for _ in range(n)]
        elif k % 3 == 1:
            p = [rng.randint(-3, 4) for _ in range(n)]
            d = [rng.randint(-5, 12) for _ in range(n)]
        else:
            p = [rng.randint(1, 100) for _ in range(n)]
            d = [rng.randint(0, sum(p)) for _ in range(n)]
        cases.append((p, d))
    return cases


@pytest.mark.parametrize("name", sorted(HEURISTICS))
def test_compiled_rule_equals_the_reference(name):
    compiled, reference = HEURISTICS[name], REFERENCE[name]
    ties = 0
    for p, d in random_cases(400, seed=sorted(HEURISTICS).index(name)):
        if name in ("atc", "covert") and min(p, default=1) <= 0:
            continue  # their look-ahead divides by the mean p; not defined for such data
        assert compiled(p, d) == reference(p, d), (p, d)
        assert compiled(as_ints(p), as_ints(d)) == reference(p, d)  # arrays in: the same
        ties += len(set(p)) < len(p)
    assert ties > 100


def test_radix_sort_is_a_stable_argsort():
    rng = random.Random(6)
    for k in range(400):
        n = rng.randint(0, 80)
        scale = (3, 10**6, 2**62)[k % 3]  # many ties; a wide span (3 passes); a span that takes merge sort
        keys = np.array([rng.randint(-scale, scale) for _ in range(n)], dtype=np.int64)
        order = np.array(rng.sample(range(n), n), dtype=np.int64)
        expected = order[np.argsort(keys[order], kind="stable")]
        assert np.array_equal(sort_by(keys, order), expected)


def test_mddc_ties_go_to_the_initial_order():
    # jobs 0 and 1 are identical: the first in EDD order (index) wins; job 2 has the same d but a longer p
    assert mddc([5, 5, 7], [3, 3, 3])[:2] == [0, 1]
    assert REFERENCE["panneerselvam"]([2, 2], [1, 1]) == [1, 0]  # Panneerselvam: ties to the last job


def test_objective_kernel_equals_a_plain_sum():
    rng = random.Random(4)
    for p, d in random_cases(300, seed=5):
        order = list(range(len(p)))
        rng.shuffle(order)
        start = rng.randint(-5, 5)
        expected = sum(max(0, start + sum(p[j] for j in order[: k + 1]) - d[order[k]]) for k in range(len(p)))
        assert total_tardiness(p, d, order, start) == expected
        assert tardiness(as_ints(p), as_ints(d), as_ints(order), start) == expected


def brute_force_insertion(p: list[int], d: list[int], order: list[int]) -> list[int]:
    """The same local search by full recomputation: passes over a snapshot; each job to its first best
    position when that lowers the total."""
    order, best = list(order), total_tardiness(p, d, order)
    improved = True
    while improved:
        improved = False
        for job in list(order):
            rest = [j for j in order if j != job]
            costs = [total_tardiness(p, d, [*rest[:k], job, *rest[k:]]) for k in range(len(rest) + 1)]
            k = costs.index(min(costs))
            if costs[k] < best:
                order, best, improved = [*rest[:k], job, *rest[k:]], costs[k], True
    return order


def test_compiled_insertion_equals_brute_force():
    rng = random.Random(8)
    for p, d in random_cases(150, seed=9):
        start = list(range(len(p)))
        rng.shuffle(start)
        assert insertion(p, d, start) == brute_force_insertion(p, d, start)


def test_introsort_emulation_sorts_and_reorders_ties():
    rng = random.Random(2)
    moved = 0
    for _ in range(300):
        values = [rng.randint(0, 9) for _ in range(rng.randint(0, 60))]
        order = numpy_introsort_argsort(values)
        assert sorted(order) == list(range(len(values)))
        assert [values[i] for i in order] == sorted(values)
        moved += order != sorted(range(len(values)), key=lambda i: values[i])
    assert moved > 100  # not a stable sort: ties leave index order on larger arrays


# -- the paper's published values (shared README), on the shared sets when present
def shared(name: str, **kwargs) -> list[Instance]:
    if not (SHARED_BENCHMARKS / "smtt").exists():
        pytest.skip(f"shared SMTT data not found at {SHARED_BENCHMARKS / 'smtt'} (set OPTAGENT_BENCHMARKS)")
    return load_set(name, SHARED_BENCHMARKS, **kwargs)


def mean_gap(rule, instances: list[Instance]) -> float:
    gaps = [100 * (total_tardiness(i.p, i.d, rule(i.p, i.d)) - i.opt) / i.opt for i in instances if i.opt]
    return statistics.fmean(gaps)


TABLE2_CLASSES = {  # (R, T): EDD, EDDC, MDD, MDDC; Table 2 of the paper, as in the shared README
    (0.2, 0.2): (47.70, 38.66, 3.55, 1.71),
    (0.2, 0.6): (58.33, 3.81, 6.00, 2.54),
    (0.2, 0.8): (62.56, 1.57, 2.93, 0.47),
    (0.4, 0.2): (4.98, 4.76, 0.70, 4.66),
    (0.6, 0.4): (48.37, 51.17, 1.87, 2.15),
    (0.8, 0.8): (52.89, 1.87, 0.28, 0.26),
}


def test_table2_class_values_on_n20():
    instances = shared("n20")
    rules = (edd_released, HEURISTICS["eddc"], HEURISTICS["mdd"], HEURISTICS["mddc"])
    for (r, t), published in TABLE2_CLASSES.items():
        block = [i for i in instances if (i.rdd, i.tf) == (r, t)]
        assert len(block) == 40
        for rule, value in zip(rules, published):
            assert mean_gap(rule, block) == pytest.approx(value, abs=0.01), (r, t, rule.__name__)


@pytest.mark.parametrize(
    ("set_name", "published"),
    [  # averages of Tables 2, 3 and 4, and Table 8 (augmented rules)
        ("n20", {"psk": 1.77, "panneerselvam": 411.49, "aug-mdd": 1.21, "aug-mddc": 0.79, "eddc": 12.83}),
        ("n20-normal", {"eddc": 11.30, "mdd": 2.51, "mddc": 1.71, "psk": 2.41, "panneerselvam": 366.68}),
        ("n100", {"eddc": 28.12, "mddc": 1.52, "psk": 1.79, "aug-mdd": 1.27, "aug-mddc": 1.08}),
    ],
)
def test_published_averages(set_name, published):
    instances = shared(set_name, keep_nonpositive=True)  # Table 3 includes the p <= 0 instances
    for name, value in published.items():
        assert mean_gap(HEURISTICS[name], instances) == pytest.approx(value, abs=0.01), name
    assert mean_gap(edd_released, instances) == pytest.approx(
        {"n20": 46.61, "n20-normal": 31.94, "n100": 59.57}[set_name], abs=0.01
    )


# -- command line
def test_eval_cli_new_rules_and_progress():
    shared("n20")
    proc = run_cli("smtt", "eval", "--heuristic", "aug-mddc", "--set", "n20", "--json", check_rc=0)
    assert json.loads(proc.stdout)["overall"]["mean_gap_pct"] == pytest.approx(0.79, abs=0.01)
    assert "aug-mddc on n20" in proc.stderr and "800/800" in proc.stderr  # the progress bar, on stderr
    proc = run_cli("smtt", "eval", "--heuristic", "ils", "--set", "n20", "--limit", "5", "--json", check_rc=0)
    assert "5/5" in proc.stderr and json.loads(proc.stdout)["overall"]["instances"] == 5


def test_exact_cli_shows_progress():
    shared("n20")
    proc = run_cli("smtt", "exact", "--set", "n20", "--limit", "2", "--method", "dp", check_rc=0)
    assert "dp on n20" in proc.stderr and "2/2" in proc.stderr and "2 proven" in proc.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["exact", "--set", "n20", "--time-limit", "-1"], "--time-limit"),
        (["exact", "--set", "n20", "--time-limit", "nan"], "--time-limit"),
        (["exact", "--set", "n20", "--limit", "0"], "--limit"),
        (["eval", "--heuristic", "mdd", "--set", "n20", "--limit", "-2"], "--limit"),
        (["eval", "--heuristic", "ils", "--set", "n20", "--ils-iterations", "-1"], "--ils-iterations"),
        (["discover", "--model", "scripted:none", "--calls", "0"], "--calls"),
        (["discover", "--model", "scripted:none", "--time-budget", "0"], "--time-budget"),
    ],
)
def test_cli_rejects_bad_numbers_as_usage_errors(args, option):
    proc = run_cli("smtt", *args)
    assert proc.returncode == 2 and f"Invalid value for '{option}'" in proc.stderr


def test_cli_names_an_unknown_heuristic():
    proc = run_cli("smtt", "eval", "--heuristic", "mddx", "--set", "n20")
    assert proc.returncode == 1 and "unknown heuristic 'mddx'" in proc.stderr and "hint:" in proc.stderr


def test_evaluate_reports_progress_and_uses_arrays():
    instances = [Instance(f"i{k}", [3, 1, 2], [1, 2, 3], opt=0) for k in range(3)]
    seen, calls = [], []

    def sequencer(p, d):
        calls.append(type(p))
        return list(np.argsort(d))

    ev.evaluate("x", sequencer, instances, "toy", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and set(calls) == {np.ndarray}


def test_the_objective_never_truncates_fractional_data():
    p, d = [1.5, 2, 1, 0.5], [1, 2.5, 0, 3.25]
    # by hand: jobs 2, 0, 3, 1 finish at 1, 2.5, 3, 5 with due dates 0, 1, 3.25, 2.5
    assert total_tardiness(p, d, [2, 0, 3, 1]) == pytest.approx(1 + 1.5 + 0 + 2.5)
    assert total_tardiness([3, 2, 4], [2, 6, 5], [0, 1, 2], start=0.5) == pytest.approx(1.5 + 0 + 4.5)
    assert isinstance(total_tardiness([3, 2, 4], [2, 6, 5], [0, 1, 2]), int)
