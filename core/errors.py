"""One exception root for optagent, with a stable code and a hint that says what to change."""

from __future__ import annotations


class OptagentError(Exception):
    """Base error. ``code`` is stable for programs; ``hint`` tells the user what to change."""

    code = "error"
    exit_code = 1  # of the command line

    def __init__(self, message: str, *, hint: str = "", code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class InputError(OptagentError):
    """A file or argument given by the user cannot be used."""

    code = "input"


class FormulationInvalid(OptagentError):
    """The formulation failed validation; ``report`` lists every problem found."""

    code = "formulation-invalid"

    def __init__(self, report: object) -> None:
        self.report = report
        super().__init__(
            f"the formulation has {len(report.errors)} error(s)",  # type: ignore[attr-defined]
            hint="run `optagent formulation validate FILE` to see them all",
        )


class SolverUnavailable(OptagentError):
    """The requested solver is not installed, not licensed, or cannot take this model class."""

    code = "solver-unavailable"


class ExportError(OptagentError):
    """The model cannot be written in the requested file format."""

    code = "export"


class ModelTooLarge(InputError):
    """A formulation would expand into more index combinations than optagent builds."""

    code = "model-too-large"


class UsageError(InputError):
    """The command was called the wrong way (a missing or conflicting argument): exit code 2, like click's."""

    code = "usage"
    exit_code = 2
