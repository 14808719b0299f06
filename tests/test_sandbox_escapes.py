"""Escapes written by an attacker who has read the sandbox's source, each with the outcome the README
promises at the level in force: ``bwrap`` (CI), or ``unshare``/``rlimits`` chosen with
OPTAGENT_SANDBOX_ISOLATION. Programs print ``ESCAPED ...`` when an attack works and ``BLOCKED ...`` when
a step fails, so each test also checks that the attack was really tried."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sandbox_helpers import FAST, LEVEL, NAMESPACED, SEPARATE_UID, hostile_pool, run

from optagent.sandbox import ExecStatus, ExecutionResult, Job, Limits
from optagent.sandbox.executor import _finish
from optagent.sandbox.syscall_filter import DENIED


@pytest.fixture(scope="module")
def pool():
    with hostile_pool() as workers:
        yield workers


def escaped(result: ExecutionResult) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("ESCAPED")]


def blocked(result: ExecutionResult, what: str) -> int:
    return sum(line.startswith(f"BLOCKED {what}") for line in result.stdout.splitlines())


def answers_still_right(pool) -> None:
    """Later jobs on both workers get their own answers (no desynchronised or poisoned worker)."""
    jobs = [Job(f"def solve():\n    return {k}.5\n", limits=FAST) for k in range(6)]
    assert [r.objective for r in pool.map(jobs)] == [k + 0.5 for k in range(6)]


# -- privileges: every level
def test_the_job_has_no_privileges_and_cannot_regain_them(pool):
    result = run(pool, "regain_privileges")
    assert result.ok and escaped(result) == [], result.stdout
    status = dict(line.split()[1:3] for line in result.stdout.splitlines() if line.startswith("STATUS"))
    assert int(status["CapEff"], 16) == int(status["CapPrm"], 16) == int(status["CapAmb"], 16) == 0
    assert status["NoNewPrivs"] == "1" and status["Seccomp"] == "2"
    assert blocked(result, "capset") == 1 and blocked(result, "setgroups") == 1
    if SEPARATE_UID:  # optagent runs as root here: the job does not
        assert "EUID 0" not in result.stdout and int(status["CapBnd"], 16) == 0
        assert blocked(result, "setuid") == 1


def test_namespaces_cannot_be_created(pool):
    result = run(pool, "new_namespaces")
    assert result.ok and escaped(result) == [], result.stdout
    assert blocked(result, "unshare") == 5 and blocked(result, "clone") == 5


def test_kernel_attack_surface_is_filtered(pool):
    result = run(pool, "kernel_attack_surface")
    assert result.ok and escaped(result) == [], result.stdout
    assert result.stdout.count("Operation not permitted") >= 7


def test_the_supervisor_cannot_be_traced_or_read(pool):
    result = run(pool, "ptrace_supervisor")
    assert result.ok and escaped(result) == [], result.stdout
    assert blocked(result, "ptrace") == 2 and blocked(result, "open mem") == 2
    assert blocked(result, "process_vm_readv") == 1


def test_proc_cannot_be_unmounted(pool):
    result = run(pool, "umount_proc")
    assert result.ok and escaped(result) == [], result.stdout
    assert blocked(result, "umount") == 2
    if NAMESPACED:  # own PID namespace: only the sandbox's few processes are visible
        processes = int(result.stdout.split("PROCESSES")[1].split()[0])
        assert processes < 10, result.stdout


def test_a_stopped_supervisor_does_not_stall_the_host(pool):
    result = run(pool, "freeze_supervisor")
    if SEPARATE_UID:
        assert result.ok and result.objective == 6.0 and blocked(result, "ppid") == 1, result.stdout
    else:  # same uid: the signal arrives; the host wakes its worker up again within a second
        assert result.ok and result.objective == 6.0, result.message
    answers_still_right(pool)


# -- result integrity: every level
def test_a_forged_worker_reply_is_never_believed(pool):
    result = run(pool, "forge_worker_reply")
    assert escaped(result) == [], result.stdout
    assert result.ok and result.objective == 1.0
    answers_still_right(pool)


def test_a_forked_child_cannot_forge_the_result(pool):
    result = run(pool, "fork_forges_result")
    assert result.ok and result.objective == 5.0
    assert any("ignored what other processes" in note for note in result.notes), result.notes


def test_a_child_left_behind_cannot_report_for_a_job_that_gave_none(pool):
    result = run(pool, "fork_forges_and_outlives")
    assert result.status is ExecStatus.CONTRACT_VIOLATION and result.objective is None
    assert "before a result was produced" in result.message
    answers_still_right(pool)


def test_a_second_result_makes_the_job_an_error(pool):
    result = run(pool, "double_result")
    assert result.status is ExecStatus.ERROR and result.objective is None
    assert "no single valid result" in result.message


def test_lying_inside_its_own_process_changes_only_its_own_answer(pool):
    """Cannot be prevented in principle (README): the program owns its process. It must stay local."""
    result = run(pool, "patch_harness")
    assert result.ok and result.objective == 777.0
    answers_still_right(pool)


def test_a_job_cannot_touch_a_job_of_another_worker(pool):
    victim = Job("import time\ndef solve():\n    time.sleep(1.0)\n    return 11.0\n", limits=FAST)
    workers = " ".join(str(worker.proc.pid) for worker in pool._all if worker.proc is not None)
    with ThreadPoolExecutor(2) as threads:
        first = threads.submit(pool.run, victim)
        attacker = threads.submit(run, pool, "tamper_other_jobs", inputs={"pids.txt": workers})
        victim_result, attack = first.result(), attacker.result()
    if NAMESPACED or SEPARATE_UID:  # rlimits as root without a uid of its own: the README says so
        assert escaped(attack) == [], attack.stdout
        assert victim_result.ok and victim_result.objective == 11.0, victim_result.message
        assert "KILLED" not in attack.stdout
    if NAMESPACED:
        assert "SEEN 0" in attack.stdout  # the other worker's work dirs are not even visible
    answers_still_right(pool)


@pytest.mark.parametrize(
    ("reply", "complaint"),
    [
        (
            {"status": "ok", "solution": {"status": "optimal", "objective": -1e300, "variables": {"x": "a"}}},
            "variables",
        ),
        ({"status": "ok", "solution": {"status": "optimal", "objective": float("nan")}}, "objective"),
        ({"status": "ok", "solution": {"status": "great", "objective": 1.0}}, "status"),
        ({"status": "ok", "solution": {"status": "optimal", "objective": True}}, "objective"),
        ({"status": "ok", "solution": {"status": "optimal", "gap": "small"}}, "gap"),
        ({"status": "ok", "heuristic": {"permutations": [[0, "1"]], "seconds": [0.1]}}, "permutations"),
        ({"status": "ok", "stdout": 5}, "stdout"),
        ({"status": "ok", "cpu_s": float("inf")}, "cpu_s"),
    ],
)
def test_results_are_type_checked_on_the_host(reply, complaint):
    result = _finish(reply, Job("x = 1"), "bwrap", 0.1)
    assert result.status is ExecStatus.ERROR and result.objective is None
    assert "does not have the expected shape" in result.message and complaint in result.message


# -- file system: what each level promises
def test_cgroups_cannot_be_left(pool):
    result = run(pool, "cgroup_escape")
    if NAMESPACED or SEPARATE_UID:  # rlimits as root without a uid of its own: the README says so
        assert result.ok and escaped(result) == [], result.stdout
    assert result.stdout.count("BLOCKED") + len(escaped(result)) >= 6


def test_the_python_installation_and_optagent_cannot_be_changed(pool):
    result = run(pool, "write_python_install")
    if NAMESPACED or SEPARATE_UID:
        assert result.ok and escaped(result) == [], result.stdout
        assert blocked(result, "") >= 3


def test_tmp_and_shm_are_capped_and_do_not_outlive_the_job(pool):
    if LEVEL == "rlimits":
        pytest.skip("rlimits writes to the host's /tmp and /dev/shm (README); not filled here")
    result = run(pool, "fill_tmp_and_shm", limits=Limits(timeout_s=30.0, memory_mb=256, max_file_mb=16))
    assert result.ok, result.message
    wrote = {
        line.split()[1]: int(line.split()[2])
        for line in result.stdout.splitlines()
        if line.startswith("WROTE")
    }
    cap = 256  # MB: the private tmpfs of a worker whose jobs may write files of 16 MB
    assert wrote["/dev/shm"] <= cap and wrote["."] <= cap
    assert wrote["/tmp"] <= (cap if LEVEL == "bwrap" else 0)  # unshare: the host's /tmp is read-only
    leftovers = textwrap.dedent("""
        import glob
        left = glob.glob("/tmp/**/optagent-fill-*", recursive=True) + glob.glob("/dev/shm/optagent-fill-*")
        print("LEFT", len(left))
        def solve():
            return 0.0
    """)
    for after in pool.map([Job(leftovers, limits=FAST)] * 2):  # both workers
        assert "LEFT 0" in after.stdout, after.stdout


def test_cleanup_does_not_follow_the_jobs_symlinks(pool, tmp_path):
    canary = tmp_path / "host-folder"
    canary.mkdir()
    (canary / "keep.txt").write_text("host data")
    try:
        result = run(pool, "symlink_cleanup_trap", inputs={"target.txt": str(canary)})
        assert result.ok and result.stdout.count("LINKED") >= 1, result.stdout
        answers_still_right(pool)  # the workers have cleaned up after the job
        assert (canary / "keep.txt").read_text() == "host data"
    finally:
        for link in (Path("/tmp/trap-dir"), Path("/dev/shm/trap-dir")):
            if LEVEL == "rlimits" and link.is_symlink():  # the host's own /tmp there
                link.unlink()


@pytest.mark.slow
def test_the_host_network_cannot_be_joined(pool):
    accepted: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(3)

    def accept():
        with contextlib.suppress(OSError):
            accepted.append(server.accept()[0].recv(100))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = run(pool, "join_host_netns", inputs={"port.txt": str(server.getsockname()[1])})
    finally:
        server.close()
        thread.join(4)
    assert not [line for line in escaped(result) if "setns" in line], result.stdout
    if NAMESPACED:
        assert escaped(result) == [] and accepted == []


# -- the seccomp filter itself, in a fresh interpreter
def test_the_filter_denies_each_listed_call_and_keeps_fork_and_threads():
    code = textwrap.dedent("""
        import ctypes, errno, os, threading
        from seccompy.syscalls import syscall_nr
        from optagent.sandbox import syscall_filter
        syscall_filter.install()
        libc = ctypes.CDLL(None, use_errno=True)
        for name in syscall_filter.DENIED:
            try:
                number = syscall_nr(name)
            except Exception:
                continue
            result = libc.syscall(number, 0, 0, 0, 0, 0)
            print(name, result, errno.errorcode.get(ctypes.get_errno()))
        print("clone3", libc.syscall(syscall_nr("clone3"), 0, 0), errno.errorcode.get(ctypes.get_errno()))
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        print("fork", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        t = threading.Thread(target=print, args=("thread ran",)); t.start(); t.join()
    """)
    pytest.importorskip("seccompy")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert len([n for n in DENIED if n in lines]) >= len(DENIED) - 2  # names this architecture lacks
    for name in DENIED:
        if name in lines:
            assert lines[name] == "-1 EPERM", (name, lines[name])
    assert lines["clone3"] == "-1 ENOSYS" and lines["fork"] == "7" and lines["thread"] == "ran"
