"""optagent: natural-language optimization problems to checked mathematical models.

    import optagent
    answer = optagent.solve("A furniture maker ...", model="gpt-4o")
    answer.verdict, answer.objective, answer.values, answer.explanation
    for item in optagent.stream(text, model="gpt-4o"):  # each Step as it finishes, then the Answer
        ...

``solve``, ``stream``, ``Answer`` and ``RunConfig`` and the subpackages (``optagent.formulations``, ...) are
imported on first use, so ``import optagent`` stays light (the sandbox worker imports it too).
``help(optagent.solve)`` lists every option.
"""

import importlib

from optagent.errors import FormulationInvalid, InputError, OptagentError, SolverUnavailable

__version__ = "0.1.0"

_LAZY = ("Answer", "RunConfig", "solve", "stream")  # from optagent.agent, imported on first use
SUBPACKAGES = ("agent", "benchmarks", "evaluation", "finetune", "formulations", "prompts", "sandbox")

__all__ = [
    "Answer",
    "FormulationInvalid",
    "InputError",
    "OptagentError",
    "RunConfig",
    "SolverUnavailable",
    "__version__",
    "solve",
    "stream",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from optagent import agent

        return getattr(agent, name)
    if name in SUBPACKAGES:
        return importlib.import_module(f"optagent.{name}")
    raise AttributeError(f"module 'optagent' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *SUBPACKAGES, *(n for n in globals() if n.startswith("__"))})
