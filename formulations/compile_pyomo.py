"""Deterministic compilation: prepared formulation -> Pyomo ``ConcreteModel``, keeping the map to IR names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo

from optagent.errors import FormulationInvalid
from optagent.formulations.data import domain_text
from optagent.formulations.evaluate import Backend, Builder, Table
from optagent.formulations.instantiate import Row, constraint_rows, var_bounds
from optagent.formulations.model import Formulation, Sense, VarType
from optagent.formulations.prepare import Prepared, prepare

_DOMAINS = {VarType.continuous: pyo.Reals, VarType.integer: pyo.Integers, VarType.binary: pyo.Binary}


def _abs(e: Any) -> Any:
    # |e| = sqrt(e^2): exact, and every nonlinear backend here takes sqrt and powers (not all take abs).
    return pyo.sqrt(e**2)


def _min(*args: Any) -> Any:
    out = args[0]
    for a in args[1:]:
        out = (out + a - _abs(out - a)) / 2
    return out


def _max(*args: Any) -> Any:
    out = args[0]
    for a in args[1:]:
        out = (out + a + _abs(out - a)) / 2
    return out


PYOMO_FUNCS = {
    "sqrt": pyo.sqrt,
    "exp": pyo.exp,
    "log": pyo.log,
    "log10": pyo.log10,
    "sin": pyo.sin,
    "cos": pyo.cos,
    "abs": _abs,
    "min": _min,
    "max": _max,
}


@dataclass
class Compiled:
    """A Pyomo model plus the map from IR variable names and index keys to Pyomo variables."""

    model: pyo.ConcreteModel
    prepared: Prepared
    variables: dict[str, dict[tuple, Any]] = field(default_factory=dict)
    component_names: dict[str, str] = field(default_factory=dict)

    @property
    def num_variables(self) -> int:
        return sum(len(v) for v in self.variables.values())

    @property
    def num_constraints(self) -> int:
        return sum(1 for _ in self.model.component_data_objects(pyo.Constraint, active=True))


def _component_name(model: pyo.ConcreteModel, name: str) -> str:
    out = name
    while hasattr(model, out):
        out += "_"
    return out


def _relation(row: Row) -> Any:
    if row.op == "<=":
        return row.lhs <= row.rhs
    if row.op == ">=":
        return row.lhs >= row.rhs
    if row.op == "==":
        return row.lhs == row.rhs
    return pyo.inequality(row.lhs, row.body, row.rhs)


def compile_prepared(prep: Prepared) -> Compiled:
    """Build the Pyomo model; raises FormulationInvalid with the full report if anything is wrong."""
    report = prep.report
    if not report.ok:
        raise FormulationInvalid(report)
    model = pyo.ConcreteModel(name=prep.formulation.name)
    out = Compiled(model, prep)
    bounds = var_bounds(prep, report)
    if not report.ok:
        raise FormulationInvalid(report)
    tables: dict[str, Any] = {}
    for name, pv in prep.variables.items():
        cname = _component_name(model, name)
        out.component_names[name] = cname
        domain = _DOMAINS[pv.type]
        if not pv.bindings:
            var = pyo.Var(domain=domain, bounds=bounds[name][0])
            model.add_component(cname, var)
            out.variables[name] = {(): var}
            tables[name] = var
            continue
        index = [k[0] if len(k) == 1 else k for k in pv.keys]
        var = pyo.Var(index, domain=domain, dense=True)
        model.add_component(cname, var)
        entries = {}
        for key, pyo_key, (lo, up) in zip(pv.keys, index, bounds[name]):
            data = var[pyo_key]
            data.setlb(lo)
            data.setub(up)
            entries[key] = data
        out.variables[name] = entries
        tables[name] = Table(name, entries, domain_text(pv.bindings))
    backend = Backend(variables=tables, funcs=PYOMO_FUNCS, total=pyo.quicksum)
    builder = Builder(prep.sets, prep.params, backend)
    assert prep.objective is not None
    sense = pyo.maximize if prep.formulation.objective.sense == Sense.maximize else pyo.minimize
    model.add_component(
        _component_name(model, "objective"),
        pyo.Objective(expr=builder.build(prep.objective)({}), sense=sense),
    )
    for pc in prep.constraints:
        cname = _component_name(model, pc.name)
        out.component_names[pc.name] = cname
        rows = list(constraint_rows(prep, pc, backend, report))
        if not pc.bindings:
            con = (
                pyo.Constraint(expr=_relation(rows[0])) if rows else pyo.Constraint(expr=pyo.Constraint.Skip)
            )
            model.add_component(cname, con)
            continue
        index = [r.key[0] if len(r.key) == 1 else r.key for r in rows]
        con = pyo.Constraint(index)
        model.add_component(cname, con)
        for pyo_key, row in zip(index, rows):
            con[pyo_key] = _relation(row)
    if not report.ok:
        raise FormulationInvalid(report)
    return out


def compile_formulation(formulation: Formulation) -> Compiled:
    """IR -> Pyomo. Validation problems raise :class:`FormulationInvalid` carrying every issue."""
    return compile_prepared(prepare(formulation))
