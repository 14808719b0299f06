"""``validate()``: every problem of a formulation at once, each with its location and a fix hint."""

from __future__ import annotations

from optagent.formulations import issues as I
from optagent.formulations.data import domain_text
from optagent.formulations.evaluate import Backend, Builder, EvalError, Table
from optagent.formulations.instantiate import constraint_rows, usable, var_bounds
from optagent.formulations.model import Formulation
from optagent.formulations.prepare import Prepared, prepare, references


class _Probe:
    """Stands in for every decision variable while rows are expanded: absorbs all arithmetic, so only
    data-side problems (indices out of their sets, missing data, division by a zero parameter) surface."""

    def _same(self, *_: object) -> _Probe:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _same

    def __repr__(self) -> str:
        return "<variable>"


PROBE_VALUE = _Probe()
PROBE_FUNCS = {
    name: PROBE_VALUE._same for name in ("sqrt", "exp", "log", "log10", "sin", "cos", "abs", "min", "max")
}


def probe_total(terms: list[object]) -> object:
    """A sum of terms: the probe when any term is one (found at C speed), else the number."""
    return PROBE_VALUE if PROBE_VALUE in terms else sum(terms)  # type: ignore[arg-type]


def probe_backend(prep: Prepared) -> Backend:
    tables = {}
    for name, pv in prep.variables.items():
        if not pv.ready:
            continue
        if pv.bindings:
            text = domain_text(pv.bindings, pv.where.src if pv.where else None)
            tables[name] = Table(name, dict.fromkeys(pv.keys, PROBE_VALUE), text)
        else:
            tables[name] = PROBE_VALUE
    return Backend(variables=tables, funcs=PROBE_FUNCS, total=probe_total)


def validate_prepared(prep: Prepared) -> I.Report:
    """Expand every row of a prepared model with probe values to find index and data errors."""
    report = prep.report
    backend = probe_backend(prep)
    var_bounds(prep, report)
    if prep.objective is not None and usable(prep, references(prep.objective)):
        try:
            Builder(prep.sets, prep.params, backend, prep.budget).build(prep.objective)({})
        except EvalError as exc:
            report.add(exc.code, "objective", exc.message, exc.hint)
    for pc in prep.constraints:
        for _ in constraint_rows(prep, pc, backend, report):
            pass
    if not any(pv.keys for pv in prep.variables.values()) and report.ok:
        report.add(I.SET_DEF, "variables", "no variable has any index combination", "check the index sets")
    return report


def validate(formulation: Formulation) -> I.Report:
    """Validate a formulation; ``report.ok`` is False when there is any error."""
    return validate_prepared(prepare(formulation))
