"""Hostile-program corpus: each program in tests/fixtures/hostile has an asserted outcome.

Across the corpus: the host process never hangs or dies, nothing outside the sandbox changes, no
process outlives its job, and the secret in the host environment never appears in any result.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import (
    FAST,
    LEVEL,
    NAMESPACED,
    SEPARATE_UID,
    hostile_pool,
    processes_with,
    program,
    require,
    run,
)

from optagent.sandbox import ExecStatus, Job, Limits, WorkerPool, detect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pool():
    with hostile_pool() as workers:
        yield workers


def test_pool_survives_and_still_works(pool):
    ok = run(pool, "returns_nan")  # any quick program: the pool answers after the corpus below too
    assert ok.status is ExecStatus.CONTRACT_VIOLATION


# -- time
@pytest.mark.slow
@pytest.mark.parametrize("name", ["infinite_loop", "busy_threads", "signal_tricks", "sleep_forever"])
def test_runaway_programs_time_out(pool, name):
    result = run(pool, name)
    assert result.status is ExecStatus.TIMEOUT, result.message
    assert "limit" in result.message


def test_busy_threads_hit_the_cpu_limit_before_the_wall_clock(pool):
    result = run(pool, "busy_threads", limits=Limits(timeout_s=6.0, cpu_s=1.0, memory_mb=256))
    assert result.status is ExecStatus.TIMEOUT
    assert "CPU-time limit" in result.message
    assert result.duration_s < 4.0


@pytest.mark.parametrize(
    ("name", "framework"),
    [
        ("solver_no_time_limit", "highspy"),
        ("gurobi_no_time_limit", "gurobipy"),
        ("pyomo_no_time_limit", "pyomo"),
    ],
)
def test_solver_time_limit_is_injected_over_the_programs_own(pool, name, framework):
    pytest.importorskip(framework)
    limits = Limits(timeout_s=8.0, solver_time_limit=1.0, memory_mb=1024)
    result = run(pool, name, limits=limits)
    assert result.status is ExecStatus.OK, result.message
    assert result.solution.framework == framework
    assert result.solution.status in ("time_limit", "feasible")
    assert result.duration_s < 4.0


# -- memory, processes, files
@pytest.mark.parametrize("name", ["memory_bomb", "memory_bomb_numpy"])
def test_memory_bombs_hit_the_memory_limit(pool, name):
    result = run(pool, name)
    assert result.status is ExecStatus.MEMORY, (result.status, result.message, result.stderr[-500:])


def test_fork_bomb_is_contained_and_leaves_nothing(pool):
    if not detect().active("process-count limit"):
        pytest.skip("no process-count limit here (root without a writable pids cgroup): see sandbox doctor")
    result = run(pool, "fork_bomb")
    assert result.status is ExecStatus.ERROR
    assert "process-count limit of 32 reached" in result.message
    after = run(pool, "os_system")  # the worker that ran the bomb is still usable
    assert after.ok


@pytest.mark.parametrize(("name", "marker"), [("subprocess_spawn", "987.654"), ("os_system", "987.655")])
def test_spawned_processes_do_not_outlive_the_job(pool, name, marker):
    result = run(pool, name)
    assert result.ok, result.message
    assert processes_with(marker) == []


def test_file_size_limit(pool):
    result = run(pool, "file_size_bomb")
    assert result.status is ExecStatus.ERROR  # Python ignores SIGXFSZ: the write fails with EFBIG
    assert "file-size limit of 16 MB" in result.message
    assert result.error.lines[-1].text == 'f.write(b"\\0" * 1024 * 1024)'


def test_open_file_limit(pool):
    result = run(pool, "open_files_bomb")
    assert result.status is ExecStatus.ERROR
    assert "Too many open files" in result.error.message
    assert "open-file limit of 64" in result.message


def test_stdin_is_empty_not_a_hang(pool):
    result = run(pool, "reads_stdin")
    assert result.status is ExecStatus.ERROR
    assert result.error.type == "EOFError"


# -- crashes and exits
def test_recursion_bomb_is_an_error_with_the_program_line(pool):
    result = run(pool, "recursion_bomb")
    assert result.status is ExecStatus.ERROR
    assert result.error.type == "RecursionError"
    assert any("return f(n + 1) + 1" in line.text for line in result.error.lines)


@pytest.mark.parametrize("name", ["stack_overflow", "ctypes_segfault"])
def test_native_crashes_are_reported_as_killed(pool, name):
    result = run(pool, name)
    assert result.status is ExecStatus.KILLED
    assert result.signal == "SIGSEGV"
    assert "segmentation fault" in result.message


def test_sys_exit_with_odd_code(pool):
    result = run(pool, "sys_exit_odd")
    assert result.status is ExecStatus.ERROR
    assert "sys.exit(3)" in result.message


def test_os_exit_with_odd_code(pool):
    result = run(pool, "os_exit_odd")
    assert result.status is ExecStatus.ERROR
    assert result.exit_code == 77


def test_os_exit_zero_is_a_contract_violation(pool):
    result = run(pool, "os_exit_zero")
    assert result.status is ExecStatus.CONTRACT_VIOLATION
    assert "before a result was produced" in result.message


@pytest.mark.parametrize("name", ["kill_parent", "kill_everything"])
def test_killing_the_supervisor_kills_only_the_worker(pool, name):
    if name == "kill_everything":
        require("unshare", "running kill(-1) safely (own PID namespace)")
    result = run(pool, name)
    if SEPARATE_UID:  # the job runs under its own uid: it may not signal its worker at all
        assert result.status in (ExecStatus.CONTRACT_VIOLATION, ExecStatus.ERROR), result.message
        assert name != "kill_parent" or result.error.type == "PermissionError"
    elif NAMESPACED:  # the worker is PID 1 of its namespace: signals from inside cannot kill it
        assert result.status in (ExecStatus.CONTRACT_VIOLATION, ExecStatus.ERROR), result.message
    else:
        assert result.status is ExecStatus.KILLED
        assert "supervisor" in result.message
    for _ in range(3):  # both workers answer again (the dead one was replaced)
        assert run(pool, "returns_inf").status is ExecStatus.CONTRACT_VIOLATION


# -- output
def test_huge_stdout_is_capped_and_counted(pool):
    result = run(pool, "huge_stdout", limits=Limits(timeout_s=20.0, memory_mb=256))
    assert result.ok and result.objective == 3.0
    assert result.stdout_bytes == 50 * 1024 * 1024 + len("THE-END\n") + len("spawned\n") * 0
    assert len(result.stdout) < FAST.output_bytes + 100
    assert result.stdout.rstrip().endswith("THE-END")
    assert "bytes omitted" in result.stdout


def test_huge_stderr_is_capped_and_counted(pool):
    result = run(pool, "huge_stderr", limits=Limits(timeout_s=20.0, memory_mb=256))
    assert result.ok and result.objective == 4.0
    assert result.stderr_bytes == 50 * 1024 * 1024
    assert len(result.stderr) < FAST.output_bytes + 100


def test_non_utf8_output_is_replaced_not_fatal(pool):
    result = run(pool, "non_utf8_output")
    assert result.ok and result.objective == 5.0
    assert "before" in result.stdout and "after" in result.stdout and "\ufffd" in result.stdout
    assert "broken" in result.stderr


# -- the result channel cannot be faked from stdout
def test_fake_result_on_stdout_is_ignored(pool):
    result = run(pool, "fake_result_stdout")
    assert result.ok
    assert result.objective == 7.0


def test_fake_result_without_a_model_is_a_contract_violation(pool):
    result = run(pool, "fake_result_only")
    assert result.status is ExecStatus.CONTRACT_VIOLATION
    assert "solved no model" in result.message


def test_tampering_with_the_result_channel_is_not_accepted(pool):
    result = run(pool, "tamper_result_fd")
    assert result.status is ExecStatus.ERROR
    assert "no single valid result" in result.message
    assert result.objective is None


def test_a_malformed_forged_result_is_an_error_not_a_crash(pool):
    result = run(pool, "forge_malformed_result")
    assert result.status is ExecStatus.ERROR
    assert "does not have the expected shape" in result.message


@pytest.mark.parametrize("name", ["returns_nan", "returns_inf"])
def test_non_finite_objectives_are_contract_violations(pool, name):
    result = run(pool, name)
    assert result.status is ExecStatus.CONTRACT_VIOLATION
    assert "finite number" in result.message


# -- secrets, files, network
def test_api_key_is_not_visible(pool):
    result = run(pool, "read_api_key")
    assert result.ok
    assert "env PATH" in result.stdout  # the program did list its environment
    assert "OPENAI_API_KEY" not in result.stdout


@pytest.fixture
def host_files(tmp_path):
    """A secret file in the user's home and one in the project tree, removed afterwards."""
    token = uuid.uuid4().hex
    home_file = Path.home() / f".optagent-test-{token}"
    project_file = ROOT / f".optagent-test-{token}"
    for path in (home_file, project_file):
        path.write_text(f"secret-{token}")
    yield token, [home_file, project_file, ROOT / "pyproject.toml"]
    for path in (home_file, project_file):
        path.unlink(missing_ok=True)


