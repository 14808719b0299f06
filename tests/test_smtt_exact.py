"""SMTT decomposition search: the compiled kernel and its Python fallback against the subset DP, against each
other, against stored optima, under time limits and with a memo too small for the search."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SHARED_BENCHMARKS

from optagent.benchmarks.smtt import exact_bb
from optagent.benchmarks.smtt.exact_bb import solve_bb
from optagent.benchmarks.smtt.exact_dp import solve_dp
from optagent.benchmarks.smtt.instances import generate, load_set
from optagent.benchmarks.smtt.objective import is_permutation, total_tardiness
from optagent.errors import InputError

COMPILER = next((c for c in ("c++", "g++", "clang++") if shutil.which(c)), None)


def kernel():
    """The compiled kernel; a skip only where no C++ compiler exists (then the install leaves it out)."""
    if exact_bb._exact_kernel is None:
        if COMPILER:
            pytest.fail(f"a C++ compiler ({COMPILER}) is here but the kernel is not built: pip install -e .")
        pytest.skip("no C++ compiler: the kernel is not built and the Python search is used")
    return exact_bb._exact_kernel


BACKENDS = ["compiled", "python"]


def random_instances(count: int, seed: int, largest: int) -> list[tuple[list[int], list[int]]]:
    """Many ties (small p and d), zero processing times, negative due dates, and the generator's classes."""
    rng, out = random.Random(seed), []
    for k in range(count):
        n = rng.randint(1, largest)
        if k % 3 == 0:
            p = [rng.randint(1, 6) for _ in range(n)]
            out.append((p, [rng.randint(0, sum(p)) for _ in range(n)]))
        elif k % 3 == 1:
            p = [rng.randint(0, 4) for _ in range(n)]
            out.append((p, [rng.randint(-3, sum(p) + 2) for _ in range(n)]))
        else:
            i = generate(n, rng.choice([0.2, 0.4, 0.6, 1.0]), rng.choice([0.2, 0.4, 0.6, 0.8]), k)
            out.append((i.p, i.d))
    return out


