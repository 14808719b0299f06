"""Row-by-row expansion into solver terms: the reference interpreter with a linear/quadratic backend.

Used for the objective and the constraints the vectorised path leaves
(:mod:`optagent.formulations.vectorized`): :class:`QExpr` stands in for the decision variables, so the
reference ``Builder`` and ``constraint_rows`` produce affine-plus-quadratic expressions over column numbers,
with their usual checks and messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from optagent.formulations.evaluate import NUMERIC_FUNCS, Backend, Table, is_number
from optagent.formulations.vectorized import VarLayout


class NotQuadratic(Exception):
    """An expression is not a polynomial of degree <= 2 in the variables: no direct solver path."""


class QExpr:
    """``const + sum(lin[c] * x[c]) + sum(quad[c1, c2] * x[c1] * x[c2])`` with ``c1 <= c2``."""

    __slots__ = ("const", "lin", "quad")

    def __init__(
        self, const: float = 0.0, lin: dict[int, float] | None = None, quad: dict[tuple, float] | None = None
    ):
        self.const = const
        self.lin = lin if lin is not None else {}
        self.quad = quad if quad is not None else {}

    @staticmethod
    def var(col: int) -> QExpr:
        return QExpr(0.0, {col: 1.0})

    def _scaled(self, f: float) -> QExpr:
        return QExpr(
            self.const * f, {c: v * f for c, v in self.lin.items()}, {k: v * f for k, v in self.quad.items()}
        )

    def __add__(self, other: Any) -> QExpr:
        if not isinstance(other, QExpr):
            if not is_number(other):
                return NotImplemented
            return QExpr(self.const + other, self.lin, self.quad)
        return qsum([self, other])

    __radd__ = __add__

    def __neg__(self) -> QExpr:
        return self._scaled(-1.0)

    def __sub__(self, other: Any) -> QExpr:
        return self + (-other)

    def __rsub__(self, other: Any) -> QExpr:
        return (-self) + other

    def __mul__(self, other: Any) -> QExpr:
        if not isinstance(other, QExpr):
            if not is_number(other):
                return NotImplemented
            return self._scaled(other)
        if (self.quad and (other.quad or other.lin)) or (other.quad and self.lin):
            raise NotQuadratic("a product of degree above 2")
        out = qsum([self._scaled(other.const), other._scaled(self.const)])
        out.const = self.const * other.const
        for c1, v1 in self.lin.items():
            for c2, v2 in other.lin.items():
                key = (c1, c2) if c1 <= c2 else (c2, c1)
                out.quad[key] = out.quad.get(key, 0.0) + v1 * v2
        return out

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> QExpr:
        if not is_number(other):
            raise NotQuadratic("division by an expression in the variables")
        if other == 0:
            raise ZeroDivisionError("division by zero")
        return self._scaled(1.0 / other)

    def __rtruediv__(self, other: Any) -> QExpr:
        raise NotQuadratic("division by an expression in the variables")

    def __pow__(self, other: Any) -> Any:
        if other == 1:
            return self
        if other == 2:
            return self * self
        if other == 0:
            return 1
        raise NotQuadratic(f"power {other!r} of an expression in the variables")

    def __rpow__(self, other: Any) -> QExpr:
        raise NotQuadratic("an expression in the variables as an exponent")

    def __mod__(self, other: Any) -> QExpr:
        raise NotQuadratic("'%' of an expression in the variables")

    __rmod__ = __mod__


def qsum(items: list[Any]) -> Any:
    """Sum of numbers and :class:`QExpr` (a number when no item has variables)."""
    const = 0.0
    lin: dict[int, float] = {}
    quad: dict[tuple, float] = {}
    exprs = False
    for item in items:
        if isinstance(item, QExpr):
            exprs = True
            const += item.const
            for c, v in item.lin.items():
                lin[c] = lin.get(c, 0.0) + v
            for k, v in item.quad.items():
                quad[k] = quad.get(k, 0.0) + v
        else:
            const += item
    return QExpr(const, lin, quad) if exprs else const


def _not_quadratic(name: str):
    def fail(*args: Any) -> Any:
        raise NotQuadratic(f"{name}() of an expression in the variables")

    return fail


QUADRATIC_FUNCS = {name: _not_quadratic(name) for name in NUMERIC_FUNCS}


class _ColumnExprs(Mapping):
    """``key -> QExpr.var(column)``, made on lookup (a model may have many more columns than rows use)."""

    def __init__(self, layout: VarLayout) -> None:
        self.layout = layout

    def __getitem__(self, key: tuple) -> QExpr:
        return QExpr.var(self.layout.colmap[key])

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.layout.keys)

    def __len__(self) -> int:
        return len(self.layout.keys)


def quadratic_backend(layouts: dict[str, VarLayout], domains: dict[str, str]) -> Backend:
    """Variables as :class:`QExpr` over their column numbers; nonlinear functions raise NotQuadratic."""
    tables: dict[str, Any] = {}
    for name, layout in layouts.items():
        if layout.indexed:
            tables[name] = Table(name, _ColumnExprs(layout), domains.get(name, ""))  # type: ignore[arg-type]
        else:
            tables[name] = QExpr.var(layout.start)
    return Backend(variables=tables, funcs=QUADRATIC_FUNCS, total=qsum)
