"""A solver's log can never block a solve: Pyomo drains SCIP's output through a pipe from a Python thread
while SCIP's optimize() holds the GIL, so a log past the pipe's buffer used to hang the solve (and a batch
run) forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import ctypes
    import pyscipopt
    from optagent.formulations import Formulation
    from optagent.formulations.solve import solve

    libc = ctypes.PyDLL(None)  # keeps the GIL during the call, as SCIP's C code does when it logs

    class Chatty(pyscipopt.Model):
        def optimize(self):
            if self.getParam("display/verblevel") > 0:  # what SCIP prints at its default verbosity, and more
                line = b"SCIP node display line " * 8
                for _ in range(2000):  # about 370 KB, far past a pipe's buffer
                    libc.write(1, line, len(line))
            return super().optimize()

    pyscipopt.Model = Chatty
    f = Formulation.from_data({
        "name": "q", "problem_type": "MIQP",
        "variables": [{"name": "x", "type": "integer", "upper": 5}],
        "objective": {"sense": "minimize", "expr": "(x - 2.4) ** 2"},
    })
    print("objective", solve(f, solver="scip", time_limit=10).objective)
    """
)


def test_a_long_scip_log_does_not_block_the_solve():
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "objective 0.16" in proc.stdout