def shared(name: str):
    if not (SHARED_BENCHMARKS / "smtt").exists():
        pytest.skip(f"shared SMTT data not found at {SHARED_BENCHMARKS / 'smtt'} (set OPTAGENT_BENCHMARKS)")
    return load_set(name, SHARED_BENCHMARKS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_search_equals_the_subset_dp(backend):
    if backend == "compiled":
        kernel()
    for p, d in random_instances(600, seed=11, largest=11):
        optimum, _ = solve_dp(p, d)
        result = solve_bb(p, d, backend=backend)
        assert result.backend == backend and result.proven, (p, d)
        assert result.value == optimum, (p, d, result.value, optimum)
        assert is_permutation(result.order, len(p)) and total_tardiness(p, d, result.order) == optimum, (p, d)


def test_python_search_mirrors_the_kernel_step_by_step():
    """Same optimum, same order and the same number of subproblems: the fallback is the same algorithm."""
    kernel()
    for p, d in random_instances(150, seed=5, largest=45):
        fast, slow = solve_bb(p, d, backend="compiled"), solve_bb(p, d, backend="python")
        assert fast.proven and slow.proven, (p, d)
        same = (fast.value, fast.order, fast.subproblems) == (slow.value, slow.order, slow.subproblems)
        assert same, (p, d)


def test_kernel_with_a_memo_too_small_evicts_and_stays_exact():
    k = kernel()
    i = generate(150, 0.4, 0.6, seed=3)
    bound = total_tardiness(i.p, i.d, exact_bb._upper(i.p, i.d)) + 1
    roomy = k.solve(i.p, i.d, bound, 120.0, True, 256)
    tight = k.solve(i.p, i.d, bound, 120.0, True, 1)  # 1 MB: 32,768 entries
    assert roomy[0] and tight[0]  # proven both times
    assert tight[5] > 100 * max(1, roomy[5])  # evictions: a handful from full buckets, thousands at 1 MB
    assert tight[1] == roomy[1] and total_tardiness(i.p, i.d, tight[2]) == tight[1]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("clock", ["wall", "cpu"])
def test_time_limit_returns_the_heuristic_unproven(backend, clock):
    if backend == "compiled":
        kernel()
    i = generate(400, 0.2, 0.6, seed=1)  # about 5 s of CPU for the kernel, far more in Python
    result = solve_bb(i.p, i.d, time_limit=1.0, backend=backend, clock=clock)
    heuristic = exact_bb._upper(i.p, i.d)
    assert not result.proven and result.order == heuristic
    assert result.value == total_tardiness(i.p, i.d, heuristic)
    assert result.subproblems >= 1024 and result.seconds < 10  # stopped mid-search, soon after the limit


def test_stored_optima_n200_hard_classes_and_n100_in_python():
    kernel()
    n200 = shared("n200")
    for index in (20, 36, 61, 101, 140):  # R=0.2 T=0.6 / 0.8, R=0.4 T=0.6, R=0.6 T=0.6, R=0.8 T=0.6
        result = solve_bb(n200[index].p, n200[index].d, time_limit=120, clock="cpu")
        assert result.proven and result.value == n200[index].opt, n200[index].id
    n100 = shared("n100")
    for index in (20, 60, 100):
        result = solve_bb(n100[index].p, n100[index].d, time_limit=120, clock="cpu", backend="python")
        assert result.proven and result.value == n100[index].opt, n100[index].id


def test_bad_arguments_are_named(monkeypatch):
    with pytest.raises(InputError, match="unknown backend"):
        solve_bb([1], [1], backend="gpu")
    with pytest.raises(InputError, match="unknown clock"):
        solve_bb([1], [1], clock="sundial")
    with pytest.raises(InputError, match="as many due dates as jobs"):
        solve_bb([1, 2], [1])
    with pytest.raises(InputError, match=">= 0"):
        solve_bb([1, -2], [1, 1])
    assert solve_bb([], []).proven and solve_bb([], []).value == 0
    p, d = [1.5, 2, 1, 0.5], [1, 2.5, 0, 3.25]
    brute = min(total_tardiness(p, d, order) for order in itertools.permutations(range(4)))
    halves = solve_bb(p, d)  # not integers: the Python search takes them
    assert halves.backend == "python" and halves.proven and halves.value == brute == solve_dp(p, d)[0]
    if exact_bb._exact_kernel is not None:
        with pytest.raises(InputError, match="integers below"):
            solve_bb([1, 2], [2**41, 0], backend="compiled")
    monkeypatch.setattr(exact_bb, "_exact_kernel", None)
    with pytest.raises(InputError, match="not built") as caught:
        solve_bb([1], [1], backend="compiled")
    assert "python" in caught.value.hint
    assert solve_bb([2, 1], [0, 0]).backend == "python"  # auto falls back to the Python search


def test_kernel_checks_its_arguments():
    k = kernel()
    with pytest.raises(ValueError, match="same length"):
        k.solve([1, 2], [1], 10, 1.0, False, 8)
    with pytest.raises(TypeError):
        k.solve([1, "x"], [1, 1], 10, 1.0, False, 8)


def test_script_appends_resumes_and_summarises(tmp_path):
    folder = tmp_path / "smtt"
    folder.mkdir()
    rows = []
    for k, (rdd, tf) in enumerate([(0.2, 0.6), (0.2, 0.6), (1.0, 0.2)]):
        i = generate(12, rdd, tf, seed=k)
        rows.append({"id": f"t{k}", "rdd": rdd, "tf": tf, "opt": solve_dp(i.p, i.d)[0], "p": i.p, "d": i.d})
    (folder / "smtt_n100_200.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "runs" / "bb.jsonl"
    command = [sys.executable, str(ROOT / "scripts" / "smtt_exact.py"), "bb", "--set", "n100"]
    command += ["--data-dir", str(tmp_path), "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in lines] == ["t0", "t1", "t2"]
    assert all(r["proven"] and r["value"] == r["stored_optimum"] and "load_before" in r for r in lines)
    assert "3/3 proven" in first.stdout and "R=0.2 T=0.6:   2/2 proven" in first.stdout
    subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)  # resume: nothing left
    assert len(out.read_text().splitlines()) == 3
    subprocess.run([*command, "--ids", "t1"], capture_output=True, text=True, timeout=120, check=True)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["t0", "t1", "t2", "t1"]
    summary = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smtt_exact.py"), "summary", str(out), "--markdown"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "| all | 3/3 |" in summary and "differing from the stored optimum: 0" in summary


@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_stops_a_long_search(backend):
    """KeyboardInterrupt reaches the caller within seconds, also from inside the compiled kernel."""
    if backend == "compiled":
        kernel()
    search = (
        "exact_bb._exact_kernel.solve(i.p, i.d, bound, 600.0, False, 256)"
        if backend == "compiled"
        else "exact_bb._Search(i.p, i.d, float('inf'), time.perf_counter).run(bound)"
    )
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"  # also when started with SIGINT ignored
        "from optagent.benchmarks.smtt import exact_bb\n"
        "from optagent.benchmarks.smtt.instances import generate\n"
        "from optagent.benchmarks.smtt.objective import total_tardiness\n"
        "i = generate(500, 0.2, 0.6, seed=2)\n"
        "bound = total_tardiness(i.p, i.d, exact_bb._upper(i.p, i.d)) + 1\n"
        "print('started', flush=True)\n"
        "try:\n"
        f"    {search}\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)  # well into the search
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert out.strip() == "interrupted"
