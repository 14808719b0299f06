"""The five-element formulation IR: sets, parameters, variables, objective, constraints.

Pydantic models with ``extra="forbid"``; expressions are strings in the safe expression language of
``optagent.formulations.expr`` (parsed with ``ast``, never evaluated by Python).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from optagent.errors import InputError
from optagent.formulations import inputs

Element = int | str | list[int | str]
Bound = float | str | None

INDEX_DOC = (
    'Index bindings, each "i in I" (name i over set I), "(i, j) in A" (a pair over a 2-dimensional set) '
    'or just "I" when the index needs no name.'
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RangeSpec(_Strict):
    """Integers ``start, start+step, ..., end`` (both ends included)."""

    start: int | str = Field(description="First integer, or an expression over scalar parameters.")
    end: int | str = Field(description="Last integer (included), or an expression over scalar parameters.")
    step: int = Field(1, description="Step between consecutive integers (non-zero).")

    @field_validator("start", "end", "step", mode="before")
    @classmethod
    def _integral_floats(cls, value: Any) -> Any:
        # 1e30 arrives as a float; as an exact int, the set's size check can name the limit it exceeds.
        return int(value) if isinstance(value, float) and value.is_integer() else value


class FilterSpec(_Strict):
    """Elements of an existing set that satisfy a condition."""

    over: str = Field(description='Binding over an existing set, e.g. "(i, j) in N2" or "i in N".')
    condition: str = Field(description='Condition on the bound indices and parameters, e.g. "i != j".')


class SetDef(_Strict):
    """A set: exactly one of elements, range, union, intersection, difference, product or filter."""

    name: str
    description: str = ""
    elements: list[Element] | None = Field(
        None, description="Explicit elements: numbers, strings, or lists for tuples (all of one length)."
    )
    range: RangeSpec | None = None
    union: list[str] | None = Field(None, description="Names of sets whose union this is.")
    intersection: list[str] | None = Field(None, description="Names of sets whose intersection this is.")
    difference: list[str] | None = Field(None, description="[A, B]: elements of A not in B.")
    product: list[str] | None = Field(None, description="Names of sets whose Cartesian product this is.")
    filter: FilterSpec | None = None

    @model_validator(mode="after")
    def _exactly_one_definition(self) -> SetDef:
        given = [k for k in SET_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"set '{self.name}' must give exactly one of {', '.join(SET_KINDS)}; got "
                + (", ".join(given) if given else "none")
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in SET_KINDS if getattr(self, k) is not None)


SET_KINDS = ("elements", "range", "union", "intersection", "difference", "product", "filter")


class ParamDef(_Strict):
    """A parameter: a scalar or data indexed over sets, given as values or derived by an expression."""

    name: str
    description: str = ""
    unit: str = ""
    index: list[str] = Field(default_factory=list, description=INDEX_DOC)
    value: Any = Field(
        None,
        description=(
            "Data. Scalar: a number. Indexed: a list in set order (nested lists for several sets), "
            'or a mapping from element to value (nested mappings, or keys like "1,3" for tuples).'
        ),
    )
    default: float | None = Field(None, description="Value for index combinations missing from a mapping.")
    expr: str | None = Field(
        None,
        description='Derived parameter: an expression over the named indices, e.g. "sqrt((x[i]-x[j])**2)".',
    )

    @model_validator(mode="after")
    def _value_or_expr(self) -> ParamDef:
        if (self.value is None) == (self.expr is None):
            raise ValueError(f"parameter '{self.name}' must give exactly one of value or expr")
        return self


class VarType(str, Enum):
    continuous = "continuous"
    integer = "integer"
    binary = "binary"


class VarDef(_Strict):
    """A decision variable (family), possibly indexed."""

    name: str
    description: str = ""
    unit: str = ""
    index: list[str] = Field(default_factory=list, description=INDEX_DOC)
    where: str | None = Field(None, description="Only index combinations satisfying this condition exist.")
    type: VarType = VarType.continuous
    lower: Bound = Field(
        0.0, description="Lower bound: number, expression over data and indices, or null (free)."
    )
    upper: Bound = Field(None, description="Upper bound: number, expression over data and indices, or null.")


class Sense(str, Enum):
    minimize = "minimize"
    maximize = "maximize"


class Objective(_Strict):
    sense: Sense
    expr: str
    description: str = ""


class ConstraintDef(_Strict):
    """A named constraint, optionally one per combination of its ``forall`` indices."""

    name: str
    description: str = ""
    forall: list[str] = Field(default_factory=list, description=INDEX_DOC)
    where: str | None = Field(None, description='Condition selecting the index combinations, e.g. "t > 1".')
    expr: str = Field(description='A relation: "lhs <= rhs", "lhs >= rhs", "lhs == rhs" or "lo <= e <= hi".')


class ProblemType(str, Enum):
    LP = "LP"
    ILP = "ILP"
    MILP = "MILP"
    QP = "QP"
    MIQP = "MIQP"
    QCP = "QCP"
    MIQCP = "MIQCP"
    NLP = "NLP"
    MINLP = "MINLP"


LINEAR_TYPES = {ProblemType.LP, ProblemType.ILP, ProblemType.MILP}


class Formulation(_Strict):
    """A complete optimization model in five elements."""

    name: str = "model"
    description: str = ""
    problem_type: ProblemType | None = Field(
        None, description="Declared class; validation checks that the expressions agree with it."
    )
    sets: list[SetDef] = Field(default_factory=list)
    parameters: list[ParamDef] = Field(default_factory=list)
    variables: list[VarDef] = Field(min_length=1)
    objective: Objective
    constraints: list[ConstraintDef] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict, description="Free-form provenance (source, ids).")

    @model_validator(mode="before")
    @classmethod
    def _raw_limits(cls, data: Any) -> Any:
        inputs.check_raw(data)  # depth, size, numbers and text, before anything recurses into them
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent, exclude_none=True, exclude_defaults=False)

    @classmethod
    def from_json(cls, text: str, *, source: str = "<string>") -> Formulation:
        return cls.from_data(inputs.load_json(text, source), source=source)

    @classmethod
    def from_data(cls, data: Any, *, source: str = "<data>") -> Formulation:
        try:
            return cls.model_validate(data)
        except InputError as exc:
            raise InputError(f"{source}: {exc.message}", hint=exc.hint, code=exc.code) from None
        except ValidationError as exc:
            lines = [f"{source}: does not match the formulation schema ({exc.error_count()} problem(s)):"]
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"]) or "<root>"
                lines.append(f"  - {loc}: {err['msg']}")
            raise InputError(
                "\n".join(lines), hint="`optagent formulation schema` prints the JSON Schema", code="schema"
            ) from None

    @classmethod
    def load(cls, path: str | Path) -> Formulation:
        return cls.from_json(inputs.read_file(Path(path)), source=str(path))


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of :class:`Formulation` (handed to LLMs by the agent)."""
    return Formulation.model_json_schema()
