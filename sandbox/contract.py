"""The result contract: what a program may hand back, and the exact complaint when it hands back nothing."""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

from optagent.sandbox import extract

PREFERRED_ENTRIES = ("solve", "main", "optimize", "solve_problem", "build_and_solve", "model", "run")

EXPECTED_FUNCTION = (
    "a function whose parameters all have defaults (the data) and that returns the objective value, "
    "a dict with 'status', 'objective' and optional 'variables', or a solved model"
)
EXPECTED_SCRIPT = "a gurobipy, Pyomo, highspy or pyscipopt model that the program solves"
EXPECTED_HEURISTIC = "a function heuristic(p, d) returning a permutation of the job indices 0..n-1"


class ContractViolation(Exception):
    """The program ran but its result does not follow the contract; the message says what was expected."""


def program_functions(namespace: dict[str, Any], program_path: str) -> dict[str, Callable[..., Any]]:
    """Functions defined by the program itself (not imported), in definition order."""
    found = {}
    for name, obj in namespace.items():
        code = getattr(obj, "__code__", None)
        if inspect.isfunction(obj) and code is not None and code.co_filename == program_path:
            found[name] = obj
    return found


def _all_defaults(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in params
    )


def preferred_entry(functions: dict[str, Callable[..., Any]], entry: str | None) -> str | None:
    """The named ``entry`` if defined, else the first preferred name callable without arguments."""
    if entry is not None:
        return entry if entry in functions else None
    return next((n for n in PREFERRED_ENTRIES if n in functions and _all_defaults(functions[n])), None)


def choose_function(
    functions: dict[str, Callable[..., Any]], entry: str | None
) -> tuple[str, Callable[..., Any]]:
    """The entry function: named, preferred name, or the only callable-without-arguments one."""
    if entry is not None:
        if entry not in functions:
            raise ContractViolation(
                f"the program defines no function named {entry!r} "
                f"(it defines: {', '.join(functions) or 'none'}); expected {EXPECTED_FUNCTION}"
            )
        return entry, functions[entry]
    callable_now = {name: f for name, f in functions.items() if _all_defaults(f) and not name.startswith("_")}
    for name in PREFERRED_ENTRIES:
        if name in callable_now:
            return name, callable_now[name]
    if len(callable_now) == 1:
        return next(iter(callable_now.items()))
    if not callable_now:
        raise ContractViolation(
            f"the program solved no model and defines no entry function; expected {EXPECTED_FUNCTION}"
        )
    raise ContractViolation(
        f"the program defines several functions callable without arguments ({', '.join(callable_now)}) "
        "and none is named solve/main; name the entry function"
    )


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ContractViolation(f"{what} is {type(value).__name__} {value!r:.80}; expected a finite number")
    number = float(value)
    if not math.isfinite(number):
        raise ContractViolation(
            f"{what} is {number}; expected a finite number "
            "(report an infeasible or unbounded model as {'status': 'infeasible'} or {'status': 'unbounded'})"
        )
    return number


def from_dict(value: dict[Any, Any], cap: int) -> dict[str, Any]:
    """Validate a returned dict {'status', 'objective', 'variables'}."""
    keys = {str(k).lower(): v for k, v in value.items()}
    objective_key = next((k for k in ("objective", "objective_value", "obj", "objval") if k in keys), None)
    status_raw = keys.get("status")
    status = extract.normalise_status(status_raw) if status_raw is not None else None
    objective = None
    if objective_key is not None and keys[objective_key] is not None:
        objective = _finite(keys[objective_key], f"the returned {objective_key!r}")
    if status is None:
        if objective is None:
            raise ContractViolation(
                f"the returned dict has neither 'objective' nor 'status' (keys: {sorted(keys)[:10]}); "
                f"expected {EXPECTED_FUNCTION}"
            )
        status = extract.OPTIMAL
    if status in (extract.OPTIMAL, extract.FEASIBLE) and objective is None:
        raise ContractViolation(f"the returned status is {status_raw!r} but there is no finite 'objective'")
    variables_raw = keys.get("variables") or keys.get("solution") or {}
    if not isinstance(variables_raw, dict):
        raise ContractViolation(
            f"the returned 'variables' is {type(variables_raw).__name__}; expected a dict name -> value"
        )
    variables: dict[str, float] = {}
    truncated = False
    for name, raw in variables_raw.items():
        if len(variables) >= cap:
            truncated = True
            break
        if isinstance(raw, numbers.Real) and not isinstance(raw, bool) and math.isfinite(float(raw)):
            variables[str(name)] = float(raw)
    return {
        "status": status,
        "objective": objective,
        "variables": variables,
        "framework": "returned",
        "raw_status": str(status_raw) if status_raw is not None else "",
        "variables_truncated": truncated,
        "bound": _optional_number(keys, BOUND_KEYS),
        "gap": _optional_number(keys, GAP_KEYS),
    }


