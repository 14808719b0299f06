"""Solver hooks installed in the sandbox: inject the time limit and thread count, remember solved models.

Programs may build models inside functions and drop them; the hooks keep a reference to every model
that is solved so the harness can extract the result afterwards. Frameworks imported later (a cold
worker) are patched on import through a ``sys.meta_path`` finder.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass
class Settings:
    time_limit: float = 60.0
    threads: int = 1


SETTINGS = Settings()
SOLVED: list[tuple[str, Any, Any]] = []  # (framework, model, extra such as Pyomo's results)
CREATED: list[tuple[str, Any]] = []  # models created (gurobipy, pyscipopt), to say "never solved"
_KEEP = 16


def _remember(store: list[Any], item: Any) -> None:
    store.append(item)
    del store[:-_KEEP]


def reset(time_limit: float, threads: int) -> None:
    SETTINGS.time_limit = time_limit
    SETTINGS.threads = threads
    SOLVED.clear()
    CREATED.clear()


def _patch_highspy(module: ModuleType) -> None:
    cls = module.Highs
    if getattr(cls, "_optagent_hooked", False):
        return

    def limit(self: Any) -> None:
        try:
            current = self.getOptionValue("time_limit")
            if isinstance(current, tuple):  # highspy >= 1.8 returns (status, value)
                current = current[-1]
            if not current or current > SETTINGS.time_limit:
                self.setOptionValue("time_limit", float(SETTINGS.time_limit))
            self.setOptionValue("threads", int(SETTINGS.threads))
        except Exception:
            pass

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
            limit(self)
            try:
                return method(self, *args, **kwargs)
            finally:
                _remember(SOLVED, ("highspy", self, None))

        hooked.__name__ = method.__name__
        hooked.__doc__ = method.__doc__
        return hooked

    for name in ("run", "solve"):
        if hasattr(cls, name):
            setattr(cls, name, wrap(getattr(cls, name)))
    cls._optagent_hooked = True


def _subclass_model(module: ModuleType, framework: str, limit: Callable[[Any], None]) -> type | None:
    """Replace ``module.Model`` (a compiled class that cannot be patched) by a subclass whose ``optimize``
    injects the limits first and records the model; None when it is already hooked."""
    base = module.Model
    if getattr(base, "_optagent_hooked", False):
        return None

    class Model(base):  # type: ignore[misc, valid-type]
        _optagent_hooked = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            _remember(CREATED, (framework, self))

        def optimize(self, *args: Any, **kwargs: Any) -> Any:
            with contextlib.suppress(Exception):
                limit(self)
            try:
                return super().optimize(*args, **kwargs)
            finally:
                _remember(SOLVED, (framework, self, None))

    Model.__module__ = base.__module__
    Model.__qualname__ = base.__qualname__
    Model.__doc__ = base.__doc__
    module.Model = Model
    return Model


def _limit_gurobi(model: Any) -> None:
    if model.Params.TimeLimit > SETTINGS.time_limit:
        model.Params.TimeLimit = SETTINGS.time_limit
    if model.Params.Threads == 0 or model.Params.Threads > SETTINGS.threads:
        model.Params.Threads = SETTINGS.threads


def _limit_scip(model: Any) -> None:
    if model.getParam("limits/time") > SETTINGS.time_limit:
        model.setParam("limits/time", SETTINGS.time_limit)


def _patch_gurobipy(module: ModuleType) -> None:
    _subclass_model(module, "gurobipy", _limit_gurobi)


def _patch_pyscipopt(module: ModuleType) -> None:
    model = _subclass_model(module, "pyscipopt", _limit_scip)
    if model is not None and hasattr(module, "scip"):
        module.scip.Model = model


def _wrap_pyomo_solver(solver: Any, name: str) -> Any:
    """Record the model and results of every ``solve`` of a Pyomo solver object."""
    if solver is None or getattr(solver, "_optagent_hooked", False):
        return solver
    original = getattr(solver, "solve", None)
    if original is None:
        return solver

    def solve(*args: Any, **kwargs: Any) -> Any:
        model = args[0] if args else kwargs.get("model")
        results = None
        try:
            results = original(*args, **kwargs)
            return results
        finally:
            _remember(SOLVED, ("pyomo", model, {"results": results, "solver": name}))

    try:
        solver.solve = solve
        solver._optagent_hooked = True
    except Exception:
        pass
    return solver


def _patch_pyomo_factory(module: ModuleType) -> None:
    factory_cls = type(module.SolverFactory)
    if getattr(factory_cls, "_optagent_hooked", False) or "__call__" not in vars(factory_cls):
        return
    original = factory_cls.__call__

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
        solver = original(self, *args, **kwargs)
        name = str(args[0]) if args else str(kwargs.get("_name", ""))
        return solver if solver is self else _wrap_pyomo_solver(solver, name)

    factory_cls.__call__ = __call__
    factory_cls._optagent_hooked = True


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "highspy": _patch_highspy,
    "gurobipy": _patch_gurobipy,
    "pyscipopt": _patch_pyscipopt,
    "pyomo.opt.base.solvers": _patch_pyomo_factory,
}


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Patch a framework right after its module is executed, whenever the program imports it."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in PATCHES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def patched_exec(module: ModuleType) -> None:
            exec_module(module)
            _apply(fullname, module)

        loader.exec_module = patched_exec  # type: ignore[method-assign]
        return spec


def _apply(name: str, module: ModuleType) -> None:
    try:
        PATCHES[name](module)
    except Exception as exc:  # a framework version we do not know: run unpatched, say so
        print(f"optagent sandbox: could not hook {name}: {exc}", file=sys.stderr)


def install() -> None:
    """Patch frameworks already imported, and those imported later."""
    for name, module in list(sys.modules.items()):
        if name in PATCHES and module is not None:
            _apply(name, module)
    if not any(isinstance(finder, _PostImportFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PostImportFinder())
