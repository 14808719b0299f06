"""The program the LLM evolves: a constructive rule and the improvement step that follows it.

A candidate defines ``construct(p, d) -> order`` and, optionally, ``improve(p, d, order, time_left)``, a
generator that yields each better order it finds (or a function that returns one). The evaluator appends
:data:`DRIVER` to the candidate's code; the driver defines the sandbox's ``heuristic(p, d)`` and enforces the
per-instance time budget itself: it stops pulling orders from ``improve`` when the budget is spent,
interrupts a step that runs past it (a timer that fires once the thread's CPU time passes the budget),
keeps the best order seen (tardiness recomputed by the driver), seeds ``random`` per instance, discards the
candidate's prints, and reports CPU seconds and the constructive rule's order per instance on the last line
of stdout. The host re-scores every order and checks the times.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass

from optagent.agent.parse import ReplyFormatError, extract_code

MARKER = "__optagent_smtt_driver__ "
GRACE = 0.1  # the hard interrupt fires at budget * (1 + GRACE) + 2 ms of the thread's CPU time

DRIVER = '''

# ---- appended by the optagent evaluator: the candidate's code ends above ----
def _optagent_driver(budget, count):
    import contextlib as _contextlib
    import hashlib as _hashlib
    import io as _io
    import json as _json
    import random as _random
    import signal as _signal
    import sys as _sys
    import time as _time

    class BudgetExceeded(BaseException):
        """Raised by the evaluator's timer: the instance ran past its CPU-time budget."""

    _construct = globals().get("construct")
    _improve = globals().get("improve")
    if not callable(_construct):
        raise NameError("the program defines no function construct(p, d)")
    armed = [False]
    hard = [0.0]  # the thread CPU time at which the running instance is interrupted
    report = {"cpu": [], "construct": []}

    def _alarm(signum, frame):
        if not armed[0]:
            return
        left = hard[0] - _time.thread_time()
        if left > 0:  # the wall clock ran ahead of the CPU clock (a loaded machine): wait for the rest
            _signal.setitimer(_signal.ITIMER_REAL, left)
            return
        armed[0] = False
        raise BudgetExceeded()

    def _disarm():
        for _ in range(3):
            try:
                armed[0] = False
                _signal.setitimer(_signal.ITIMER_REAL, 0)
                return
            except BudgetExceeded:
                pass

    def _order(value, n, what):
        try:
            order = list(value)
        except TypeError:
            raise TypeError(f"{what} gave {type(value).__name__}, not a list of job indices") from None
        if len(order) != n:
            raise ValueError(f"{what} gave {len(order)} indices for {n} jobs")
        for j in order:
            if isinstance(j, bool) or not hasattr(j, "__index__"):
                raise TypeError(f"{what} gave {j!r:.40} ({type(j).__name__}), not a job index")
        order = [int(j) for j in order]
        if sorted(order) != list(range(n)):
            seen = set()
            for j in order:
                if not 0 <= j < n:
                    raise ValueError(f"{what} gave job index {j}, outside 0..{n - 1}")
                if j in seen:
                    raise ValueError(f"{what} gave job {j} twice")
                seen.add(j)
        return order

    def _cost(p, d, order):
        t = total = 0
        for j in order:
            t += p[j]
            if t > d[j]:
                total += t - d[j]
        return total

    def heuristic(p, d):
        k = len(report["cpu"])
        n = len(p)
        _random.seed(k)
        if "numpy" in _sys.modules:
            _sys.modules["numpy"].random.seed(k)
        start = _time.thread_time()
        deadline = start + budget

        def time_left():
            return deadline - _time.thread_time()

        best = None
        sink = _io.StringIO()
        _signal.signal(_signal.SIGALRM, _alarm)
        hard[0] = start + budget * (1 + GRACE) + 0.002
        armed[0] = True
        _signal.setitimer(_signal.ITIMER_REAL, hard[0] - start)
        try:
            with _contextlib.redirect_stdout(sink):
                best = _order(_construct(list(p), list(d)), n, "construct(p, d)")
                built = best
                best_cost = _cost(p, d, best)
                if _improve is not None and time_left() > 0:
                    steps = _improve(list(p), list(d), list(best), time_left)
                    if steps is None:
                        raise TypeError("improve(p, d, order, time_left) gave None; yield or return orders")
                    if not hasattr(steps, "__next__"):
                        steps = [steps]  # one order returned rather than yielded
                    for step in steps:
                        order = _order(step, n, "improve(p, d, order, time_left)")
                        cost = _cost(p, d, order)
                        if cost < best_cost:
                            best, best_cost = order, cost
                        if time_left() <= 0:
                            break
        except BudgetExceeded:
            pass  # the best order so far stands
        _disarm()
        if best is None:
            raise TimeoutError(
                f"construct(p, d) did not finish within the time budget of {budget:g} s CPU ({n} jobs)"
            )
        report["cpu"].append(round(_time.thread_time() - start, 6))
        report["construct"].append(_hashlib.sha1(repr(built).encode()).hexdigest()[:10])
        if len(report["cpu"]) == count:
            _sys.stdout.write("\\n" + MARKER + _json.dumps(report) + "\\n")
            _sys.stdout.flush()
        return best

    return heuristic
'''.replace("MARKER", repr(MARKER)).replace("GRACE", repr(GRACE))


def assemble(code: str, budget_s: float, count: int = 0) -> str:
    """The program the sandbox runs: the candidate, then the driver for ``count`` instances (0: no report)."""
    return f"{code.rstrip()}\n{DRIVER}\nheuristic = _optagent_driver({budget_s!r}, {count!r})\n"


@dataclass(frozen=True)
class Seed:
    name: str
    idea: str
    code: str


_MDD = '''def construct(p, d):
    """Modified due date: at time t take the job with the smallest max(t + p_j, d_j)."""
    left, order, t = set(range(len(p))), [], 0
    while left:
        j = min(left, key=lambda i: (max(t + p[i], d[i]), d[i], p[i], i))
        order.append(j)
        left.remove(j)
        t += p[j]
    return order