BOUND_KEYS = ("bound", "best_bound", "objective_bound", "obj_bound", "objbound", "dual_bound")
GAP_KEYS = ("gap", "mip_gap", "mipgap", "relative_gap")


def _optional_number(keys: dict[str, Any], names: tuple[str, ...]) -> float | None:
    """The first of ``names`` that holds a finite number (a bound or gap of infinity means none)."""
    for name in names:
        value = keys.get(name)
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value)):
            return float(value)
    return None


def interpret_return(value: Any, cap: int) -> dict[str, Any] | None:
    """A returned value as a solution dict; None means 'returned nothing, look at solved models'."""
    if value is None:
        return None
    if isinstance(value, dict):
        return from_dict(value, cap)
    if (
        isinstance(value, tuple)
        and value
        and isinstance(value[0], numbers.Real)
        and not isinstance(value[0], bool)
    ):
        objective = _finite(value[0], "the first element of the returned tuple")
        return {"status": extract.OPTIMAL, "objective": objective, "framework": "returned"}
    if isinstance(value, str):
        status = extract.normalise_status(value)
        if status in (extract.INFEASIBLE, extract.UNBOUNDED, extract.INF_OR_UNBD):
            return {"status": status, "framework": "returned", "raw_status": value}
        raise ContractViolation(f"the function returned the text {value!r:.80}; expected {EXPECTED_FUNCTION}")
    framework = extract.solved_framework(value)
    if framework is not None:
        return extract.extract(framework, value, None, cap)
    if isinstance(value, numbers.Real):
        objective = _finite(value, "the returned objective")
        return {"status": extract.OPTIMAL, "objective": objective, "framework": "returned"}
    raise ContractViolation(f"the function returned {type(value).__name__}; expected {EXPECTED_FUNCTION}")


def check_permutation(value: Any, n: int, instance: int) -> list[int]:
    """A heuristic's output as a list of 0-based job indices, or the exact reason it is not a permutation."""
    where = f"instance {instance} ({n} jobs)"
    try:
        items = list(value)
    except TypeError:
        raise ContractViolation(
            f"{where}: the heuristic returned {type(value).__name__}; expected {EXPECTED_HEURISTIC}"
        ) from None
    order: list[int] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral):
            if not isinstance(item, bool) and isinstance(item, numbers.Real) and float(item).is_integer():
                item = int(item)
            else:
                raise ContractViolation(
                    f"{where}: element {item!r:.40} is not a job index; expected {EXPECTED_HEURISTIC}"
                )
        order.append(int(item))
    if len(order) != n:
        raise ContractViolation(
            f"{where}: the heuristic returned {len(order)} indices; expected {EXPECTED_HEURISTIC}"
        )
    seen = set()
    for job in order:
        if not 0 <= job < n:
            raise ContractViolation(f"{where}: index {job} is out of range; expected {EXPECTED_HEURISTIC}")
        if job in seen:
            raise ContractViolation(f"{where}: job {job} appears twice; expected {EXPECTED_HEURISTIC}")
        seen.add(job)
    return order
