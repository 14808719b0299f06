"""Sensitivity of a solved model, by IR names and indices: duals, reduced costs, slacks, binding rows, ranges.

Sign conventions (every number is in the objective's own sense, minimise or maximise):

- ``ConstraintSensitivity.dual``: change of the objective per unit increase of the row's *constant side* (the
  side of the relation without variables, e.g. ``available[s]`` in ``sum(...) <= available[s]``, even when it
  is written on the left). For a row with variables on both sides, the constant side is the constant moved to
  the right: ``x <= y + 5`` has constant 5. A ``<=`` capacity in a maximisation has dual >= 0 (more capacity,
  more profit); a ``>=`` requirement in a minimisation has dual >= 0 (more demand, more cost).
- ``activity``: the value of the other side at the solution, so ``slack = constant - activity`` for
  ``<=``, ``activity - constant`` for ``>=``, 0 for ``==`` and the distance to the nearer end for ranged rows;
  ``binding`` means slack <= 1e-7 (relative).
- ``rhs_range``: the interval of the constant over which the optimal basis stays optimal, so ``dual`` holds
  on all of it (in a degenerate LP the same dual may hold further); an end is ``None`` when unbounded. For
  non-binding rows it runs from the activity outwards.
- ``VariableSensitivity.reduced_cost``: change of the objective per unit increase of the variable from its
  value, the other variables re-optimised in the same basis (0 for basic variables).
- ``cost_range``: the interval of the variable's objective coefficient over which the solution stays
  optimal (``None`` for integer variables, fixed in the fixed-integer LP).

``basis`` says where the numbers come from: ``"lp"`` (the LP itself), ``"fixed-integer-lp"`` (a MILP with
every integer variable fixed at its optimal value, then solved as an LP: the duals price the continuous
decisions around that integer plan, not the integer decisions) or ``"qp"`` (a convex QP: duals and reduced
costs, no ranging).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from optagent.formulations.evaluate import key_str

Range = tuple[float | None, float | None]


@dataclass
class ConstraintSensitivity:
    """One constraint row. ``index``: key string as in SolveResult.values ('' for a scalar constraint);
    ``rhs``: value of the constant side; ``rhs_term``: the constant side when it is one data entry
    ('cap[a]'). Plain dataclasses (validated by pydantic when read from JSON): a model has thousands."""

    name: str
    index: str
    activity: float
    dual: float
    slack: float
    binding: bool
    rhs_range: Range | None = None
    rhs: float = field(default=0.0, kw_only=True)
    rhs_term: str | None = field(default=None, kw_only=True)

    @property
    def label(self) -> str:
        return f"{self.name}[{self.index}]" if self.index else self.name


@dataclass
class VariableSensitivity:
    """One column. ``cost``: the variable's objective coefficient (its linear part)."""

    name: str
    index: str
    value: float
    reduced_cost: float
    cost_range: Range | None = None
    cost: float = field(default=0.0, kw_only=True)

    @property
    def label(self) -> str:
        return f"{self.name}[{self.index}]" if self.index else self.name


class Sensitivity(BaseModel):
    """Duals and ranges of one solve; see the module docstring for the sign conventions."""

    basis: Literal["lp", "fixed-integer-lp", "qp"]
    sense: Literal["minimize", "maximize"] = "minimize"
    constraints: list[ConstraintSensitivity] = Field(default_factory=list)
    variables: list[VariableSensitivity] = Field(default_factory=list)

    @property
    def basis_text(self) -> str:
        return {
            "lp": "LP duals and ranging",
            "fixed-integer-lp": "duals of the LP with every integer variable fixed at its optimal value "
            "(they price the continuous decisions around this integer plan)",
            "qp": "QP duals (no ranging for quadratic objectives)",
        }[self.basis]

    def statements(self, limit: int = 12) -> list[str]:
        """Plain sentences for the binding rows with a non-zero dual, largest first: "one more unit of
        `available[carpentry]` is worth 2.5, valid from 380 to 460"."""
        rows = sorted(
            (c for c in self.constraints if c.binding and abs(c.dual) > 1e-9), key=lambda c: -abs(c.dual)
        )
        out = []
        for c in rows[:limit]:
            what = f"`{c.rhs_term}`" if c.rhs_term else f"the constant side of `{c.label}`"
            out.append(f"one more unit of {what} {self._worth(c.dual)}{range_text(c.rhs_range)}")
        return out

    def _worth(self, dual: float) -> str:
        if self.sense == "maximize":
            return f"is worth {dual:.6g}" if dual > 0 else f"loses {-dual:.6g}"
        return f"costs {dual:.6g}" if dual > 0 else f"saves {-dual:.6g}"

    def constraint(self, name: str, *index: Any) -> ConstraintSensitivity:
        """The row ``name[index]`` (elements as declared), e.g. ``constraint("cap", "carpentry")``."""
        return _find(self.constraints, name, index, "constraint row")

    def variable(self, name: str, *index: Any) -> VariableSensitivity:
        return _find(self.variables, name, index, "variable")

    def binding(self) -> list[ConstraintSensitivity]:
        return [c for c in self.constraints if c.binding]


def range_text(rng: Range | None) -> str:
    """', valid from 225 to 600' (or 'upwards' / 'up to' for open ends; '' without a range)."""
    if rng is None or rng == (None, None):
        return ""
    lo, hi = rng
    if lo is None:
        return f", valid up to {hi:.6g}"
    if hi is None:
        return f", valid from {lo:.6g} upwards"
    return f", valid from {lo:.6g} to {hi:.6g}"


def _find(items: list[Any], name: str, index: tuple, what: str) -> Any:
    key = key_str(index)
    for item in items:
        if item.name == name and item.index == key:
            return item
    raise KeyError(f"no {what} {name}[{key}]" if key else f"no {what} {name}")