'''

_INSERTION = '''import numpy as np


def _tardiness(p, d, order):
    return int(np.maximum(0, np.cumsum(p[order]) - d[order]).sum())


def _descend(p, d, order, cost, time_left):
    """Best-insertion local search: move single jobs to their best position while that lowers the cost."""
    improved = True
    while improved and time_left() > 0:
        improved = False
        for job in list(order):
            rest = np.array([j for j in order if j != job], dtype=np.int64)
            completion = np.cumsum(p[rest])
            slack = d[rest] - completion
            before = np.concatenate(([0], np.cumsum(np.maximum(0, -slack))))
            after = np.concatenate((np.cumsum(np.maximum(0, p[job] - slack)[::-1])[::-1], [0]))
            start = np.concatenate(([0], completion))
            total = before + np.maximum(0, start + p[job] - d[job]) + after
            k = int(np.argmin(total))
            if total[k] < cost:
                order = [*rest[:k].tolist(), job, *rest[k:].tolist()]
                cost = int(total[k])
                improved = True
    return order, cost
'''

SEEDS: tuple[Seed, ...] = (
    Seed(
        "edd",
        "Earliest due date first (ties: shorter job), no improvement step.",
        "def construct(p, d):\n    return sorted(range(len(p)), key=lambda j: (d[j], p[j], j))\n",
    ),
    Seed("mdd", "Modified due date dispatching (Baker & Bertrand), no improvement step.", _MDD),
    Seed(
        "atc",
        "Apparent tardiness cost dispatching with look-ahead k = 2, no improvement step.",
        '''import math


def construct(p, d, k=2.0):
    """At time t take the job with the largest exp(-max(0, d_j - p_j - t) / (k * mean p)) / p_j."""
    mean = sum(p) / len(p)
    left, order, t = set(range(len(p))), [], 0
    while left:
        j = max(left, key=lambda i: (math.exp(-max(0, d[i] - p[i] - t) / (k * mean)) / max(p[i], 1e-9), -i))
        order.append(j)
        left.remove(j)
        t += p[j]
    return order
''',
    ),
    Seed(
        "mdd+insertion",
        "Modified due date, then best-insertion local search to a local optimum (or the budget).",
        _MDD
        + "\n\n"
        + _INSERTION
        + """

def improve(p, d, order, time_left):
    p, d = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    order, cost = _descend(p, d, list(order), _tardiness(p, d, order), time_left)
    yield order
""",
    ),
    Seed(
        "mdd+ils",
        "Modified due date, then an iterated local search (best insertion, three random moves as a kick) "
        "until the budget is spent.",
        _MDD
        + "\n\n"
        + _INSERTION
        + """
import random


def improve(p, d, order, time_left, strength=3):
    p, d = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    current, cost = _descend(p, d, list(order), _tardiness(p, d, order), time_left)
    best = cost
    yield current
    while time_left() > 0 and best > 0:
        trial = list(current)
        for _ in range(strength):
            trial.insert(random.randrange(len(trial)), trial.pop(random.randrange(len(trial))))
        trial, trial_cost = _descend(p, d, trial, _tardiness(p, d, trial), time_left)
        if trial_cost <= cost:
            current, cost = trial, trial_cost
            if cost < best:
                best = cost
                yield current
""",
    ),
)


IDEA_CHARS = 400


def shorten(idea: str, limit: int = IDEA_CHARS) -> str:
    """An idea of at most ``limit`` characters, cut at a word with an ellipsis when it is longer."""
    if len(idea) <= limit:
        return idea
    return idea[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def parse_reply(text: str) -> tuple[str, str]:
    """(idea, code) of an LLM reply: the one-sentence idea before the code block, then the program.

    The idea is the first line of prose before the code (a leading 'Idea:' dropped); without one, the
    program's first comment or docstring line; else a placeholder that says it was missing.
    """
    code = extract_code(text)
    before = text.split("```", 1)[0] if "```" in text else ""
    for line in before.splitlines():
        line = re.sub(r"^[#>*\-\s]*(idea\s*[:\-]\s*)?", "", line.strip(), flags=re.IGNORECASE).strip(" *")
        if len(line) >= 8:
            return shorten(line), code
    comments = [
        line.strip().lstrip("#").strip() for line in code.splitlines() if line.strip().startswith("#")
    ]
    try:
        tree = ast.parse(code)
        docs = [
            ast.get_docstring(n) for n in [tree, *tree.body] if isinstance(n, (ast.Module, ast.FunctionDef))
        ]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        docs = []
    for line in [*comments, *((d or "").strip().split("\n")[0] for d in docs)]:
        if len(line) >= 8:
            return shorten(line), code
    return "(no idea stated)", code


def static_problem(code: str, max_chars: int) -> tuple[str, str] | None:
    """(category, reason) when the program cannot be a candidate, found without running it."""
    if len(code) > max_chars:
        return "too-long", f"the program has {len(code)} characters, over the limit of {max_chars}"
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return "compile", f"the program does not compile: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return "compile", f"the program does not compile: {type(exc).__name__}"
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    if "construct" not in names:
        return "contract", "the program defines no top-level function construct(p, d)"
    return None


def code_key(code: str) -> str:
    """Identity of a program up to comments, docstrings, blank lines and formatting."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return hashlib.sha256(code.strip().encode()).hexdigest()[:16]
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


__all__ = ["DRIVER", "MARKER", "SEEDS", "ReplyFormatError", "Seed", "assemble", "code_key", "parse_reply"]