def test_files_outside_the_work_dir_are_invisible(pool, host_files):
    require("bwrap", "hiding the user's files")
    token, paths = host_files
    inputs = {"targets.json": json.dumps([str(p) for p in paths])}
    result = run(pool, "read_outside", inputs=inputs)
    assert result.ok, result.message
    assert f"secret-{token}" not in result.stdout
    assert "READ" not in result.stdout
    assert result.stdout.count("blocked ") >= len(paths)


def test_writes_outside_the_work_dir_do_not_reach_the_host(pool, tmp_path):
    require("unshare", "a read-only view of the host")
    token = uuid.uuid4().hex
    targets = [
        ROOT / f"written-{token}",
        Path.home() / f"written-{token}",
        tmp_path / "written",
        Path("/usr/written"),
    ]
    result = run(pool, "write_outside", inputs={"targets.json": json.dumps([str(t) for t in targets])})
    assert result.ok
    assert [t for t in targets if t.exists()] == []


def test_deleting_host_files_fails(pool, tmp_path):
    require("unshare", "a read-only view of the host")
    victim = ROOT / "tests" / "fixtures" / "hostile"
    before = sorted(p.name for p in victim.iterdir())
    result = run(
        pool, "delete_files", inputs={"targets.json": json.dumps([str(victim), str(ROOT / "README.md")])}
    )
    assert result.ok
    assert "DELETED" not in result.stdout
    assert sorted(p.name for p in victim.iterdir()) == before
    assert (ROOT / "README.md").exists()


