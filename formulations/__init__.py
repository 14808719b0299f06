"""The five-element formulation IR: model, validation, rendering, compilation, solving and checking."""

from optagent.formulations.issues import Issue, Report
from optagent.formulations.model import (
    ConstraintDef,
    Formulation,
    Objective,
    ParamDef,
    ProblemType,
    SetDef,
    VarDef,
    json_schema,
)
from optagent.formulations.prepare import prepare
from optagent.formulations.validate import validate

__all__ = [
    "ConstraintDef",
    "Formulation",
    "Issue",
    "Objective",
    "ParamDef",
    "ProblemType",
    "Report",
    "SetDef",
    "VarDef",
    "json_schema",
    "prepare",
    "validate",
]
