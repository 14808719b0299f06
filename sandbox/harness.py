"""Run a program inside the job process and apply the result contract. Returns a JSON-ready dict."""

from __future__ import annotations

import builtins
import sys
import time
import types
from typing import Any

from optagent.sandbox import contract, hooks
from optagent.sandbox.contract import ContractViolation
from optagent.sandbox.extract import extract
from optagent.sandbox.tracebacks import describe_exception


def _failure(status: str, message: str, exc: BaseException | None, path: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "message": message, **extra}
    if exc is not None:
        out["error"] = describe_exception(exc, path)
    return out


def _solved_model(cap: int) -> dict[str, Any] | None:
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


def _call_function(
    ns: dict[str, Any], job: dict[str, Any], path: str, cap: int
) -> tuple[str, dict[str, Any]]:
    name, func = contract.choose_function(contract.program_functions(ns, path), job.get("entry"))
    returned = func()
    solution = contract.interpret_return(returned, cap)
    if solution is not None:
        solution.setdefault("source", f"returned by {name}()")
        if solution.get("framework") == "returned" and hooks.SOLVED:
            from_model = _solved_model(cap)
            if from_model and not solution.get("variables"):
                solution["variables"] = from_model["variables"]
                solution["solver"] = from_model.get("solver", "")
        return name, solution
    solution = _solved_model(cap)
    if solution is None:
        raise ContractViolation(
            f"{name}() returned None and solved no model{_unsolved_hint()}; "
            f"expected {contract.EXPECTED_FUNCTION}"
        )
    return name, solution


def _run_heuristic(ns: dict[str, Any], job: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    functions = contract.program_functions(ns, path)
    entry = job.get("entry") or ("heuristic" if "heuristic" in functions else None)
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
    for k, instance in enumerate(job["instances"]):
        p, d = list(instance["p"]), list(instance["d"])
        start = time.perf_counter()
        order = func(p, d)
        seconds.append(time.perf_counter() - start)
        permutations.append(contract.check_permutation(order, len(instance["p"]), k))
    return entry, {"permutations": permutations, "seconds": seconds}


def execute(job: dict[str, Any], path: str) -> dict[str, Any]:
    """Execute ``job['code']`` (already written to ``path``) as ``__main__`` and apply the contract."""
    limits = job["limits"]
    cap = int(limits.get("max_variables", 20000))
    solver_limit = limits.get("solver_time_limit") or 0.8 * limits["timeout_s"]
    hooks.reset(min(solver_limit, limits["timeout_s"]), int(limits.get("solver_threads", 1)))
    kind = job.get("contract", "auto")
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    sys.argv = [path]
    ns = module.__dict__
    try:
        code = compile(job["code"], path, "exec")
    except (SyntaxError, ValueError) as exc:
        return _failure("error", f"the program does not compile: {exc}", exc, path)
    try:
        exec(code, ns)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return _failure(
                "error", f"the program exited with sys.exit({exc.code!r})", None, path, exit_code=1
            )
    except MemoryError as exc:
        return _failure("memory", "the program ran out of its memory limit", exc, path)
    except BaseException as exc:
        return _failure("error", f"{type(exc).__name__} raised by the program", exc, path)
    try:
        entry = None
        if kind == "heuristic":
            entry, output = _run_heuristic(ns, job, path)
            return {"status": "ok", "contract": kind, "entry": entry, "heuristic": output}
        solution = None if kind == "function" else _solved_model(cap)
        if solution is None and kind == "script":
            raise ContractViolation(
                f"the program solved no model{_unsolved_hint()}; expected {contract.EXPECTED_SCRIPT}"
            )
        if solution is None:
            entry, solution = _call_function(ns, job, path, cap)
        return {"status": "ok", "contract": kind, "entry": entry, "solution": solution}
    except ContractViolation as exc:
        return {"status": "contract-violation", "contract": kind, "message": str(exc)}
    except SystemExit as exc:
        return _failure(
            "error", f"the program exited with sys.exit({exc.code!r}) inside its entry function", None, path
        )
    except MemoryError as exc:
        return _failure("memory", "the program ran out of its memory limit", exc, path)
    except BaseException as exc:
        return _failure("error", f"{type(exc).__name__} raised by the program", exc, path, contract=kind)
