"""Run a program inside the job process and apply the result contract. Returns a JSON-ready dict."""

from __future__ import annotations

import builtins
import errno
import sys
import time
import types
from typing import Any

from optagent.sandbox import contract, hooks
from optagent.sandbox.contract import ContractViolation
from optagent.sandbox.extract import extract
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
    def call_function(self, ns: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        functions = contract.program_functions(ns, self.path)
        name, func = contract.choose_function(functions, self.job.get("entry"))
        solution = contract.interpret_return(func(), self.cap)
        if solution is None:
            solution = _solved_model(self.cap)
            if solution is None:
                raise ContractViolation(
                    f"{name}() returned None and solved no model{_unsolved_hint()}; "
                    f"expected {contract.EXPECTED_FUNCTION}"
                )
            return name, solution
        solution.setdefault("source", f"returned by {name}()")
        if solution.get("framework") == "returned" and not solution.get("variables"):
            from_model = _solved_model(self.cap)
            if from_model is not None:  # the returned objective, the solved model's values
                solution["variables"] = from_model["variables"]
                solution["solver"] = from_model.get("solver", "")
        return name, solution

    def run_heuristic(self, ns: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        functions = contract.program_functions(ns, self.path)
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
        if self.kind == "heuristic":
            entry, output = self.run_heuristic(ns)
            return {"status": "ok", "contract": self.kind, "entry": entry, "heuristic": output}
        entry = None
        solution = None if self.kind == "function" else _solved_model(self.cap)
        if solution is None and self.kind == "script":
            raise ContractViolation(
                f"the program solved no model{_unsolved_hint()}; expected {contract.EXPECTED_SCRIPT}"
            )
        if solution is None:
            entry, solution = self.call_function(ns)
        return {"status": "ok", "contract": self.kind, "entry": entry, "solution": solution}

    # -- the run
    def execute(self) -> dict[str, Any]:
        solver_limit = self.limits.get("solver_time_limit") or 0.8 * self.limits["timeout_s"]
        hooks.reset(min(solver_limit, self.limits["timeout_s"]), int(self.limits.get("solver_threads", 1)))
        module = types.ModuleType("__main__")
        module.__file__ = self.path
        module.__builtins__ = builtins  # type: ignore[attr-defined]
        sys.modules["__main__"] = module
        sys.argv = [self.path]
        try:
            code = compile(self.job["code"], self.path, "exec")
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


def execute(job: dict[str, Any], path: str) -> dict[str, Any]:
    """Execute ``job['code']`` (already written to ``path``) as ``__main__`` and apply the contract."""
    return Harness(job, path).execute()