@pytest.mark.slow
def test_tcp_connection_to_a_host_listener_fails(pool):
    require("unshare", "cutting the network")
    accepted: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]

    def accept():
        try:
            conn, _ = server.accept()
            accepted.append(conn.recv(100))
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = run(pool, "tcp_connect", inputs={"port.txt": str(port)})
    finally:
        server.close()
        thread.join(6)
    assert result.ok
    assert "CONNECTED" not in result.stdout
    assert accepted == []


def test_dns_and_udp_fail(pool):
    require("unshare", "cutting the network")
    result = run(pool, "dns_lookup")
    assert result.ok
    assert "blocked dns" in result.stdout and "blocked udp" in result.stdout


def test_nothing_leaks_between_jobs_of_one_worker():
    with WorkerPool(1, limits=FAST) as single:
        writer = single.run(Job(program("leak_writer"), limits=FAST))
        result = single.run(Job(program("leak_reader"), limits=FAST))
    if LEVEL == "rlimits":  # written to the host's /tmp and /dev/shm: remove them
        for path in ("/tmp/optagent-leak", "/dev/shm/optagent-leak"):
            Path(path).unlink(missing_ok=True)
    assert writer.ok and result.ok
    found = [line for line in result.stdout.splitlines() if line.startswith("FOUND")]
    if LEVEL == "unshare":  # the host's /tmp is visible there, read-only: nothing can be left in it
        assert "BLOCKED /tmp/optagent-leak OSError" in writer.stdout
        found = [line for line in found if "/tmp/optagent-leak" not in line]
    if LEVEL == "rlimits":  # the host's /tmp and /dev/shm: the README says so
        found = [line for line in found if "/tmp/optagent-leak" not in line and "/dev/shm" not in line]
    assert "WROTE /dev/shm/optagent-leak" in writer.stdout or LEVEL == "rlimits"
    assert found == []
