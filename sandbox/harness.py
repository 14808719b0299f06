"""Run a program inside the job process and apply the result contract. Returns a JSON-ready dict."""

from __future__ import annotations

import ast
import builtins
import errno
import sys
import time
import types
from typing import Any

from optagent.sandbox import contract, hooks
from optagent.sandbox.contract import ContractViolation
from optagent.sandbox.extract import TIME_LIMIT, extract
from optagent.sandbox.tracebacks import describe_exception


def _solved_model(cap: int) -> dict[str, Any] | None:
    """The last model the program solved, extracted; None if it solved none."""
    if not hooks.SOLVED:
        return None
    framework, model, extra = hooks.SOLVED[-1]
    solution = extract(framework, model, extra, cap)
    solution["source"] = f"solved {framework} model"
    return solution


def _unsolved_hint() -> str:
    if hooks.CREATED and not hooks.SOLVED:
        return f" (a {hooks.CREATED[-1][0]} model was built but never optimized)"
    return ""


class Harness:
    def __init__(self, job: dict[str, Any], path: str) -> None:
        self.job = job
        self.path = path
        self.limits = job["limits"]
        self.cap = int(self.limits.get("max_variables", 20000))
        self.kind = job.get("contract", "auto")

    # -- failures
    def describe(self, exc: BaseException) -> str:
        """One line for the failure; resource limits the program ran into are named as such."""
        code = getattr(exc, "errno", None)
        name = type(exc).__name__
        if code == errno.EFBIG:
            return f"file-size limit of {self.limits['max_file_mb']} MB exceeded ({name}: File too large)"
        if code == errno.EMFILE:
            return f"open-file limit of {self.limits['max_open_files']} exceeded ({name})"
        if code == errno.ENOSPC:
            return f"the sandbox's disk space is used up ({name}: No space left on device)"
        if code == errno.EAGAIN:
            return f"process-count limit of {self.limits['max_processes']} reached ({name})"
        return f"{name} raised by the program"

    def failure(self, status: str, message: str, exc: BaseException | None = None) -> dict[str, Any]:
        """A failed run; a model solved before the failure is still reported (it explains many crashes)."""
        out: dict[str, Any] = {"status": status, "message": message, "contract": self.kind}
        if exc is not None:
            out["error"] = describe_exception(exc, self.path)
        try:
            solution = _solved_model(self.cap)
        except Exception:
            solution = None
        if solution is not None:
            solution["source"] += " (solved before the failure)"
            out["solution"] = solution
        return out

    def exception(self, exc: BaseException) -> dict[str, Any]:
        if isinstance(exc, MemoryError):
            return self.failure("memory", "the program ran out of its memory limit", exc)
        if isinstance(exc, SystemExit):
            return self.failure("error", f"the program exited with sys.exit({exc.code!r})")
        return self.failure("error", self.describe(exc), exc)

    # -- contracts
    def entry_function(self, ns: dict[str, Any]) -> str | None:
        """The function the harness will call, if the program defines one: the job's ``entry``, a
        preferred name (solve, main, ...) callable without arguments, or the heuristic."""
        functions = contract.program_functions(ns, self.path)
        if self.kind == "heuristic":
            try:
                return self.heuristic_entry(functions)
            except ContractViolation:
                return None
        if self.kind == "script":
            return None
        return contract.preferred_entry(functions, self.job.get("entry"))

    def run_main_block(self, ns: dict[str, Any]) -> bool:
        """Whether ``if __name__ == "__main__":`` runs: not when the harness calls an entry function
        itself (once), so that a ``print(solve())`` there neither runs the solve twice nor wins."""
        return self.entry_function(ns) is None

    def call_function(self, ns: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        functions = contract.program_functions(ns, self.path)
        name, func = contract.choose_function(functions, self.job.get("entry"))
        solution = contract.interpret_return(func(), self.cap)
        from_model = _solved_model(self.cap)  # the last model solved: in the call, if it solved any
        if solution is None:
            solution = from_model
            if solution is None:
                raise ContractViolation(
                    f"{name}() returned None and solved no model{_unsolved_hint()}; "
                    f"expected {contract.EXPECTED_FUNCTION}"
                )
            return name, solution
        solution.setdefault("source", f"returned by {name}()")
        if solution.get("framework") == "returned" and from_model is not None:
            if not solution.get("variables"):  # the returned objective, the solved model's values
                solution["variables"] = from_model["variables"]
                solution["solver"] = from_model.get("solver", "")
            if not solution.get("raw_status") and from_model["status"] == TIME_LIMIT:
                solution["status"] = TIME_LIMIT  # a bare number from a solve cut short
                solution["source"] += "; its solver stopped at the time limit"
                for key in ("bound", "gap"):
                    if solution.get(key) is None:
                        solution[key] = from_model.get(key)
        return name, solution

    def heuristic_entry(self, functions: dict[str, Any]) -> str:
        entry = self.job.get("entry") or ("heuristic" if "heuristic" in functions else None)
        if entry is None:
            public = [n for n in functions if not n.startswith("_")]
            if len(public) != 1:
                raise ContractViolation(
                    f"cannot tell which function is the heuristic (found: {', '.join(public) or 'none'}); "
                    f"expected {contract.EXPECTED_HEURISTIC}"
                )
            entry = public[0]
        if entry not in functions:
            raise ContractViolation(
                f"the program defines no function {entry!r}; expected {contract.EXPECTED_HEURISTIC}"
            )
        return entry

    def run_heuristic(self, ns: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        functions = contract.program_functions(ns, self.path)
        entry = self.heuristic_entry(functions)
        func = functions[entry]
        permutations, seconds = [], []
        for k, instance in enumerate(self.job["instances"]):
            p, d = list(instance["p"]), list(instance["d"])
            start = time.perf_counter()
            order = func(p, d)
            seconds.append(time.perf_counter() - start)
            permutations.append(contract.check_permutation(order, len(instance["p"]), k))
        return entry, {"permutations": permutations, "seconds": seconds}

    def apply_contract(self, ns: dict[str, Any]) -> dict[str, Any]:
        """An entry function wins (its return value, or the model it solved); a plain script is read from
        the model it solved; otherwise the only function callable without arguments is called."""
        if self.kind == "heuristic":
            entry, output = self.run_heuristic(ns)
            return {"status": "ok", "contract": self.kind, "entry": entry, "heuristic": output}
        entry, solution = None, None
        if self.kind == "script" or (self.kind == "auto" and self.entry_function(ns) is None):
            solution = _solved_model(self.cap)
        if solution is None and self.kind == "script":
            raise ContractViolation(
                f"the program solved no model{_unsolved_hint()}; expected {contract.EXPECTED_SCRIPT}"
            )
        if solution is None:
            entry, solution = self.call_function(ns)
        return {"status": "ok", "contract": self.kind, "entry": entry, "solution": solution}

    # -- the run
    def compile(self) -> Any:
        """The program's code, with each top-level ``if __name__ == "__main__":`` asking
        :meth:`run_main_block` first; line numbers stay the program's own."""
        tree = ast.parse(self.job["code"], self.path)
        for node in tree.body:
            if isinstance(node, ast.If) and _is_main_test(node.test):
                call = ast.Call(ast.Name(MAIN_GUARD, ast.Load()), [], [])
                node.test = ast.copy_location(call, node.test)
        return compile(ast.fix_missing_locations(tree), self.path, "exec")

    def execute(self) -> dict[str, Any]:
        solver_limit = self.limits.get("solver_time_limit") or 0.8 * self.limits["timeout_s"]
        hooks.reset(min(solver_limit, self.limits["timeout_s"]), int(self.limits.get("solver_threads", 1)))
        module = types.ModuleType("__main__")
        module.__file__ = self.path
        module.__builtins__ = builtins  # type: ignore[attr-defined]
        setattr(module, MAIN_GUARD, lambda: self.run_main_block(module.__dict__))
        sys.modules["__main__"] = module
        sys.argv = [self.path]
        try:
            code = self.compile()
        except (SyntaxError, ValueError) as exc:
            return self.failure("error", f"the program does not compile: {exc}", exc)
        try:
            exec(code, module.__dict__)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                return self.exception(exc)
        except BaseException as exc:
            return self.exception(exc)
        try:
            return self.apply_contract(module.__dict__)
        except ContractViolation as exc:
            return {"status": "contract-violation", "contract": self.kind, "message": str(exc)}
        except BaseException as exc:
            return self.exception(exc)


MAIN_GUARD = "__optagent_run_main__"


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    constants = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(constants) == 1


def execute(job: dict[str, Any], path: str) -> dict[str, Any]:
    """Execute ``job['code']`` (already written to ``path``) as ``__main__`` and apply the contract."""
    return Harness(job, path).execute()
