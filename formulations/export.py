"""Export a formulation to LP or MPS files through Pyomo's writers, with IR names kept as labels.

Numbers are written without float representation noise (``198.00000000000003`` becomes ``198``, each
within ``numtext.NOISE`` = 5e-15 relative of the model's value) and never as ``-0``.
"""

from __future__ import annotations

from pathlib import Path

from optagent.errors import ExportError
from optagent.formulations.compile_pyomo import compile_formulation
from optagent.formulations.model import Formulation
from optagent.formulations.numtext import tidy_numbers

FORMATS = {".lp": "lp", ".mps": "mps"}


def export(formulation: Formulation, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``path`` as LP or MPS (from the suffix unless ``fmt`` is given); returns the path written."""
    out = Path(path)
    fmt = fmt or FORMATS.get(out.suffix.lower())
    if fmt not in FORMATS.values():
        raise ExportError(
            f"cannot tell the format of '{out.name}'", hint="use a .lp or .mps suffix, or --format lp|mps"
        )
    compiled = compile_formulation(formulation)
    cls = compiled.prepared.problem_class.value
    if cls in ("NLP", "MINLP") or (fmt == "mps" and cls in ("QCP", "MIQCP")):
        raise ExportError(
            f"a {cls} model cannot be written as {fmt.upper()}",
            hint="LP holds linear and quadratic models; MPS here holds linear and quadratic-objective ones",
        )
    if not out.parent.exists():
        raise ExportError(f"folder '{out.parent}' does not exist", hint="create it or choose another path")
    from pyomo.opt import ProblemFormat

    problem_format = ProblemFormat.cpxlp if fmt == "lp" else ProblemFormat.mps
    try:
        compiled.model.write(str(out), format=problem_format, io_options={"symbolic_solver_labels": True})
    except (ValueError, RuntimeError) as exc:
        raise ExportError(f"Pyomo could not write {fmt.upper()}: {exc}") from exc
    out.write_text(tidy_numbers(out.read_text(encoding="utf-8")), encoding="utf-8")
    return out
